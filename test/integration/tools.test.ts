import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programVersion, runProgram } from '../../src/adapters/exec.js';
import {
  ensureGaugePlugins,
  ensureTool,
  gaugeRelease,
  koRelease,
} from '../../src/adapters/tools.js';
import { StreamstressError } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';
import { serveFolder } from '../helpers/static-server.js';
import { tempDir } from '../helpers/upstreams.js';

let mirror: { url: string; stop(): Promise<void> };
let root: string;
const requests: string[] = [];

/** A mirror laid out as GitHub releases are: ko's archive with checksums.txt, Gauge's zip. */
function publish(dir: string): { gaugeSha256: string } {
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'ko'), '#!/bin/sh\necho 0.17.1\n');
  chmodSync(join(work, 'ko'), 0o755);
  const ko = join(dir, 'site', 'ko-build', 'ko', 'releases', 'download', 'v0.17.1');
  mkdirSync(ko, { recursive: true });
  const archive = 'ko_0.17.1_Linux_x86_64.tar.gz';
  execFileSync('tar', ['-czf', join(ko, archive), '-C', work, 'ko']);
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
  writeFileSync(
    join(ko, 'checksums.txt'),
    `${'0'.repeat(64)}  ko_0.17.1_Darwin_arm64.tar.gz\n${sha(join(ko, archive))}  ${archive}\n`,
  );
  // A second version whose published checksum does not match its archive.
  const bad = join(dir, 'site', 'ko-build', 'ko', 'releases', 'download', 'v0.17.2');
  mkdirSync(bad, { recursive: true });
  execFileSync('tar', ['-czf', join(bad, 'ko_0.17.2_Linux_x86_64.tar.gz'), '-C', work, 'ko']);
  writeFileSync(join(bad, 'checksums.txt'), `${'a'.repeat(64)}  ko_0.17.2_Linux_x86_64.tar.gz\n`);

  writeFileSync(join(work, 'gauge'), '#!/bin/sh\necho "Gauge version: 1.6.9"\n');
  chmodSync(join(work, 'gauge'), 0o755);
  const gauge = join(dir, 'site', 'getgauge', 'gauge', 'releases', 'download', 'v1.6.9');
  mkdirSync(gauge, { recursive: true });
  execFileSync('zip', [
    '-q',
    '-j',
    join(gauge, 'gauge-1.6.9-linux.x86_64.zip'),
    join(work, 'gauge'),
  ]);
  return { gaugeSha256: sha(join(gauge, 'gauge-1.6.9-linux.x86_64.zip')) };
}

let gaugeSha256: string;
beforeAll(async () => {
  root = tempDir('tools');
  ({ gaugeSha256 } = publish(root));
  mirror = await serveFolder(join(root, 'site'), (path) => requests.push(path));
  // The runner's tool cache and temporary directory, as @actions/tool-cache finds them.
  process.env.RUNNER_TOOL_CACHE = join(root, 'tool-cache');
  process.env.RUNNER_TEMP = join(root, 'temp');
  mkdirSync(process.env.RUNNER_TEMP, { recursive: true });
});
afterAll(() => mirror?.stop());

describe('installing ko and Gauge through the tool cache', () => {
  it('downloads ko, checks it against the publisher’s checksums, caches it, and reuses the cache', async () => {
    expect(await programVersion(runProgram, 'ko', ['version'])).toBeUndefined();
    expect(await ensureTool(koRelease('0.17.1', mirror.url))).toBe('download');
    expect(requests).toEqual([
      '/ko-build/ko/releases/download/v0.17.1/checksums.txt',
      '/ko-build/ko/releases/download/v0.17.1/ko_0.17.1_Linux_x86_64.tar.gz',
    ]);
    // On PATH now, and printing the version asked for: nothing more to do.
    expect(await programVersion(runProgram, 'ko', ['version'])).toBe('0.17.1');
    expect(await ensureTool(koRelease('0.17.1', mirror.url))).toBe('path');
    // A fresh step (PATH without it) is served from the tool cache, without a download.
    process.env.PATH = (process.env.PATH ?? '')
      .split(':')
      .filter((p) => !p.includes('tool-cache'))
      .join(':');
    requests.length = 0;
    expect(await ensureTool(koRelease('0.17.1', mirror.url))).toBe('cache');
    expect(requests).toEqual([]);
  });

  it('refuses an archive whose sha256 is not the published one, and keeps nothing', async () => {
    const error = await ensureTool(koRelease('0.17.2', mirror.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamstressError);
    expect((error as StreamstressError).message).toMatch(
      /^ko 0\.17\.2: the download's sha256 is [0-9a-f]{64}, not the publisher's a{64}; refused\.$/,
    );
    expect((error as StreamstressError).exitCode).toBe(2);
    expect(
      execFileSync('find', [process.env.RUNNER_TOOL_CACHE ?? '', '-path', '*0.17.2*'], {
        encoding: 'utf8',
      }),
    ).toBe('');
  });

  it('installs Gauge only with the sha256 its user gives, since Gauge publishes none', async () => {
    const unverifiable = await ensureTool(gaugeRelease('1.6.9', undefined, mirror.url)).catch(
      (e: unknown) => e,
    );
    expect((unverifiable as Error).message).toBe(
      'gauge 1.6.9 is not on PATH and its publisher gives no checksums: give its sha256 to download it.',
    );
    expect(await ensureTool(gaugeRelease('1.6.9', gaugeSha256.toUpperCase(), mirror.url))).toBe(
      'download',
    );
    expect(await programVersion(runProgram, 'gauge', ['version'])).toBe('Gauge version: 1.6.9');
  });

  it('installs the Gauge plugins that are missing or at another version, with gauge install', async () => {
    const home = tempDir('gauge-home');
    mkdirSync(join(home, 'plugins', 'go', '0.3.0'), { recursive: true });
    // The stand-in gauge first on PATH (@actions/exec finds programs on this process's PATH).
    process.env.PATH = `${join(ROOT, 'test', 'stand-ins')}:${process.env.PATH}`;
    const run: typeof runProgram = (file, args, options) =>
      runProgram(file, args, { ...options, env: { ...options?.env, GAUGE_HOME: home } });
    expect(
      await ensureGaugePlugins([{ name: 'go', version: '0.4.0' }, { name: 'xml-report' }], run),
    ).toEqual(['go 0.4.0', 'xml-report']);
    expect((await run('gauge', ['version'])).stdout).toContain('go (0.4.0)\nxml-report (0.5.1)');
    expect(
      await ensureGaugePlugins([{ name: 'go', version: '0.4.0' }, { name: 'xml-report' }], run),
    ).toEqual([]);
    await expect(ensureGaugePlugins([{ name: 'no-such-plugin' }], run)).rejects.toThrow(
      /^gauge install no-such-plugin exited 1: Reason: Invalid plugin/,
    );
  });
});
