import { describe, expect, it } from 'vitest';
import { Git, isTransientGitFailure, parseLsRemote } from '../../src/adapters/git.js';
import type { ProgramResult, RunProgram } from '../../src/adapters/exec.js';

describe('git ls-remote output', () => {
  it('reads refs, peeled tags and symbolic refs', () => {
    const out =
      'ref: refs/heads/main\tHEAD\naaaa\tHEAD\nbbbb\trefs/tags/v1\ncccc\trefs/tags/v1^{}\n';
    expect(parseLsRemote(out)).toEqual([
      { name: 'HEAD', symrefTarget: 'refs/heads/main' },
      { name: 'HEAD', object: 'aaaa' },
      { name: 'refs/tags/v1', object: 'bbbb' },
      { name: 'refs/tags/v1^{}', object: 'cccc' },
    ]);
  });
});

describe('transient failures', () => {
  it.each([
    "fatal: unable to access 'https://github.com/x/': Could not resolve host: github.com",
    'error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502',
    'fatal: the remote end hung up unexpectedly',
    'fatal: early EOF',
    "fatal: unable to access 'https://x/': The requested URL returned error: 429",
  ])('retries after %s', (stderr) => expect(isTransientGitFailure(stderr)).toBe(true));

  it.each([
    "fatal: '/tmp/nope.git' does not appear to be a git repository",
    "remote: Repository not found.\nfatal: repository 'https://github.com/x/y/' not found",
    "fatal: unable to access 'https://x/': The requested URL returned error: 403",
    'fatal: no commits selected for shallow requests\nfatal: the remote end hung up unexpectedly',
  ])('gives up at once on %s', (stderr) => expect(isTransientGitFailure(stderr)).toBe(false));

  // The network cannot be made to fail on demand here, so git's side is played by a function
  // that answers the way git does: exit 128 with its message, then success.
  function scripted(results: ProgramResult[]): { run: RunProgram; calls: string[][] } {
    const calls: string[][] = [];
    const run: RunProgram = async (_file, args) => {
      calls.push([...args]);
      return results.shift() ?? { exitCode: 0, stdout: '', stderr: '' };
    };
    return { run, calls };
  }

  it('retries a transient failure and then succeeds', async () => {
    const { run, calls } = scripted([
      { exitCode: 128, stdout: '', stderr: 'fatal: the remote end hung up unexpectedly' },
      { exitCode: 0, stdout: 'abc\trefs/heads/main\n', stderr: '' },
    ]);
    const refs = await new Git({ run, retryDelayMs: 1 }).lsRemote('https://x/y', [
      'refs/heads/main',
    ]);
    expect(refs).toEqual([{ name: 'refs/heads/main', object: 'abc' }]);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual(['ls-remote', '--', 'https://x/y', 'refs/heads/main']);
  });

  it('stops after the last attempt and says what failed', async () => {
    const failure = { exitCode: 128, stdout: '', stderr: 'fatal: early EOF' };
    const { run, calls } = scripted([failure, failure, failure, failure]);
    await expect(
      new Git({ run, retryDelayMs: 1 }).lsRemote('https://x/y', ['HEAD']),
    ).rejects.toThrow('git could not list the refs of https://x/y: fatal: early EOF');
    expect(calls).toHaveLength(3);
  });

  it('does not retry a failure that another try cannot fix', async () => {
    const { run, calls } = scripted([
      { exitCode: 128, stdout: '', stderr: 'fatal: repository not found' },
    ]);
    await expect(
      new Git({ run, retryDelayMs: 1 }).lsRemote('https://x/y', ['HEAD']),
    ).rejects.toThrow('repository not found');
    expect(calls).toHaveLength(1);
  });

  it('says how to get git when it is missing', async () => {
    const run: RunProgram = async () => {
      throw new Error('Unable to locate executable file: git');
    };
    await expect(new Git({ run }).lsRemote('https://x/y', ['HEAD'])).rejects.toMatchObject({
      hint: expect.stringContaining('Install git'),
    });
  });
});
