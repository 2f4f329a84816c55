import { ExitCode, StreamstressError } from './errors.js';

/** Inputs shared by the CLI and the actions, checked before anything touches a cluster. */
export function parseSeconds(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new StreamstressError(`${name} is "${text}"; it must be a number of seconds above 0.`, {
      exitCode: ExitCode.infrastructure,
    });
  }
  return value;
}

export const STRATEGIES = ['auto', 'csv', 'deployment'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export function parseStrategy(text: string): Strategy {
  if ((STRATEGIES as readonly string[]).includes(text)) return text as Strategy;
  throw new StreamstressError(`The strategy "${text}" is not one of ${STRATEGIES.join(', ')}.`, {
    exitCode: ExitCode.infrastructure,
    hint: 'auto patches the CSV and falls back to the Deployment; csv and deployment patch only that.',
  });
}

export function parsePositiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new StreamstressError(`${name} is "${text}"; it must be a whole number above 0.`, {
      exitCode: ExitCode.infrastructure,
    });
  }
  return value;
}
