import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { goModule } from '../../src/build/lookup.js';
import { DEFAULT_COMPONENTS_FILE, loadComponents } from '../../src/config/components.js';

/** A real git repository standing in for an upstream, served as a bare repo over file://. */
export interface Upstream {
  url: string;
  bare: string;
  /** Commit SHAs by label, e.g. `main-2`, `release`, `pr-123`. */
  commits: Record<string, string>;
  /** The object of the annotated tag itself (not its commit). */
  annotatedTagObject: string;
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Upstream',
      GIT_AUTHOR_EMAIL: 'up@example.test',
      GIT_COMMITTER_NAME: 'Upstream',
      GIT_COMMITTER_EMAIL: 'up@example.test',
      ...env,
    },
    encoding: 'utf8',
  }).trim();
}

function commitAt(work: string, message: string, date: string): string {
  writeFileSync(join(work, 'file.txt'), `${message}\n`);
  git(work, ['add', 'file.txt']);
  git(work, ['commit', '--quiet', '-m', message], {
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  return git(work, ['rev-parse', 'HEAD']);
}

/**
 * Builds an upstream with:
 * - `main` (default branch): commits on 2025-06-01, 2026-10-01, 10-15, 11-01 12:00, 11-20 (main-0..main-4)
 * - branch `release-v1` off main-1 with one commit (release)
 * - annotated tag `v0.62.0` on main-2, lightweight tag `light` on main-3
 * - `refs/pull/123/head` on a commit that is on no branch (pr-123)
 * - a branch and a tag both called `twin`, at different commits
 */
export function createUpstream(root: string, name: string): Upstream {
  const work = join(root, `${name}-work`);
  mkdirSync(work, { recursive: true });
  git(work, ['init', '--quiet', '--initial-branch=main']);
  const commits: Record<string, string> = {};
  commits['main-0'] = commitAt(work, `${name} zero`, '2025-06-01T10:00:00Z');
  commits['main-1'] = commitAt(work, `${name} one`, '2026-10-01T10:00:00Z');
  commits['main-2'] = commitAt(work, `${name} two`, '2026-10-15T10:00:00Z');
  git(work, ['tag', '--annotate', 'v0.62.0', '-m', 'release v0.62.0'], {
    GIT_COMMITTER_DATE: '2026-10-15T11:00:00Z',
  });
  commits['main-3'] = commitAt(work, `${name} three`, '2026-11-01T12:00:00Z');
  git(work, ['tag', 'light']);
  git(work, ['tag', 'twin', commits['main-1']]);
  commits['main-4'] = commitAt(work, `${name} four`, '2026-11-20T10:00:00Z');
  git(work, ['checkout', '--quiet', '-b', 'release-v1', commits['main-1']]);
  commits['release'] = commitAt(work, `${name} release fix`, '2026-10-05T10:00:00Z');
  git(work, ['branch', 'twin']);
  git(work, ['checkout', '--quiet', '--detach', commits['main-4']]);
  commits['pr-123'] = commitAt(work, `${name} pull request`, '2026-11-21T10:00:00Z');
  git(work, ['checkout', '--quiet', 'main']);
  const bare = join(root, `${name}.git`);
  git(root, ['clone', '--quiet', '--bare', work, bare]);
  git(bare, ['update-ref', 'refs/pull/123/head', commits['pr-123']]);
  const annotatedTagObject = git(bare, ['rev-parse', 'refs/tags/v0.62.0']);
  rmSync(work, { recursive: true, force: true });
  return { url: pathToFileURL(bare).href, bare, commits, annotatedTagObject };
}

/** A components file with two ko components whose repos are local upstreams. */
export function writeComponentsFile(
  dir: string,
  repos: { pipeline: string; triggers: string },
  name = 'components.toml',
): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `schema-version = 1

[components.pipeline]
repo = "${repos.pipeline}"
build = "ko"
installer-sets = { recycle = ["operator.tekton.dev/created-by=TektonPipeline,operator.tekton.dev/type=main"] }
images = [
  { import-path = "./cmd/controller", env = "IMAGE_PIPELINES_TEKTON_PIPELINES_CONTROLLER", container = "tekton-pipelines-controller" },
  { import-path = "./cmd/entrypoint", env = "IMAGE_PIPELINES_ARG__ENTRYPOINT_IMAGE", argument = "-entrypoint-image" },
]

[components.triggers]
repo = "${repos.triggers}"
build = "ko"
installer-sets = { recycle = ["operator.tekton.dev/created-by=TektonTrigger"] }
images = [{ import-path = "./cmd/controller", env = "IMAGE_TRIGGERS_TEKTON_TRIGGERS_CONTROLLER", container = "tekton-triggers-controller" }]
`,
  );
  return file;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `streamstress-${prefix}-`));
}

/** Two upstreams (pipeline, triggers) and a components file pointing at them. */
export interface UpstreamFixture {
  root: string;
  pipeline: Upstream;
  triggers: Upstream;
  config: string;
}

export function createUpstreamFixture(root: string): UpstreamFixture {
  const pipeline = createUpstream(root, 'pipeline');
  const triggers = createUpstream(root, 'triggers');
  const config = writeComponentsFile(root, { pipeline: pipeline.url, triggers: triggers.url });
  return { root, pipeline, triggers, config };
}

/**
 * An upstream Go module that real ko builds: `go.mod` with the module path and no requirements
 * (so `GOFLAGS=-mod=vendor` needs no vendor directory), and a main package per `cmd/<name>`.
 * Each command's `kodata/source` is a symbolic link to the top-level `SOURCE` file, as Tekton's
 * `kodata` links to files of the repository; ko follows it, so every image of the component
 * carries `SOURCE` at `/var/run/ko/source` (`$KO_DATA_PATH/source`), and a commit that changes
 * `SOURCE` changes every image. `SOURCE` is `<name> <label>` unless `files` gives it.
 * Committed on `main`, tagged `v0.62.0` (annotated), with `refs/pull/7/head` one commit ahead
 * (changing `SOURCE` and `file.txt`). `files` may name paths in subdirectories, e.g. a Go file
 * that does not compile: `{ 'cmd/controller/broken.go': 'package main\n\nvar _ = undefinedName\n' }`.
 */
export function createGoUpstream(
  root: string,
  name: string,
  module: string,
  commands: string[],
  files: Record<string, UpstreamFile> = {},
): Upstream {
  const work = join(root, `${name}-work`);
  mkdirSync(work, { recursive: true });
  git(work, ['init', '--quiet', '--initial-branch=main']);
  writeFileSync(join(work, 'go.mod'), `module ${module}\n\ngo 1.19\n`);
  writeFileSync(join(work, 'SOURCE'), `${name} main\n`);
  for (const command of commands) {
    mkdirSync(join(work, 'cmd', command, 'kodata'), { recursive: true });
    writeFileSync(
      join(work, 'cmd', command, 'main.go'),
      `package main

import (
	"fmt"
	"os"
)

// Prints what it is and the source it was built from (kodata/source, a link to SOURCE).
func main() {
	source, _ := os.ReadFile(os.Getenv("KO_DATA_PATH") + "/source")
	fmt.Printf("${name} ${command}: %s", source)
}
`,
    );
    const kodata = join(work, 'cmd', command, 'kodata');
    symlinkSync(relative(kodata, join(work, 'SOURCE')), join(kodata, 'source'));
  }
  writeFiles(work, files);
  const commits: Record<string, string> = {};
  git(work, ['add', '.']);
  git(work, ['commit', '--quiet', '-m', 'initial'], {
    GIT_AUTHOR_DATE: '2026-11-01T10:00:00Z',
    GIT_COMMITTER_DATE: '2026-11-01T10:00:00Z',
  });
  commits['main'] = git(work, ['rev-parse', 'HEAD']);
  git(work, ['tag', '--annotate', 'v0.62.0', '-m', 'release']);
  writeFileSync(join(work, 'SOURCE'), `${name} pull request 7\n`);
  git(work, ['add', 'SOURCE']);
  commits['pr'] = commitAt(work, `${name} pull request`, '2026-11-02T10:00:00Z');
  git(work, ['reset', '--quiet', '--hard', commits['main']]);
  const bare = join(root, `${name}.git`);
  git(root, ['clone', '--quiet', '--bare', work, bare]);
  git(bare, ['update-ref', 'refs/pull/7/head', commits['pr']]);
  const annotatedTagObject = git(bare, ['rev-parse', 'refs/tags/v0.62.0']);
  rmSync(work, { recursive: true, force: true });
  return { url: pathToFileURL(bare).href, bare, commits, annotatedTagObject };
}

/** A file's content, or a symbolic link to `link`. */
export type UpstreamFile = string | { link: string };

function writeFiles(work: string, files: Record<string, UpstreamFile>) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    if (typeof content === 'string') writeFileSync(join(work, file), content);
    else symlinkSync(content.link, join(work, file));
  }
}

/**
 * Adds one commit with `files` (path → content; null deletes) on top of `branch` of a bare
 * upstream, as a push would, and returns its SHA.
 */
export function pushFiles(
  upstream: Pick<Upstream, 'bare'>,
  files: Record<string, string | null>,
  message: string,
  branch = 'main',
): string {
  const work = mkdtempSync(join(tmpdir(), 'streamstress-push-'));
  try {
    git(work, ['clone', '--quiet', '--branch', branch, upstream.bare, '.']);
    for (const [file, content] of Object.entries(files)) {
      if (content === null) git(work, ['rm', '--quiet', file]);
      else writeFiles(work, { [file]: content });
    }
    git(work, ['add', '--all']);
    git(work, ['commit', '--quiet', '-m', message]);
    git(work, ['push', '--quiet', 'origin', branch]);
    return git(work, ['rev-parse', 'HEAD']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A repository holding `files` in one commit on `branch`, served as a bare repo over file://. */
export function createRepository(
  root: string,
  name: string,
  files: Record<string, string>,
  branch = 'master',
): { url: string; commit: string } {
  const work = join(root, `${name}-work`);
  mkdirSync(work, { recursive: true });
  git(work, ['init', '--quiet', `--initial-branch=${branch}`]);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(work, file, '..'), { recursive: true });
    writeFileSync(join(work, file), content);
  }
  git(work, ['add', '.']);
  git(work, ['commit', '--quiet', '-m', name]);
  const commit = git(work, ['rev-parse', 'HEAD']);
  const bare = join(root, `${name}.git`);
  git(root, ['clone', '--quiet', '--bare', work, bare]);
  rmSync(work, { recursive: true, force: true });
  return { url: pathToFileURL(bare).href, commit };
}

/**
 * Local upstreams for shipped components — a Go module with the component's module path and a
 * main package per import path (none for a Dockerfile build), plus `files`, as createGoUpstream
 * makes them — and a copy of the shipped components.toml pointing at them.
 */
export async function createShippedUpstreams(
  root: string,
  files: Record<string, Record<string, UpstreamFile>>,
): Promise<{ upstreams: Record<string, Upstream>; config: string }> {
  const shipped = await loadComponents();
  let text = readFileSync(DEFAULT_COMPONENTS_FILE, 'utf8');
  const upstreams: Record<string, Upstream> = {};
  for (const [name, extra] of Object.entries(files)) {
    const spec = shipped.components.find((c) => c.name === name);
    if (!spec) throw new Error(`${name} is not a shipped component`);
    const commands = spec.images.flatMap((i) =>
      i.importPath ? [i.importPath.replace(/^\.\/cmd\//, '')] : [],
    );
    const upstream = createGoUpstream(root, name, goModule(spec), commands, extra);
    text = text.replace(`repo = "${spec.repo}"`, `repo = "${upstream.url}"`);
    upstreams[name] = upstream;
  }
  const config = join(root, 'components.toml');
  writeFileSync(config, text);
  return { upstreams, config };
}
