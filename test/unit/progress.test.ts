import { describe, expect, it } from 'vitest';
import { createProgress, formatElapsed } from '../../src/cli/progress.js';

function capture(options: { live: boolean; verbose?: boolean }) {
  let text = '';
  let now = Date.parse('2026-12-01T10:00:00Z');
  const progress = createProgress(
    { write: (t: string) => (text += t), columns: 60 },
    { ...options, now: () => now },
  );
  return { progress, text: () => text, advance: (ms: number) => (now += ms) };
}

describe('progress in a log (CI, a pipe)', () => {
  it('prints plain timestamped lines: messages and each change of state', () => {
    const { progress, text, advance } = capture({ live: false });
    progress.item('build', 'build', 'waiting');
    progress.item('build', 'build', 'running');
    progress.item('build', 'build', 'running', 'pipeline: checking out');
    advance(65_000);
    progress.message('pipeline: built in 65.0 s');
    progress.item('build:pipeline', '  pipeline', 'succeeded', '65.0 s');
    progress.command('ko build ./cmd/controller');
    progress.output('# Pipelines');
    progress.close();
    expect(text()).toBe(
      [
        '10:00:00 build: waiting',
        '10:00:00 build: running',
        '10:01:05 pipeline: built in 65.0 s',
        '10:01:05 pipeline: succeeded — 65.0 s',
        '# Pipelines',
        '',
      ].join('\n'),
    );
    // No cursor movement in a log.
    expect(text()).not.toContain('\x1b[');
  });

  it('shows the commands with --verbose', () => {
    const { progress, text } = capture({ live: false, verbose: true });
    progress.command('ko build ./cmd/controller');
    expect(text()).toBe('10:00:00 $ ko build ./cmd/controller\n');
  });
});

describe('progress on a terminal', () => {
  it('keeps a live block of stages and builds at the bottom, with messages scrolling above', () => {
    const { progress, text, advance } = capture({ live: true });
    progress.item('build', 'build', 'running', 'waiting for 2 builds');
    progress.item('test', 'test', 'waiting');
    progress.item('build:pipeline', '  pipeline', 'running', 'building 0123456789ab');
    advance(83_000);
    progress.message('triggers: built in 12.0 s');
    const screen = text();
    // The message is written after erasing the two-line block (up 2 lines, clear down).
    expect(screen).toContain('\x1b[3F\x1b[J10:01:23 triggers: built in 12.0 s\n');
    const lastBlock = screen.slice(screen.lastIndexOf('triggers: built in 12.0 s\n') + 26);
    expect(lastBlock.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^⠋ build {18} 1m23s {2}waiting for 2 builds$/),
      expect.stringMatching(/^⠋ {3}pipeline {14}1m23s {2}building 0123456789ab$/),
      // A component's line sits under its stage's, whatever the order they came in.
      '· test',
    ]);
    progress.item('build:pipeline', '  pipeline', 'failed', 'ko exited 1: '.padEnd(80, 'x'));
    progress.close();
    const last = text().split('\n').filter(Boolean).at(-2) ?? '';
    // Cut to the terminal's width, and the elapsed time frozen when it ended.
    expect(last).toMatch(/^✗ {3}pipeline {14}1m23s {2}ko exited 1: x+…$/);
    expect(last.length).toBe(59);
  });

  it('formats elapsed times', () => {
    expect(formatElapsed(9_400)).toBe('9s');
    expect(formatElapsed(600_000)).toBe('10m00s');
  });
});

describe('progress, whatever it is given', () => {
  it('keeps a multi-line detail on one line, and draws the final block once', () => {
    const { progress, text } = capture({ live: true });
    progress.item('deploy', 'deploy', 'failed', 'first line\n    at second line');
    progress.close();
    const once = text();
    progress.close();
    expect(text()).toBe(once);
    expect(once.split('\n').filter(Boolean).at(-1)).toMatch(/✗ deploy +first line at second line$/);
  });
});
