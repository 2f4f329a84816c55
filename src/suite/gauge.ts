import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';

export const DEFAULT_TAGS = 'e2e';
/** A cold compile of release-tests' Go steps exceeded Gauge's 30 s default (DOMAIN.md §6). */
export const RUNNER_CONNECTION_TIMEOUT_MS = 300_000;

/**
 * The tag expression: the user's, or `e2e` without the scenarios the cluster's OpenShift
 * version skips (`skip-4.20`) and those still to do.
 */
export function tagExpression(
  userTags: string | undefined,
  ocpVersion: string | undefined,
): string {
  if (userTags !== undefined) return userTags;
  const minor = /^(\d+\.\d+)/.exec(ocpVersion ?? '')?.[1];
  return minor ? `${DEFAULT_TAGS} & !(skip-${minor} | to-do)` : DEFAULT_TAGS;
}

export function gaugeArguments(options: {
  tags: string;
  specDirs: string[];
  env?: string;
  parallelStreams?: number;
  extraArgs?: string[];
}): string[] {
  return [
    'run',
    '--log-level=debug',
    '--verbose',
    '--tags',
    options.tags,
    ...(options.env ? ['--env', options.env] : []),
    ...(options.parallelStreams && options.parallelStreams > 1
      ? ['--parallel', '-n', String(options.parallelStreams)]
      : []),
    ...(options.extraArgs ?? []),
    ...options.specDirs,
  ];
}

export function gaugeHome(): string {
  return process.env.GAUGE_HOME || join(homedir(), '.gauge');
}

/**
 * Raises `runner_connection_timeout` in `$GAUGE_HOME/config/gauge.properties` (Gauge reads it
 * only there) to at least {@link RUNNER_CONNECTION_TIMEOUT_MS}, keeping every other line as
 * the user wrote it. A higher value is left alone.
 */
export async function raiseRunnerConnectionTimeout(
  home: string,
): Promise<{ file: string; changed: boolean }> {
  const file = join(home, 'config', 'gauge.properties');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const setting = /^\s*runner_connection_timeout\s*[=:]\s*(\d*)\s*$/;
  const index = lines.findIndex((line) => setting.test(line));
  const current = index === -1 ? undefined : Number(setting.exec(lines[index] ?? '')?.[1]);
  if (current !== undefined && current >= RUNNER_CONNECTION_TIMEOUT_MS)
    return { file, changed: false };
  const line = `runner_connection_timeout = ${RUNNER_CONNECTION_TIMEOUT_MS}`;
  if (index === -1) lines.push(line);
  else lines[index] = line;
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${lines.join('\n')}\n`);
  await rename(temporary, file);
  return { file, changed: true };
}

export interface GaugeRun {
  exitCode: number | null;
  /** Why streamstress stopped Gauge before it finished, if it did. */
  stopped?: 'timeout' | 'cancelled';
  durationSeconds: number;
}

/**
 * Runs Gauge in its own process group, teeing stdout and stderr into their log files and,
 * line by line, to the callbacks as they arrive (nothing is held beyond one line). On timeout
 * or when `signal` aborts, the whole group gets SIGTERM, then SIGKILL after `graceMs`; the
 * logs keep everything written up to then.
 */
export async function runGauge(options: {
  cwd: string;
  args: string[];
  env: Record<string, string>;
  stdoutLog: string;
  stderrLog: string;
  timeoutMs: number;
  signal?: AbortSignal;
  graceMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}): Promise<GaugeRun> {
  await mkdir(dirname(options.stdoutLog), { recursive: true });
  const started = Date.now();
  const child = spawn('gauge', options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [createWriteStream(options.stdoutLog), createWriteStream(options.stderrLog)];
  tee(child.stdout, logs[0] as WriteStream, options.onStdoutLine);
  tee(child.stderr, logs[1] as WriteStream, options.onStderrLine);

  let stopped: GaugeRun['stopped'];
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: NonNullable<GaugeRun['stopped']>) => {
    if (stopped || child.exitCode !== null || child.pid === undefined) return;
    stopped = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid ?? 0, 'SIGKILL'), options.graceMs ?? 10_000);
  };
  const timeout = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = () => stop('cancelled');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);

  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new StreamstressError('gauge is not on PATH.', {
                exitCode: ExitCode.infrastructure,
                hint: 'Install Gauge with the go, xml-report and html-report plugins (https://gauge.org), or run `streamstress check`.',
              })
            : error,
        ),
      );
      child.once('close', (code) => resolve(code));
    });
    return {
      exitCode,
      ...(stopped ? { stopped } : {}),
      durationSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearTimeout(timeout);
    clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    // Runners Gauge started may outlive it; none may keep using the cluster after the stage.
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    await Promise.all(logs.map((log) => new Promise((resolve) => log.end(resolve))));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

// A line longer than this is passed on in pieces rather than held.
const MAX_LINE = 64 * 1024;

function tee(
  source: NodeJS.ReadableStream,
  log: WriteStream,
  onLine: ((line: string) => void) | undefined,
): void {
  source.pipe(log, { end: false });
  if (!onLine) return;
  let partial = '';
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
    if (partial.length > MAX_LINE) {
      onLine(partial);
      partial = '';
    }
  });
  source.on('end', () => {
    if (partial) onLine(partial);
  });
}
