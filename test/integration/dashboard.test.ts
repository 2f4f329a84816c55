import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishToFolder } from '../../src/publish/publish.js';
import { launchChromium } from '../helpers/browser.js';
import { ROOT } from '../helpers/cli.js';
import { writeResultsFile } from '../helpers/results.js';
import { serveFolder } from '../helpers/static-server.js';
import { tempDir } from '../helpers/upstreams.js';

const XSS = '<img src=x onerror=alert(1)>';
// Screenshots are kept for people to look at: test-output/screenshots.
const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

let browser: Browser;
let site: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  const root = tempDir('dashboard');
  const out = join(root, 'site');
  const runs: [string, number, Record<string, 'passed' | 'failed' | 'skipped'>][] = [
    ['101', 1, { build: 'passed', flaky: 'failed', broken: 'passed', [XSS]: 'passed' }],
    ['102', 2, { build: 'passed', flaky: 'passed', broken: 'failed', [XSS]: 'failed' }],
    [
      '103',
      3,
      { build: 'passed', flaky: 'failed', broken: 'failed', [XSS]: 'failed', new: 'failed' },
    ],
  ];
  for (const [id, day, outcomes] of runs)
    await publishToFolder({
      resultsFile: writeResultsFile(root, id, day, outcomes),
      retention: 500,
      dir: out,
      onProgress: () => undefined,
    });
  site = await serveFolder(out);
  browser = await launchChromium();

  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/** A page that fails the test on any console error, page error or dialog (an alert is XSS). */
async function open(hash = ''): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
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

describe('the dashboard in headless Chromium', () => {
  it(
    'shows the trend of three runs, their comparison and the run list',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open();
      await page.locator('section.compare h2').waitFor();
      expect(await page.locator('svg.trend rect').count()).toBe(3);
      expect(await page.locator('svg.trend rect.bad').count()).toBe(3);
      const compare = page.locator('section.compare');
      expect(await compare.locator('h2').textContent()).toBe('Compared: 102 → 103');
      expect(await compare.locator('h3').allTextContents()).toEqual([
        'new failures (2)',
        'fixed (0)',
        'still failing (2)',
      ]);
      expect(await page.locator('tbody tr').count()).toBe(3);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-overview.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it(
    'opens a run from the list, and a link to it restores the same view',
    { timeout: 30_000 },
    async () => {
      const { page, problems } = await open();
      await page.getByRole('link', { name: `nightly ${XSS} 103` }).click();
      await page.getByText('(flaky)').waitFor();
      expect(page.url()).toBe(`${site.url}#run=103`);
      const failures = await page.locator('details summary').allTextContents();
      expect(failures).toEqual([
        expect.stringMatching(/^Pipelines › flaky \[upstream-regression\] FPF \(flaky\)$/),
        expect.stringMatching(
          /^Pipelines › broken \[upstream-regression\] PFF \(broken since 102\)$/,
        ),
        expect.stringMatching(
          /^Pipelines › <img src=x onerror=alert\(1\)> \[upstream-regression\] PFF/,
        ),
        expect.stringMatching(/^Pipelines › new \[upstream-regression\] --F \(broken since 103\)$/),
      ]);
      await page.locator('details summary').first().click();
      expect(await page.locator('details pre').first().textContent()).toContain(
        'expected Succeeded',
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-run.png'), fullPage: true });

      const direct = await open('#run=103');
      await direct.page.getByText('(flaky)').waitFor();
      expect(await direct.page.locator('section h2').textContent()).toBe(`nightly ${XSS} 103`);
      expect(problems).toEqual([]);
      expect(direct.problems).toEqual([]);
      await page.close();
      await direct.page.close();
    },
  );

  it('compares the two runs named in the URL', { timeout: 30_000 }, async () => {
    const { page, problems } = await open('#a=101&b=103');
    await page.locator('section.compare h2').waitFor();
    expect(await page.locator('section.compare h3').allTextContents()).toEqual([
      'new failures (3)',
      'fixed (0)',
      'still failing (1)',
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows untrusted names as text and runs none of them', { timeout: 30_000 }, async () => {
    const { page, problems } = await open('#run=102');
    await page.locator('section h2').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain(XSS);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a phone screen', { timeout: 30_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(site.url);
    await page.locator('svg.trend rect').first().waitFor();
    // The page's own measure, read in the browser.
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(Number(width)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });
});
