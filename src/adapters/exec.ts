import { getExecOutput } from '@actions/exec';

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ProgramOptions {
  cwd?: string;
  /** Added to the current environment (not a replacement for it). */
  env?: Record<string, string>;
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
  const env = { ...(process.env as Record<string, string>), ...options.env };
  const result = await getExecOutput(file, [...args], {
    cwd: options.cwd,
    env,
    silent: true,
    ignoreReturnCode: true,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
};
