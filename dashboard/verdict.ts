// What a test's history says about it. Pure, so it is unit-tested without a browser.

/** data/tests.json's letters: P passed, F failed, E errored, S skipped, - not in that run. */
export const STATUS_OF_LETTER: Record<string, string> = {
  P: 'passed',
  F: 'failed',
  E: 'errored',
  S: 'skipped',
  '-': 'absent',
};

export type Verdict =
  | { kind: 'flaky'; flips: number }
  | { kind: 'broken'; since: string }
  | { kind: 'passing' }
  | { kind: 'unknown' };

export const failingLetter = (letter: string | undefined) => letter === 'F' || letter === 'E';

/**
 * A flaky test failed, passed again, and failed again: two or more separate failing episodes
 * among the runs it ran in. A broken one has failed in every run it ran in since one run, named
 * by its id. A test that broke once and was fixed is passing.
 */
export function verdictOf(history: string, runIds: readonly string[]): Verdict {
  const outcomes = [...history]
    .map((letter, position) => ({ letter, position }))
    .filter(({ letter }) => letter === 'P' || failingLetter(letter));
  if (outcomes.length === 0) return { kind: 'unknown' };
  let flips = 0;
  let episodes = failingLetter(outcomes[0]!.letter) ? 1 : 0;
  for (let i = 1; i < outcomes.length; i++) {
    const now = failingLetter(outcomes[i]!.letter);
    if (now === failingLetter(outcomes[i - 1]!.letter)) continue;
    flips++;
    if (now) episodes++;
  }
  if (episodes >= 2) return { kind: 'flaky', flips };
  if (!failingLetter(outcomes[outcomes.length - 1]!.letter)) return { kind: 'passing' };
  let start = outcomes.length - 1;
  while (start > 0 && failingLetter(outcomes[start - 1]!.letter)) start--;
  return { kind: 'broken', since: runIds[outcomes[start]!.position] ?? '?' };
}

export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'flaky':
      return `flaky (${verdict.flips} flips)`;
    case 'broken':
      return `broken since ${verdict.since}`;
    default:
      return '';
  }
}

/**
 * The component area of a test, from its spec file: specs/<area>/… (release-tests keeps one
 * folder per component), the file's own name for a top-level spec, "other" when unknown.
 */
export function areaOf(test: { id: string; specFile?: string | undefined }): string {
  // A test id starts with its spec file (`specs/pipelines/run.spec::Scenario`) when one is known.
  const specFile = test.specFile ?? test.id.split('::')[0] ?? '';
  const match = /^specs\/([^/]+)\/|^specs\/([^/]+)\.spec$/.exec(specFile);
  return match?.[1] ?? match?.[2] ?? 'other';
}
