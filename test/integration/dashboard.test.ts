import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results, TestResult } from '../../src/results/model.js';
import type { ResourceProfile } from '../../src/suite/profile.js';
import { launchChromium } from '../helpers/browser.js';
import { ROOT, runBundle } from '../helpers/cli.js';
import { resultsOf } from '../helpers/results.js';
import { serveFolder } from '../helpers/static-server.js';
import { tempDir } from '../helpers/upstreams.js';

const XSS = '<img src=x onerror=alert(1)>';
// Screenshots are kept for people to look at: test-output/screenshots.
const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

const stats = (max: number) => ({ min: max / 4, max, avg: max / 2, p95: max * 0.9 });
const PROFILE: ResourceProfile = {
  schemaVersion: 1,
  intervalSeconds: 5,
  baseline: { cpuCores: 1, memoryBytes: 2 * 2 ** 30, pods: 40 },
  allocatable: { cpuCores: 8, memoryBytes: 32 * 2 ** 30, nodes: 3 },
  specs: [
    {
      spec: 'Pipelines',
      samples: 12,
      cpuCores: stats(3),
      memoryBytes: stats(6 * 2 ** 30),
      pods: stats(50),
    },
    {
      spec: 'Triggers',
      samples: 6,
      cpuCores: stats(2),
      memoryBytes: stats(4 * 2 ** 30),
      pods: stats(45),
    },
  ],
  recommendation: {
    parallelism: 2,
    limitingResource: 'cpu',
    reasoning: 'cpu: (8 − 1) × 80 % / 3 = 1.87',
  },
};

/**
 * Three nightly runs: a flaky test, one broken since the second run, a test named like markup,
 * a new failure, and a triggers test failing in another category in the third run, which also
 * has a resource profile.
 */
function run(id: string, day: number, outcomes: Record<string, TestResult['status']>): Results {
  const results = resultsOf(id, `2026-11-0${day}T02:00:00Z`, outcomes);
  results.tests = results.tests.map((test, i) => {
    const timed = { ...test, durationSeconds: (i + 1) * 10 };
    if (test.scenario !== 'event') return timed;
    return {
      ...timed,
      id: 'specs/triggers/event.spec::event',
      spec: 'Triggers',
      specFile: 'specs/triggers/event.spec',
      ...(test.status === 'failed'
        ? { category: 'platform-issue', message: 'node not ready' }
        : {}),
    };
  });
  const inCategory = (id: string) => results.tests.filter((t) => t.category === id).length;
  results.categories = [
    {
      id: 'upstream-regression',
      name: 'Upstream regression',
      description: 'An upstream change broke it.',
      count: inCategory('upstream-regression'),
    },
    {
      id: 'platform-issue',
      name: 'Platform issue',
      description: 'The cluster, not the product.',
      count: inCategory('platform-issue'),
    },
  ];
  return results;
}

const RUNS: Results[] = [
  run('101', 1, {
    build: 'passed',
    flaky: 'failed',
    broken: 'passed',
    [XSS]: 'passed',
    event: 'passed',
  }),
  run('102', 2, {
    build: 'passed',
    flaky: 'passed',
    broken: 'failed',
    [XSS]: 'failed',
    event: 'passed',
  }),
  {
    ...run('103', 3, {
      build: 'passed',
      flaky: 'failed',
      broken: 'failed',
      [XSS]: 'failed',
      new: 'failed',
      event: 'failed',
    }),
    profile: PROFILE,
  },
];
// A trigger link from the data must not become a javascript: link.
RUNS[1]!.run.trigger = { event: 'schedule', url: 'javascript:alert(1)' };
// Run 103's deployment recorded what the operator ships for pipeline.
RUNS[2]!.components[0]!.payload = 'v1.6.6';

let browser: Browser;
let site: { url: string; stop(): Promise<void> };

// The "done when": the CLI bundle publishes three results files into a local bare
// repository, and the dashboard of the gh-pages branch shows them in Chromium.
beforeAll(async () => {
  const root = tempDir('dashboard');
  const repo = join(root, 'site.git');
  execFileSync('git', ['init', '--quiet', '--bare', repo]);
  for (const results of RUNS) {
    const file = join(root, `${results.run.id}.json`);
    writeFileSync(file, JSON.stringify(results));
    const published = await runBundle('cli', ['publish', '--results', file, '--repo', repo], {
      HOME: root,
    });
    expect(published.stderr).not.toContain('error');
    expect(published.code).toBe(0);
  }
  const out = join(root, 'site');
  execFileSync('git', ['clone', '--quiet', '--branch', 'gh-pages', repo, out]);
  site = await serveFolder(out);
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/** A page that records any console error, page error or dialog (an alert is XSS). */
async function open(
  hash = '',
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${site.url}${hash}`);
  return { page, problems };
}

const rowsOf = (page: Page) =>
  page.locator('table.tests tbody tr td:nth-child(3)').allTextContents();

describe('the dashboard in headless Chromium', () => {
  it(
    'draws the trend with failures stacked by category, the comparison and the runs',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open();
      await page.locator('section.compare .compare-title').waitFor();
      expect(await page.locator('svg.trend rect.run').count()).toBe(3);
      // Run 103 fails in two categories: two stacked segments in its column, a legend for each.
      expect(
        await page.locator('svg.trend g[data-category="upstream-regression"] rect').count(),
      ).toBe(3);
      expect(await page.locator('svg.trend g[data-category="platform-issue"] rect').count()).toBe(
        1,
      );
      expect(await page.locator('.legend li').allTextContents()).toEqual([
        'pass rate',
        'Upstream regression',
        'Platform issue',
      ]);
      expect(await page.locator('svg.trend circle.rate').count()).toBe(3);

      await page.locator('svg.trend rect.run').nth(2).hover();
      const tooltip = page.locator('.tooltip');
      await tooltip.waitFor();
      expect(await tooltip.textContent()).toContain(`nightly ${XSS} 103`);
      expect(await tooltip.textContent()).toContain('16.7 % passed: 1 of 6');
      expect(await tooltip.textContent()).toContain('Platform issue: 1');

      const compare = page.locator('section.compare');
      expect(await compare.locator('.compare-title').textContent()).toBe(
        `nightly ${XSS} 102 → nightly ${XSS} 103`,
      );
      expect(await compare.locator('h3').allTextContents()).toEqual([
        'new failures (3)',
        'fixed (0)',
        'still failing (2)',
      ]);
      expect(await compare.locator('.regression h3').textContent()).toBe('new failures (3)');
      expect(await page.locator('section.runs tbody tr').count()).toBe(3);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-overview.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it(
    'opens a run from the trend with the keyboard, and the link restores it',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open();
      await page.locator('svg.trend rect.run').first().focus();
      expect(await page.locator('.tooltip').textContent()).toContain('101');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      expect(await page.locator('.tooltip').textContent()).toContain('103');
      await page.keyboard.press('Enter');
      await page.locator('section.run h2').waitFor();
      expect(page.url()).toBe(`${site.url}#run=103`);
      expect(await page.locator('section.run h2').textContent()).toBe(`nightly ${XSS} 103`);

      const direct = await open('#run=103');
      await direct.page.locator('section.run h2').waitFor();
      expect(await direct.page.locator('section.run h2').textContent()).toBe(`nightly ${XSS} 103`);
      expect([...problems, ...direct.problems]).toEqual([]);
      await page.close();
      await direct.page.close();
    },
  );

  it(
    'shows a run: totals, components, failures by category with history verdicts, the profile',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open('#run=103');
      await page.getByText('flaky (2 flips)').first().waitFor();
      expect(await page.locator('.total.failed strong').textContent()).toBe('5');
      const commit = page.locator('table.components a', { hasText: 'aaaaaaaaaaaa' });
      expect(await commit.getAttribute('href')).toBe(
        `https://github.com/tektoncd/pipeline/commit/${'a'.repeat(40)}`,
      );
      // Next to the built commit: the version whose manifests, RBAC and CRDs it ran with.
      expect(await page.locator('table.components thead th').allTextContents()).toEqual([
        'component',
        'ref',
        'commit',
        'operator ships',
        'images',
      ]);
      expect(await commit.locator('xpath=ancestor::tr').locator('td.payload').textContent()).toBe(
        'v1.6.6',
      );
      expect(await page.locator('.failures h4').allTextContents()).toEqual([
        'Upstream regression (4)',
        'Platform issue (1)',
      ]);
      const failure = (name: string) =>
        page.locator('.failures details', { hasText: `Pipelines › ${name}` });
      expect(await failure('flaky').locator('.verdict').textContent()).toBe('flaky (2 flips)');
      expect(await failure('broken').locator('.verdict').textContent()).toBe('broken since 102');
      expect(await failure('new').locator('.verdict').textContent()).toBe('broken since 103');
      await failure('flaky').locator('summary').click();
      expect(await failure('flaky').locator('pre').textContent()).toContain('expected Succeeded');

      const profile = page.locator('section.profile-section');
      expect(await profile.locator('p').first().textContent()).toBe(
        'Recommended parallel streams: 2 (limited by cpu)',
      );
      expect(await profile.locator('svg g.spec.failing text').allTextContents()).toEqual([
        '✗ Pipelines',
        '✗ Triggers',
      ]);
      expect(await profile.locator('svg rect.peak').count()).toBe(4);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-run.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it(
    'sorts every test by any column, and the URL keeps the order',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open('#run=103');
      await page.locator('table.tests').waitFor();
      // Failures first by default.
      expect((await rowsOf(page)).at(-1)).toBe('build');
      await page.getByRole('button', { name: 'duration' }).click();
      expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
      expect(await rowsOf(page)).toEqual(['event', 'new', XSS, 'broken', 'flaky', 'build']);
      expect(page.url()).toContain('sort=-duration');
      // The heading keeps the focus, so Enter sorts the other way.
      await page.keyboard.press('Enter');
      expect((await rowsOf(page))[0]).toBe('build');

      const again = await open(new URL(page.url()).hash);
      await again.page.locator('table.tests').waitFor();
      expect((await rowsOf(again.page))[0]).toBe('build');
      expect([...problems, ...again.problems]).toEqual([]);
      await page.close();
      await again.page.close();
    },
  );

  it(
    'filters by component, category, status and text, and a link restores the filters',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open('#run=103');
      await page.locator('table.tests').waitFor();
      await page.getByLabel('components').selectOption('triggers');
      expect(await rowsOf(page)).toEqual(['event']);
      await page.getByLabel('components').selectOption('');
      await page.getByLabel('categories').selectOption('upstream-regression');
      expect(await page.locator('.failures h4').allTextContents()).toEqual([
        'Upstream regression (4)',
      ]);
      await page.getByLabel('categories').selectOption('');
      await page.getByLabel('statuses').selectOption('passed');
      expect(await rowsOf(page)).toEqual(['build']);
      await page.getByLabel('statuses').selectOption('failed');
      await page.getByLabel('search tests').fill('brok');
      expect(await rowsOf(page)).toEqual(['broken']);
      // Typing kept the focus in the search box.
      expect(await page.evaluate('document.activeElement.name')).toBe('q');
      expect(page.url()).toContain('status=failed');
      expect(page.url()).toContain('q=brok');

      const again = await open(new URL(page.url()).hash);
      await again.page.locator('table.tests').waitFor();
      expect(await rowsOf(again.page)).toEqual(['broken']);
      expect(await again.page.getByLabel('statuses').inputValue()).toBe('failed');
      expect(await again.page.getByLabel('search tests').inputValue()).toBe('brok');
      expect([...problems, ...again.problems]).toEqual([]);
      await page.close();
      await again.page.close();
    },
  );

  it(
    'compares any two runs, chosen in the page or named in the URL',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open('#a=101&b=103');
      await page.locator('section.compare .compare-title').waitFor();
      expect(await page.locator('section.compare h3').allTextContents()).toEqual([
        'new failures (4)',
        'fixed (0)',
        'still failing (1)',
      ]);
      await page.getByLabel('before').selectOption('102');
      await page.waitForURL(/a=102/);
      expect(await page.locator('section.compare h3').allTextContents()).toEqual([
        'new failures (3)',
        'fixed (0)',
        'still failing (2)',
      ]);
      await page.getByLabel('after').selectOption('101');
      await page.waitForURL(/b=101/);
      expect(await page.locator('section.compare h3').allTextContents()).toEqual([
        'new failures (1)',
        'fixed (2)',
        'still failing (0)',
      ]);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it(
    'shows untrusted names and links as text and runs none of them',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open('#run=102');
      await page.locator('section.run h2').waitFor();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('main').textContent()).toContain(XSS);
      expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
      expect(await page.locator('.facts dd', { hasText: 'schedule' }).count()).toBe(1);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('fits a phone screen', { timeout: 30_000 }, async () => {
    for (const [hash, name] of [
      ['', 'dashboard-phone.png'],
      ['#run=103', 'dashboard-phone-run.png'],
    ] as const) {
      const { page, problems } = await open(hash, { width: 390, height: 844 });
      await page
        .locator(hash ? 'table.tests' : 'svg.trend rect.run')
        .first()
        .waitFor();
      // The page's own measure, read in the browser.
      expect(
        Number(await page.evaluate('document.documentElement.scrollWidth')),
      ).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  });
});
