import * as core from '@actions/core';
import { ExitCode, StreamstressError, describeError, exitCodeOf } from '../errors.js';

/**
 * The frame of every action entry: run the body, and turn an error into a failed step whose
 * message says what to do, with the seed's exit code.
 */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    core.setFailed(describeError(error));
    process.exitCode = exitCodeOf(error);
  }
}

/** A boolean input, with an error that names the input (core's own says only "Core Schema"). */
export function booleanInput(name: string): boolean {
  const value = core.getInput(name).trim();
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (value === '' || /^(false|False|FALSE)$/.test(value)) return false;
  throw new StreamstressError(`Input ${name} is "${value}"; it must be true or false.`, {
    exitCode: ExitCode.infrastructure,
  });
}

/** An optional input: undefined when empty. */
export function optionalInput(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Job summaries are HTML: any text from users or upstream is escaped before it goes in. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
