import { getExecOutput } from '@actions/exec';

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ProgramOptions {
  cwd?: string;
  /** Added to the current environment (not a replacement for it, unless `inheritEnv` is false). */
  env?: Record<string, string>;
  /** false: `env` is the program's whole environment. */
  inheritEnv?: boolean;
  /** Receives stdout and stderr as they arrive, for live logs. */
  onOutput?: (chunk: Buffer) => void;
}

/**
 * Runs a program with an argument array — never through a shell — and captures its output.
 * A non-zero exit is returned, not thrown: callers know which codes mean what.
 */
export type RunProgram = (
  file: string,
  args: readonly string[],
  options?: ProgramOptions,
) => Promise<ProgramResult>;

export const runProgram: RunProgram = async (file, args, options = {}) => {
  const env = {
    ...(options.inheritEnv === false ? {} : (process.env as Record<string, string>)),
    ...options.env,
  };
  const onOutput = options.onOutput;
  const result = await getExecOutput(file, [...args], {
    cwd: options.cwd,
    env,
    silent: true,
    ignoreReturnCode: true,
    ...(onOutput ? { listeners: { stdout: onOutput, stderr: onOutput } } : {}),
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
};

/** The first line a program prints for its version arguments, or undefined when it is absent. */
export async function programVersion(
  run: RunProgram,
  file: string,
  args: readonly string[],
): Promise<string | undefined> {
  try {
    const result = await run(file, args);
    return result.exitCode === 0
      ? (result.stdout || result.stderr).trim().split('\n')[0]
      : undefined;
  } catch {
    return undefined;
  }
}
