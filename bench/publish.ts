// npm run bench (fourth part): a site with a history of 1,000 runs × 1,000 tests (the newest
// 500 kept in full, as the default retention does) in a local bare repository; one publish into
// it, timed, at 600 and at 1,000 runs of history; the sizes; and the dashboard's time to its
// first chart in headless Chromium.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Git } from '../src/adapters/git.js';
import { dashboardHtml } from '../src/publish/dashboard.js';
import { DEFAULT_RETENTION, publishToBranch } from '../src/publish/publish.js';
import { SITE, summaryOf, testHistory, type SiteIndex } from '../src/publish/site.js';
import type { Results } from '../src/results/model.js';
import { launchChromium } from '../test/helpers/browser.js';
import { resultsOf } from '../test/helpers/results.js';
import { serveFolder } from '../test/helpers/static-server.js';
import { tempDir } from '../test/helpers/upstreams.js';

const TESTS = 1_000;

// About 3 % of the tests fail, some of them only in some runs.
function run(index: number): Results {
  const outcomes = Object.fromEntries(
    Array.from({ length: TESTS }, (_, t) => {
      const failing = (t * 7 + index * (t % 13 === 0 ? 1 : 0)) % 31 === 0;
      return [`Scenario ${t}: create and verify pipelinerun-${t}`, failing ? 'failed' : 'passed'];
    }),
  ) as Record<string, 'passed' | 'failed'>;
  const day = new Date(Date.UTC(2024, 0, 1) + index * 86_400_000).toISOString();
  return resultsOf(`run-${String(index).padStart(4, '0')}`, day, outcomes);
}

/** A bare repository whose gh-pages holds a site of `count` runs, written in one commit. */
function history(count: number): { repo: string; site: string } {
  const root = tempDir('bench-publish');
  const site = join(root, 'site');
  mkdirSync(join(site, SITE.runs), { recursive: true });
  const runs = Array.from({ length: count }, (_, i) => run(i));
  const kept = runs.slice(-DEFAULT_RETENTION);
  for (const r of kept)
    writeFileSync(join(site, SITE.runs, `${r.run.id}.json`), `${JSON.stringify(r)}\n`);
  const index: SiteIndex = {
    schemaVersion: 1,
    runs: runs
      .map((r) => ({ ...summaryOf(r, r.run.startedAt ?? ''), pruned: !kept.includes(r) }))
      .reverse(),
  };
  writeFileSync(join(site, SITE.index), `${JSON.stringify(index)}\n`);
  writeFileSync(join(site, SITE.tests), `${JSON.stringify(testHistory(kept))}\n`);
  writeFileSync(join(site, SITE.html), dashboardHtml());
  const git = (...args: string[]) => execFileSync('git', args, { cwd: site, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=gh-pages');
  git('add', '.');
  git(
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@example.test',
    'commit',
    '--quiet',
    '-m',
    'history',
  );
  const repo = join(root, 'site.git');
  execFileSync('git', ['clone', '--quiet', '--bare', site, repo]);
  return { repo, site };
}

async function timedPublish(repo: string, index: number): Promise<number> {
  const file = join(tempDir('bench-run'), 'results.json');
  writeFileSync(file, JSON.stringify(run(index)));
  const started = Date.now();
  await publishToBranch({
    git: new Git(),
    resultsFile: file,
    retention: DEFAULT_RETENTION,
    repo,
    branch: 'gh-pages',
    onProgress: () => undefined,
  });
  return (Date.now() - started) / 1000;
}

const size = (file: string) => statSync(file).size / 1024;
for (const count of [600, 1_000]) {
  const { repo, site } = history(count);
  const seconds = await timedPublish(repo, count);
  const runFiles = readdirSync(join(site, SITE.runs));
  const perRun = size(join(site, SITE.runs, runFiles[0] ?? ''));
  console.log(
    `history of ${count} runs × ${TESTS} tests (${runFiles.length} kept in full): one publish ${seconds.toFixed(2)} s; run file ${perRun.toFixed(0)} KiB, data/index.json ${size(join(site, SITE.index)).toFixed(0)} KiB, data/tests.json ${size(join(site, SITE.tests)).toFixed(0)} KiB`,
  );
  if (count !== 1_000) continue;
  const server = await serveFolder(site);
  const browser = await launchChromium();

  const times: number[] = [];
  const completeTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.locator('svg.trend rect').first().waitFor();
    // Milliseconds from the start of the navigation to the first view drawn, by the page's clock.
    await page.waitForFunction("performance.getEntriesByName('streamstress:complete-view').length");
    const [first, complete] = (await page.evaluate(
      "['first-view', 'complete-view'].map((name) => performance.getEntriesByName('streamstress:' + name)[0].startTime)",
    )) as [number, number];
    times.push(first / 1000);
    completeTimes.push(complete / 1000);
    await page.close();
  }
  await browser.close();
  await server.stop();
  const spread = (values: number[]) => {
    values.sort((a, b) => a - b);
    return `median ${values[2]?.toFixed(2)} s (min ${values[0]?.toFixed(2)}, max ${values[4]?.toFixed(2)})`;
  };
  console.log(
    `dashboard over ${count} runs, 5 loads: first chart ${spread(times)}; with the comparison and histories ${spread(completeTimes)}`,
  );
}
