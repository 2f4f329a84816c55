/** The seed's exit codes: every stage and entry maps its outcome onto these. */
export const ExitCode = {
  passed: 0,
  testsFailed: 1,
  infrastructure: 2,
  both: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error a person can act on: what failed (the message, naming the object) and what to do
 * next (the hint), with the exit code the whole run should end with.
 */
export class StreamstressError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** Several independent problems found at once (a config file, a list of specs). */
  readonly problems: readonly string[];

  constructor(
    message: string,
    options: {
      exitCode?: ExitCode;
      hint?: string;
      problems?: readonly string[];
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamstressError';
    this.exitCode = options.exitCode ?? ExitCode.infrastructure;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
  }

  /** The full text for a terminal or a job log: message, each problem, then the hint. */
  describe(): string {
    const lines = [this.message, ...this.problems.map((p) => `  - ${p}`)];
    if (this.hint) lines.push(this.hint);
    return lines.join('\n');
  }
}

/** Stages are added issue by issue; until one exists its entries say so instead of pretending. */
export function notBuiltYet(stage: string): StreamstressError {
  return new StreamstressError(
    `The ${stage} stage is not built yet in this version of streamstress.`,
    {
      hint: 'Use `streamstress run --dry-run` (or build-components with dry-run: true) to resolve and show a plan.',
    },
  );
}

export function describeError(error: unknown): string {
  if (error instanceof StreamstressError) return error.describe();
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof StreamstressError ? error.exitCode : ExitCode.infrastructure;
}

/** Two outcomes of one run as one exit code: tests failing (1) and a stage failing (2) give 3. */
export function combineExitCodes(a: ExitCode, b: ExitCode): ExitCode {
  const testsFailed = [a, b].some((c) => c === ExitCode.testsFailed || c === ExitCode.both);
  const infrastructure = [a, b].some((c) => c === ExitCode.infrastructure || c === ExitCode.both);
  if (testsFailed && infrastructure) return ExitCode.both;
  if (infrastructure) return ExitCode.infrastructure;
  return testsFailed ? ExitCode.testsFailed : ExitCode.passed;
}
