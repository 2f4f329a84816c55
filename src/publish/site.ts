import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ExitCode, StreamstressError } from '../errors.js';
import { ResultsSchema, SummarySchema, type Results } from '../results/model.js';
import { dashboardHtml } from './dashboard.js';

/** One run in data/index.json: enough for the trend and the run list without the run file. */
export const RunSummarySchema = z.object({
  id: z.string(),
  label: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  publishedAt: z.string(),
  trigger: ResultsSchema.shape.run.shape.trigger,
  summary: SummarySchema,
  categories: z.array(z.object({ id: z.string(), name: z.string(), count: z.number() })),
  components: z.array(z.object({ name: z.string(), ref: z.string(), commit: z.string() })),
  incomplete: z.boolean(),
  exitCode: z.number().int(),
  hasProfile: z.boolean(),
  pruned: z
    .boolean()
    .describe('True when retention removed the run file; the summary is all that is left.'),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const SiteIndexSchema = z.object({
  schemaVersion: z.literal(1),
  runs: z.array(RunSummarySchema).describe('Newest first.'),
});
export type SiteIndex = z.infer<typeof SiteIndexSchema>;

/** data/tests.json: each test's status in every run still kept in full, oldest first. */
export const TestHistorySchema = z.object({
  schemaVersion: z.literal(1),
  runs: z.array(z.string()).describe('Run ids, oldest first: the positions of every history.'),
  tests: z.array(
    z.object({
      id: z.string(),
      spec: z.string(),
      scenario: z.string(),
      history: z
        .string()
        .describe('One letter per run: P passed, F failed, E errored, S skipped, - absent.'),
    }),
  ),
});
export type TestHistory = z.infer<typeof TestHistorySchema>;

export const SITE = {
  html: 'index.html',
  index: join('data', 'index.json'),
  tests: join('data', 'tests.json'),
  runs: join('data', 'runs'),
} as const;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const STATUS_LETTERS = { passed: 'P', failed: 'F', errored: 'E', skipped: 'S' } as const;

/** The run as published: the label given wins over the one recorded. */
export function publishedRun(results: Results, label: string | undefined): Results {
  if (!RUN_ID.test(results.run.id)) {
    throw new StreamstressError(
      `The run id ${JSON.stringify(results.run.id)} cannot name a file on the site.`,
      {
        exitCode: ExitCode.infrastructure,
        hint: 'Run ids are letters, digits, ".", "_" and "-", up to 128 characters.',
      },
    );
  }
  return label === undefined ? results : { ...results, run: { ...results.run, label } };
}

export function summaryOf(results: Results, publishedAt: string): RunSummary {
  return {
    id: results.run.id,
    ...(results.run.label ? { label: results.run.label } : {}),
    ...(results.run.startedAt ? { startedAt: results.run.startedAt } : {}),
    ...(results.run.finishedAt ? { finishedAt: results.run.finishedAt } : {}),
    publishedAt,
    ...(results.run.trigger ? { trigger: results.run.trigger } : {}),
    summary: results.summary,
    categories: results.categories
      .filter((c) => c.count > 0)
      .map((c) => ({ id: c.id, name: c.name, count: c.count })),
    components: results.components.map((c) => ({ name: c.name, ref: c.ref, commit: c.commit })),
    incomplete: results.incomplete,
    exitCode: results.exitCode,
    hasProfile: results.profile !== undefined,
    pruned: false,
  };
}

/**
 * Adds a run to a site checked out in `dir` and regenerates everything derived from the run
 * files: the index (keeping the summaries of runs retention already removed), the per-test
 * history and the dashboard. Re-running it on a newer checkout re-applies the same change.
 */
export async function addRunToSite(
  dir: string,
  results: Results,
  options: { retention: number; now?: Date },
): Promise<SiteIndex> {
  const now = (options.now ?? new Date()).toISOString();
  await mkdir(join(dir, SITE.runs), { recursive: true });
  await writeJson(join(dir, SITE.runs, `${results.run.id}.json`), results);

  const previous = await readIndex(dir);
  const runs = await readRunFiles(dir);
  const byId = new Map(previous.runs.map((r) => [r.id, r]));
  // A run published again keeps its first publication time, so an unchanged run is no change.
  for (const run of runs)
    byId.set(run.run.id, summaryOf(run, byId.get(run.run.id)?.publishedAt ?? now));
  const ordered = [...byId.values()].sort(newestFirst);
  // Retention: the newest `retention` runs keep their file; older ones keep their summary.
  const kept = new Set(ordered.slice(0, options.retention).map((r) => r.id));
  for (const summary of ordered) {
    if (kept.has(summary.id) || summary.pruned) continue;
    await rm(join(dir, SITE.runs, `${summary.id}.json`), { force: true });
    summary.pruned = true;
  }
  const index: SiteIndex = { schemaVersion: 1, runs: ordered };
  await writeJson(join(dir, SITE.index), index);
  const position = new Map(ordered.map((r, i) => [r.id, i]));
  const keptOldestFirst = runs
    .filter((r) => kept.has(r.run.id))
    .sort((a, b) => (position.get(b.run.id) ?? 0) - (position.get(a.run.id) ?? 0));
  await writeJson(join(dir, SITE.tests), testHistory(keptOldestFirst));
  await writeFile(join(dir, SITE.html), dashboardHtml());
  // Pages would run the site through Jekyll, which hides files starting with "_".
  await writeFile(join(dir, '.nojekyll'), '');
  return index;
}

function newestFirst(a: RunSummary, b: RunSummary): number {
  const at = (r: RunSummary) => r.startedAt ?? r.publishedAt;
  return at(b).localeCompare(at(a)) || b.id.localeCompare(a.id);
}

export function testHistory(runsOldestFirst: Results[]): TestHistory {
  const tests = new Map<string, TestHistory['tests'][number]>();
  runsOldestFirst.forEach((run, position) => {
    for (const test of run.tests) {
      const entry = tests.get(test.id) ?? {
        id: test.id,
        spec: test.spec,
        scenario: test.scenario,
        history: '-'.repeat(position),
      };
      entry.history = entry.history.padEnd(position, '-') + STATUS_LETTERS[test.status];
      tests.set(test.id, entry);
    }
  });
  for (const entry of tests.values())
    entry.history = entry.history.padEnd(runsOldestFirst.length, '-');
  return {
    schemaVersion: 1,
    runs: runsOldestFirst.map((r) => r.run.id),
    tests: [...tests.values()],
  };
}

async function readIndex(dir: string): Promise<SiteIndex> {
  const text = await readFile(join(dir, SITE.index), 'utf8').catch(() => undefined);
  if (text === undefined) return { schemaVersion: 1, runs: [] };
  const parsed = SiteIndexSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new StreamstressError(`The site's ${SITE.index} is not one streamstress wrote.`, {
      exitCode: ExitCode.infrastructure,
      hint: 'Publish to a branch streamstress owns (gh-pages by default), not one with other content.',
    });
  }
  return parsed.data;
}

async function readRunFiles(dir: string): Promise<Results[]> {
  const names = (await readdir(join(dir, SITE.runs))).filter((n) => n.endsWith('.json'));
  const runs: Results[] = [];
  for (const name of names) {
    const parsed = ResultsSchema.safeParse(
      JSON.parse(await readFile(join(dir, SITE.runs, name), 'utf8')),
    );
    if (parsed.success) runs.push(parsed.data);
  }
  return runs;
}

async function writeJson(file: string, data: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(data)}\n`);
  await rename(temporary, file);
}

/**
 * The run a pull request's run is compared with: the newest run still kept in full that was
 * not made for a pull request (a nightly or a push to the base branch), other than `runId`.
 */
export async function baseRun(
  dir: string,
  index: SiteIndex,
  runId: string,
): Promise<Results | undefined> {
  const base = index.runs.find((r) => r.id !== runId && !r.pruned && r.trigger?.pr === undefined);
  if (!base) return undefined;
  const text = await readFile(join(dir, SITE.runs, `${base.id}.json`), 'utf8').catch(
    () => undefined,
  );
  const parsed = text === undefined ? undefined : ResultsSchema.safeParse(JSON.parse(text));
  return parsed?.success ? parsed.data : undefined;
}
