import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goTools } from '../helpers/tools.js';
import { tempDir } from '../helpers/upstreams.js';

/** The rehearsal's release-tests: a Gauge project with Go steps, laid out like the real one. */
export const RELEASE_TESTS = fileURLToPath(new URL('release-tests', import.meta.url));
const FIXTURES = fileURLToPath(new URL('fixtures/fixtures.go', import.meta.url));

/** What a Gauge run leaves in the project, never part of it. */
const RUN_OUTPUT = new Set(['.gauge', 'logs', 'reports']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (RUN_OUTPUT.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The files of the rehearsal's release-tests, for `createRepository`: with `specs`, those specs
 * in place of its own; with `fixtures`, plus the steps of known outcome (Pass, Fail with,
 * Panic, Skip because, Sleep, Hang, Crash, Run pods) in `steps/fixtures/`.
 */
export function releaseTestsFiles(
  options: { specs?: Record<string, string>; fixtures?: boolean } = {},
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of filesUnder(RELEASE_TESTS)) {
    const name = relative(RELEASE_TESTS, file);
    if (options.specs && name.startsWith('specs/')) continue;
    files[name] = readFileSync(file, 'utf8');
  }
  if (options.fixtures) files['steps/fixtures/fixtures.go'] = readFileSync(FIXTURES, 'utf8');
  return { ...files, ...options.specs };
}

/**
 * Go's module cache for the steps, outside the checkout and kept between runs (the build cache
 * is the user's, as ko's): the Go runner builds the project (`go build ./...`, then `go test` of
 * its bootstrap) on every `gauge run`, about a minute on a cold cache and a second on a warm one.
 */
export function goEnvironment(): Record<string, string> {
  const cache = join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'streamstress',
    'release-tests-go',
  );
  return {
    GOMODCACHE: join(cache, 'mod'),
    GOFLAGS: '-modcacherw -buildvcs=false',
    GOTOOLCHAIN: 'local',
  };
}

/**
 * The environment that runs the real Gauge: PATH with the built gauge first, Go's caches, and a
 * GAUGE_HOME of its own (a run may write into it) holding the installed plugins.
 */
export async function gaugeEnvironment(
  path = process.env.PATH ?? '',
): Promise<Record<string, string>> {
  const tools = await goTools();
  const home = join(tempDir('gauge-home'), 'gauge');
  mkdirSync(home);
  cpSync(join(tools.gaugeHome, 'config'), join(home, 'config'), { recursive: true });
  symlinkSync(join(tools.gaugeHome, 'plugins'), join(home, 'plugins'));
  // Only gauge: the other tools of the cache (ko, crane) stay as `path` has them.
  const bin = join(home, 'bin');
  mkdirSync(bin);
  symlinkSync(join(tools.bin, 'gauge'), join(bin, 'gauge'));
  return { ...goEnvironment(), GOCACHE: tools.goCache, GAUGE_HOME: home, PATH: `${bin}:${path}` };
}
