import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Git } from '../adapters/git.js';

/**
 * A calendar date `YYYY-MM-DD`, checked for existence (no 2026-02-30). `--as-of D` means
 * "the branch as it stood at the start of D, UTC": the last commit with a committer date
 * before D 00:00:00 UTC.
 */
export function parseAsOf(text: string): { date: string; instant: Date } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const instant = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : undefined;
  if (!match || !instant || instant.toISOString().slice(0, 10) !== text) {
    throw new StreamstressError(`--as-of "${text}" is not a date.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Give a calendar date as YYYY-MM-DD, e.g. --as-of 2026-11-01.',
    });
  }
  return { date: text, instant };
}

/** Where fetched history is kept between runs, so a second --as-of run fetches little or nothing. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'streamstress');
}

/** The cache repository of one upstream URL: one bare repository per URL, shared by later stages. */
export function cacheRepoPath(cacheDir: string, url: string): string {
  const readable = url
    .replace(/\.git$/, '')
    .split(/[/:]/)
    .filter(Boolean)
    .slice(-2)
    .join('-')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return join(cacheDir, 'git', `${readable}-${digest}.git`);
}

export async function ensureCacheRepo(git: Git, cacheDir: string, url: string): Promise<string> {
  const dir = cacheRepoPath(cacheDir, url);
  const exists = await stat(join(dir, 'HEAD')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(dir, { recursive: true });
    await git.initBare(dir, url);
  } else if ((await git.remoteUrl(dir)) !== url) {
    throw new StreamstressError(`The cache repository ${dir} does not belong to ${url}.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Remove that directory, or pass another --cache-dir.',
    });
  }
  return dir;
}

// Widening history windows, in days before the date: most branches have a commit within a week.
const WINDOWS_DAYS = [7, 60, 365, 3 * 365];

/**
 * The last first-parent commit of `branch` (a full `refs/heads/…` name) before the start of
 * `date`. History is fetched shallowly since a little before the date and widened step by step
 * until a commit is found or the whole history has been searched.
 */
export async function lastCommitAsOf(
  git: Git,
  options: {
    cacheDir: string;
    component: string;
    repo: string;
    branch: string;
    date: string;
    instant: Date;
  },
): Promise<string> {
  const dir = await ensureCacheRepo(git, options.cacheDir, options.repo);
  const local = `refs/streamstress/as-of/${options.branch.replace(/^refs\/heads\//, '')}`;
  const refspec = `+${options.branch}:${local}`;
  const before = gitDate(options.instant);
  for (const days of WINDOWS_DAYS) {
    const since = gitDate(new Date(options.instant.getTime() - days * 86_400_000));
    const fetched = await git.fetch(dir, refspec, { shallowSince: since });
    // A window with no commit at all is refused by the server ("no commits selected"): widen.
    if (fetched.exitCode !== 0) continue;
    const commit = await git.lastCommitBefore(dir, local, before);
    if (commit) return commit;
  }
  const full = await git.fetch(dir, refspec, { unshallow: await git.isShallow(dir) });
  if (full.exitCode !== 0) {
    throw new StreamstressError(
      `${options.component}: could not fetch ${options.branch} from ${options.repo}: ${full.stderr.trim()}`,
      {
        exitCode: ExitCode.infrastructure,
      },
    );
  }
  const commit = await git.lastCommitBefore(dir, local, before);
  if (commit) return commit;
  throw new StreamstressError(
    `${options.component}: ${options.branch} of ${options.repo} has no commit before ${options.date}.`,
    {
      exitCode: ExitCode.infrastructure,
      hint: 'Pick a later --as-of date.',
    },
  );
}

function gitDate(instant: Date): string {
  return `${instant.toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}
