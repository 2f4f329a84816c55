import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, StreamstressError } from '../errors.js';
import { runProgram, type RunProgram, type ProgramResult } from './exec.js';

/** One line of `git ls-remote`: a ref and the object it points at, or a symbolic ref's target. */
export interface RemoteRef {
  name: string;
  object?: string;
  symrefTarget?: string;
}

export interface GitOptions {
  run?: RunProgram;
  /** Attempts for a command that failed the way networks fail; 1 disables retries. */
  attempts?: number;
  /** Milliseconds before the first retry; doubled for each further one. */
  retryDelayMs?: number;
  /** Added to every git call's environment, e.g. credentials as GIT_CONFIG_* (never argv). */
  env?: Record<string, string>;
}

// Failures worth another try: the network or the server, not the request.
const TRANSIENT =
  /could not resolve host|connection (timed out|reset|refused)|operation timed out|early eof|rpc failed|remote end hung up unexpectedly|returned error: (408|429|5\d\d)|http (408|429|5\d\d)|gnutls_handshake|ssl_error|unexpected disconnect/i;

// Definite answers that git follows with "the remote end hung up", which looks transient.
const DEFINITE = /no commits selected for shallow requests|not our ref|couldn't find remote ref/i;

export function isTransientGitFailure(stderr: string): boolean {
  return TRANSIENT.test(stderr) && !DEFINITE.test(stderr);
}

/**
 * Every git call streamstress makes, in one place (actions/checkout's git-command-manager is
 * the model): argument arrays, no terminal prompts, retries on transient network errors, and
 * errors that say which command failed and why.
 */
export class Git {
  private readonly run: RunProgram;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly env: Record<string, string>;

  constructor(options: GitOptions = {}) {
    this.env = { ...options.env, ...QUIET };
    this.run = options.run ?? runProgram;
    this.attempts = options.attempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 2000;
  }

  /** `git ls-remote` for exactly the given ref names (peeled tags included by git). */
  async lsRemote(
    url: string,
    refs: readonly string[],
    options: { symref?: boolean } = {},
  ): Promise<RemoteRef[]> {
    const args = ['ls-remote', ...(options.symref ? ['--symref'] : []), '--', url, ...refs];
    const result = await this.network(args, { what: `list the refs of ${url}` });
    return parseLsRemote(result.stdout);
  }

  async initBare(dir: string, url: string): Promise<void> {
    refuseOptionLike(url);
    await this.checked(['init', '--quiet', '--bare', dir], `create the cache repository ${dir}`);
    await this.checked(['-C', dir, 'remote', 'add', 'origin', url], `set the origin of ${dir}`);
  }

  async remoteUrl(dir: string): Promise<string | undefined> {
    const result = await this.run('git', ['-C', dir, 'remote', 'get-url', 'origin'], {
      env: QUIET,
    });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  /** Fetches `refspec` from origin; `shallowSince` limits history to commits after that date. */
  async fetch(
    dir: string,
    refspec: string,
    options: { shallowSince?: string; unshallow?: boolean; depth?: number } = {},
  ): Promise<ProgramResult> {
    const args = ['-C', dir, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head'];
    if (options.shallowSince) args.push(`--shallow-since=${options.shallowSince}`);
    if (options.unshallow) args.push('--unshallow');
    if (options.depth !== undefined) args.push(`--depth=${options.depth}`);
    args.push('origin', refspec);
    return this.network(args, { what: `fetch ${refspec}`, allowFailure: true });
  }

  async isShallow(dir: string): Promise<boolean> {
    const result = await this.checked(
      ['-C', dir, 'rev-parse', '--is-shallow-repository'],
      `inspect ${dir}`,
    );
    return result.stdout.trim() === 'true';
  }

  /** The newest first-parent ancestor of `rev` committed before `before`, if any. */
  async lastCommitBefore(dir: string, rev: string, before: string): Promise<string | undefined> {
    const result = await this.run(
      'git',
      ['-C', dir, 'rev-list', '-1', '--first-parent', `--before=${before}`, rev, '--'],
      { env: QUIET },
    );
    if (result.exitCode !== 0) return undefined;
    return result.stdout.trim() || undefined;
  }

  async hasCommit(dir: string, commit: string): Promise<boolean> {
    const result = await this.run('git', ['-C', dir, 'cat-file', '-e', `${commit}^{commit}`], {
      env: QUIET,
    });
    return result.exitCode === 0;
  }

  /** Fetches one commit (or a ref) shallowly into `dir`; false when the server refused it. */
  async fetchShallow(dir: string, what: string, depth = 1): Promise<boolean> {
    const result = await this.fetch(dir, what, { depth });
    return result.exitCode === 0;
  }

  /** A detached working tree of `commit` at `path`, checked to be at that commit. */
  async addWorktree(dir: string, path: string, commit: string): Promise<void> {
    await this.checked(
      ['-C', dir, 'worktree', 'add', '--force', '--detach', path, commit],
      `check out ${commit} into ${path}`,
    );
    const head = (
      await this.checked(['-C', path, 'rev-parse', 'HEAD'], `read HEAD of ${path}`)
    ).stdout.trim();
    if (head !== commit)
      throw new StreamstressError(
        `The working tree ${path} is at ${head}, not at the planned ${commit}.`,
      );
  }

  async pruneWorktrees(dir: string): Promise<void> {
    await this.run('git', ['-C', dir, 'worktree', 'prune'], { env: QUIET });
  }

  /**
   * A working tree of `branch` of `url` with only its newest commit, so the cost does not grow
   * with history; false (and an empty repository with the branch unborn) when the branch does
   * not exist yet.
   */
  async checkoutBranchTip(url: string, dir: string, branch: string): Promise<boolean> {
    refuseOptionLike(url);
    await this.checked(['init', '--quiet', dir], `create ${dir}`);
    await this.checked(['-C', dir, 'remote', 'add', 'origin', url], `set the origin of ${dir}`);
    await this.checked(['-C', dir, 'checkout', '--quiet', '--orphan', branch], `start ${branch}`);
    return this.resetToRemoteTip(dir, branch);
  }

  /** Moves the working tree to the remote's newest `branch` commit; false when it has none. */
  async resetToRemoteTip(dir: string, branch: string): Promise<boolean> {
    const tracking = `refs/remotes/origin/${branch}`;
    const fetched = await this.network(
      [
        '-C',
        dir,
        'fetch',
        '--quiet',
        '--no-tags',
        '--depth=1',
        'origin',
        `+refs/heads/${branch}:${tracking}`,
      ],
      { what: `fetch ${branch}`, allowFailure: true },
    );
    if (fetched.exitCode !== 0) {
      if (/couldn't find remote ref/i.test(fetched.stderr)) return false;
      throw gitFailure([], `fetch ${branch}`, fetched);
    }
    await this.checked(['-C', dir, 'reset', '--quiet', '--hard', tracking], `check out ${branch}`);
    await this.checked(['-C', dir, 'clean', '--quiet', '-fdx'], `clean ${dir}`);
    return true;
  }

  /** Commits every change in the working tree; false when there was nothing to commit. */
  async commitAll(dir: string, message: string): Promise<boolean> {
    await this.checked(['-C', dir, 'add', '--all'], `stage the changes in ${dir}`);
    const status = await this.checked(['-C', dir, 'status', '--porcelain'], `inspect ${dir}`);
    if (!status.stdout.trim()) return false;
    await this.checked(
      [
        '-C',
        dir,
        '-c',
        'user.name=streamstress',
        '-c',
        'user.email=streamstress@users.noreply.github.com',
        'commit',
        '--quiet',
        '--no-verify',
        '-m',
        message,
      ],
      `commit in ${dir}`,
    );
    return true;
  }

  /**
   * Pushes HEAD to `branch` as a fast-forward only (never forced): 'rejected' when the branch
   * moved on since it was fetched, so the caller can re-apply its change onto the new tip.
   */
  async pushFastForward(dir: string, branch: string): Promise<'pushed' | 'rejected'> {
    const args = [
      '-C',
      dir,
      'push',
      '--quiet',
      '--porcelain',
      'origin',
      `HEAD:refs/heads/${branch}`,
    ];
    const result = await this.network(args, { what: `push ${branch}`, allowFailure: true });
    if (result.exitCode === 0) return 'pushed';
    // A remote that moved on, or another pusher holding the ref's lock at the same moment.
    if (
      /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|but expected|stale info/i.test(
        `${result.stdout}\n${result.stderr}`,
      )
    )
      return 'rejected';
    throw gitFailure(args, `push ${branch}`, result);
  }

  private async checked(args: string[], what: string): Promise<ProgramResult> {
    const result = await this.invoke(args);
    if (result.exitCode !== 0) throw gitFailure(args, what, result);
    return result;
  }

  private async network(
    args: string[],
    options: { what: string; allowFailure?: boolean },
  ): Promise<ProgramResult> {
    let result = await this.invoke(args);
    for (
      let attempt = 2;
      attempt <= this.attempts && result.exitCode !== 0 && isTransientGitFailure(result.stderr);
      attempt++
    ) {
      await sleep(this.retryDelayMs * 2 ** (attempt - 2));
      result = await this.invoke(args);
    }
    if (result.exitCode !== 0 && !options.allowFailure)
      throw gitFailure(args, options.what, result);
    return result;
  }

  private async invoke(args: string[]): Promise<ProgramResult> {
    try {
      return await this.run('git', args, { env: this.env });
    } catch (error) {
      throw new StreamstressError(`Could not run git: ${(error as Error).message}`, {
        hint: 'Install git (2.25 or newer) and make sure it is on PATH.',
        cause: error,
      });
    }
  }
}

/** A repository given by a user that git would read as an option is refused, not passed on. */
export function refuseOptionLike(url: string): void {
  if (url.startsWith('-'))
    throw new StreamstressError(
      `The repository "${url}" starts with "-", which git would read as an option.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Give a URL (https://…, file://…) or a path.',
      },
    );
}

// Never wait for a password on a terminal nobody is watching, and keep messages in English so
// they can be recognised.
const QUIET = { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', LC_ALL: 'C' };

function gitFailure(
  args: readonly string[],
  what: string,
  result: ProgramResult,
): StreamstressError {
  const detail =
    result.stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${result.exitCode}`;
  return new StreamstressError(`git could not ${what}: ${detail}`, {
    hint: `The command was: git ${args.join(' ')}`,
  });
}

export function parseLsRemote(stdout: string): RemoteRef[] {
  const refs: RemoteRef[] = [];
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const [left = '', name = ''] = line.split('\t');
    if (left.startsWith('ref: ')) refs.push({ name, symrefTarget: left.slice('ref: '.length) });
    else refs.push({ name, object: left });
  }
  return refs;
}
