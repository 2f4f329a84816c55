import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { ExitCode, StreamstressError } from '../errors.js';
import { programVersion, runProgram, type RunProgram } from './exec.js';

/** A published release of a tool: its archive and how to verify it. */
export interface ToolRelease {
  name: 'ko' | 'gauge';
  version: string;
  url: string;
  /** The publisher's checksums file (`sha256sum` format) listing the archive. */
  checksumsUrl?: string;
  /** A sha256 given by the user, for publishers that publish no checksums file. */
  sha256?: string;
  /** The arguments that print the version, and a pattern the printed version must match. */
  versionArgs: string[];
}

const GITHUB = 'https://github.com';

/** ko's Linux x86-64 archive; ko publishes checksums.txt next to its archives. */
export function koRelease(version: string, mirror = GITHUB): ToolRelease {
  const base = `${mirror.replace(/\/+$/, '')}/ko-build/ko/releases/download/v${version}`;
  return {
    name: 'ko',
    version,
    url: `${base}/ko_${version}_Linux_x86_64.tar.gz`,
    checksumsUrl: `${base}/checksums.txt`,
    versionArgs: ['version'],
  };
}

/** Gauge's Linux x86-64 archive; Gauge publishes no checksums, so the sha256 is the user's. */
export function gaugeRelease(
  version: string,
  sha256: string | undefined,
  mirror = GITHUB,
): ToolRelease {
  return {
    name: 'gauge',
    version,
    url: `${mirror.replace(/\/+$/, '')}/getgauge/gauge/releases/download/v${version}/gauge-${version}-linux.x86_64.zip`,
    ...(sha256 ? { sha256: sha256.toLowerCase() } : {}),
    versionArgs: ['version'],
  };
}

export type ToolSource = 'path' | 'cache' | 'download';

/**
 * Makes `release` the tool on PATH: the runner's own when it prints the version asked for, else
 * the tool cache's, else a download verified by sha256 (against the publisher's checksums file
 * or the sha256 given) before it is unpacked and cached. A mismatch is refused, nothing kept.
 */
export async function ensureTool(
  release: ToolRelease,
  run: RunProgram = runProgram,
): Promise<ToolSource> {
  const present = await programVersion(run, release.name, release.versionArgs);
  if (present && versionMatches(present, release.version)) {
    core.info(`${release.name} ${release.version}: the runner's own (${present})`);
    return 'path';
  }
  const cached = tc.find(release.name, release.version);
  if (cached) {
    core.addPath(cached);
    core.info(`${release.name} ${release.version}: from the tool cache`);
    return 'cache';
  }
  const expected = release.sha256 ?? (await publishedChecksum(release));
  core.info(`${release.name} ${release.version}: downloading ${release.url}`);
  const archive = await tc.downloadTool(release.url);
  try {
    const actual = createHash('sha256')
      .update(await readFile(archive))
      .digest('hex');
    if (actual !== expected) {
      throw new StreamstressError(
        `${release.name} ${release.version}: the download's sha256 is ${actual}, not the ${release.sha256 ? 'given' : "publisher's"} ${expected}; refused.`,
        {
          exitCode: ExitCode.infrastructure,
          hint: 'The archive changed or was tampered with on the way: nothing was installed. Check the version and the checksum.',
        },
      );
    }
    const unpacked = release.url.endsWith('.zip')
      ? await tc.extractZip(archive)
      : await tc.extractTar(archive);
    core.addPath(await tc.cacheDir(unpacked, release.name, release.version));
    core.info(`${release.name} ${release.version}: verified (sha256 ${actual}) and cached`);
    return 'download';
  } finally {
    await rm(archive, { force: true });
  }
}

function versionMatches(printed: string, version: string): boolean {
  return new RegExp(`(^|[^0-9.])v?${version.replace(/\./g, '\\.')}($|[^0-9.])`).test(printed);
}

async function publishedChecksum(release: ToolRelease): Promise<string> {
  const file = release.url.slice(release.url.lastIndexOf('/') + 1);
  if (!release.checksumsUrl) {
    throw new StreamstressError(
      `${release.name} ${release.version} is not on PATH and its publisher gives no checksums: give its sha256 to download it.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: `Set ${release.name}-sha256 to the sha256 of ${file}.`,
      },
    );
  }
  const downloaded = await tc.downloadTool(release.checksumsUrl);
  const checksums = await readFile(downloaded, 'utf8').finally(() =>
    rm(downloaded, { force: true }),
  );
  const line = checksums
    .split('\n')
    .map((l) => l.trim().split(/\s+\*?/))
    .find(([, name]) => name === file);
  if (!line?.[0] || !/^[0-9a-f]{64}$/.test(line[0])) {
    throw new StreamstressError(
      `${release.checksumsUrl} lists no sha256 for ${file}: ${release.name} ${release.version} is not installed.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Check the version: the publisher may not build it for Linux x86-64.',
      },
    );
  }
  return line[0];
}

/**
 * Gauge's plugins (the Go runner, xml-report), installed with `gauge install` when `gauge
 * version` does not list them at the version asked for (or at all, without one).
 */
export async function ensureGaugePlugins(
  plugins: { name: string; version?: string }[],
  run: RunProgram = runProgram,
): Promise<string[]> {
  const listed = (await run('gauge', ['version'])).stdout;
  const installed: string[] = [];
  for (const plugin of plugins) {
    // Gauge lists every installed version of a plugin on a line of its own.
    const have = [...listed.matchAll(new RegExp(`^${plugin.name} \\(([^)]+)\\)$`, 'gm'))].map(
      (m) => m[1],
    );
    if (plugin.version ? have.includes(plugin.version) : have.length > 0) continue;
    const args = ['install', plugin.name, ...(plugin.version ? ['--version', plugin.version] : [])];
    const result = await run('gauge', args);
    if (result.exitCode !== 0)
      throw new StreamstressError(
        `gauge ${args.join(' ')} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').at(-1) ?? ''}`,
        { exitCode: ExitCode.infrastructure },
      );
    installed.push(`${plugin.name}${plugin.version ? ` ${plugin.version}` : ''}`);
  }
  return installed;
}
