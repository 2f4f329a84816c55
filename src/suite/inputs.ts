import { ExitCode, StreamstressError } from '../errors.js';

/**
 * Spec directories or files inside release-tests, separated by commas, spaces or newlines:
 * relative, without `..`, never something Gauge would read as a flag.
 */
export function parseSpecDirs(text: string): string[] {
  const dirs = text.split(/[,\s]+/).filter(Boolean);
  const bad = dirs.filter(
    (d) => d.startsWith('-') || d.startsWith('/') || d.split('/').includes('..'),
  );
  if (dirs.length === 0 || bad.length > 0) {
    throw new StreamstressError(
      dirs.length === 0
        ? 'No spec directory was given.'
        : `Spec directories must be relative paths inside release-tests: ${bad.map((d) => JSON.stringify(d)).join(', ')}.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'For example: specs, or specs/pipelines specs/triggers.',
      },
    );
  }
  return dirs;
}

/** Extra Gauge arguments, split on whitespace — they are passed as arguments, never to a shell. */
export function parseExtraArgs(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}
