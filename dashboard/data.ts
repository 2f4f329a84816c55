import type { Results } from '../src/results/model.js';
import type { ResourceProfile } from '../src/suite/profile.js';
import type { RunSummary, SiteIndex, TestHistory } from '../src/publish/site.js';

export type { Results, ResourceProfile, RunSummary, SiteIndex, TestHistory };
export type TestResult = Results['tests'][number];

async function loadJson<T>(path: string): Promise<T> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}

export const loadIndex = () => loadJson<SiteIndex>('data/index.json');
export const loadHistory = () => loadJson<TestHistory>('data/tests.json');

const runs = new Map<string, Promise<Results>>();
/** A run file, fetched once per page. */
export function loadRun(id: string): Promise<Results> {
  let run = runs.get(id);
  if (!run) {
    run = loadJson<Results>(`data/runs/${encodeURIComponent(id)}.json`);
    run.catch(() => runs.delete(id));
    runs.set(id, run);
  }
  return run;
}

export const runLabel = (run: { id: string; label?: string | undefined }) => run.label || run.id;
export const isFailing = (status: string) => status === 'failed' || status === 'errored';
