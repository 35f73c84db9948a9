/**
 * The reviewer UI in a real headless browser (Debian's chromium driven by playwright-core)
 * against a real `cohortlink serve`: a reviewer signs in with a token, opens the project, the
 * run's linkage report, a dataset's quality report, the privacy report and the audit trail.
 * The page must log no console error (a CSP violation is one), request nothing from any origin
 * but the service's, and draw the reports' charts (SVG boxes of non-zero size inside the
 * sandboxed frame). A screenshot goes to test-results/ui-report.png. Finally a report page
 * written by the CLI is opened from a file:// URL with every network request aborted.
 *
 * Without /usr/bin/chromium the test is skipped, with a message, outside CI; in CI (.ci/run
 * installs chromium) a missing browser is a failure.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { call, createOrganisations, uploadId } from './helpers.js';
import { type Encoded, encodeWorld } from './runs/fixture.js';
import { type ServeProcess, startServe, stopAllServes } from './serveProcess.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(PROJECT_ROOT, 'test-results', 'ui-report.png');
const haveBrowser = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!haveBrowser) {
  describe('reviewer UI in a real browser', () => {
    if (inCi)
      it(`finds ${CHROMIUM} (.ci/run installs Debian's chromium)`, () => {
        throw new Error(`${CHROMIUM} is missing: in CI the browser test must run`);
      });
    else
      it.skip(`skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI this is a failure`, () => {});
  });
} else {
  describe('reviewer UI in a real browser', () => {
    let encoded: Encoded;
    let dbPath: string;
    let serve: ServeProcess;
    let context: BrowserContext;
    let page: Page;
    let projectId: string;
    let runId: string;
    let reviewer: string;
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const failed: string[] = [];

    beforeAll(async () => {
      encoded = encodeWorld(2000, false);
      dbPath = join(tempDir('cohortlink-ui-'), 'service.db');
      const init = runCli(['admin', 'init', '--db', dbPath, '--name', 'Operator']);
      expect(init.status, init.stderr).toBe(0);
      const admin = init.stdout.trim();
      serve = await startServe(dbPath, {
        args: ['--rate-limit', '0'],
        env: { COHORTLINK_DISCLOSURE_SECRET: 'ui browser test disclosure secret' },
      });
      const { ids, tokens } = await createOrganisations(serve, admin, [
        ['Spine', 'provider'],
        ['Hospital', 'provider'],
        ['University', 'researcher'],
        ['Regulator', 'reviewer'],
      ]);
      reviewer = tokens.Regulator!;
      const p = await call(serve, 'POST', '/projects', {
        token: admin,
        json: { name: 'Trial 1', members: Object.values(ids) },
      });
      expect(p.status, p.text).toBe(201);
      projectId = p.body.id;
      const datasets: Record<string, string> = {};
      for (const [org, name] of [
        ['Spine', 'spine'],
        ['Hospital', 'hospital'],
      ] as const) {
        const up = await call(
          serve,
          'POST',
          `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`,
          {
            token: tokens[org],
            body: readFileSync(encoded.files[name]),
            headers: { 'content-type': 'application/x-ndjson' },
          },
        );
        expect(up.status, up.text).toBe(201);
        datasets[name] = up.body.id;
        const attrs = await call(serve, 'POST', `/projects/${projectId}/datasets/${up.body.id}/attributes`, {
          token: tokens[org],
          body: readFileSync(join(encoded.dir, `${name}.attributes.ndjson`)),
          headers: { 'content-type': 'application/x-ndjson' },
        });
        expect(attrs.status, attrs.text).toBeLessThan(300);
      }
      const run = await call(serve, 'POST', `/projects/${projectId}/runs`, {
        token: tokens.University,
        json: { datasets: [datasets.hospital, datasets.spine], mode: 'many-to-one' },
      });
      expect(run.status, run.text).toBe(202);
      runId = run.body.id;
      let state = run.body.state;
      for (let i = 0; i < 1200 && (state === 'queued' || state === 'running'); i++) {
        await sleep(100);
        state = (await call(serve, 'GET', `/runs/${runId}`, { token: reviewer })).body.state;
      }
      expect(state).toBe('succeeded');

      context = await chromium.launchPersistentContext(tempDir('cohortlink-chromium-'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      context.on('request', (r) => requests.push(r.url()));
      context.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await stopAllServes();
    });

    /** The report frame once its page has loaded, with every chart measured. */
    async function reportFrame(): Promise<Frame> {
      const handle = await page.waitForSelector('iframe.report');
      expect(await handle.getAttribute('sandbox')).toBe('');
      const frame = (await handle.contentFrame())!;
      await frame.waitForSelector('h1');
      return frame;
    }

    async function chartBoxes(frame: Frame): Promise<{ width: number; height: number }[]> {
      const boxes: { width: number; height: number }[] = [];
      for (const svg of await frame.$$('svg')) {
        await svg.scrollIntoViewIfNeeded();
        const box = await svg.boundingBox();
        if (box !== null) boxes.push({ width: box.width, height: box.height });
      }
      return boxes;
    }

    it('refuses a wrong token and signs the reviewer in with the keyboard', async () => {
      await page.goto(`${serve.base}/ui/`);
      await expect.poll(() => page.textContent('h1')).toBe('Sign in');
      const input = page.getByLabel('API token');
      await input.fill('clt_not-a-real-token-at-all');
      await input.press('Enter');
      await expect.poll(() => page.textContent('#sign-in-problem')).toContain('refused');
      // The browser logs the refused request itself; that one is expected, nothing else is.
      expect(consoleErrors).toEqual([expect.stringMatching(/status of 401/)]);
      consoleErrors.length = 0;
      await input.fill(reviewer);
      await input.press('Enter');
      await expect.poll(() => page.textContent('h1')).toBe('Projects');
      // The new page's heading takes focus, and the account bar names the role in words.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      expect(await page.textContent('#account')).toContain('(reviewer)');
    });

    it('opens the project: datasets, runs, the privacy report link and the audit trail', async () => {
      await page.getByRole('link', { name: 'Trial 1' }).click();
      await expect.poll(() => page.textContent('h1')).toBe('Trial 1');
      const datasets = page.locator(
        '#datasets-heading + table, section[aria-labelledby="datasets-heading"] table',
      );
      await expect.poll(() => datasets.first().textContent()).toContain('hospital');
      const runs = page.locator('section[aria-labelledby="runs-heading"] table');
      expect(await runs.textContent()).toContain('succeeded');
      expect(await runs.textContent()).toContain('hospital → spine');
      const audit = page.locator('section[aria-labelledby="audit-heading"] table');
      await expect.poll(() => audit.locator('tbody tr').count()).toBeGreaterThan(3);
      expect(await audit.textContent()).toContain('dataset.uploaded');
      expect(await audit.textContent()).toContain('run.succeeded');
      mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(PROJECT_ROOT, 'test-results', 'ui-project.png'), fullPage: true });
    });

    it('shows the run report in a sandboxed frame with its charts drawn, and takes a screenshot', async () => {
      await page.getByRole('link', { name: /Linkage-quality report of run/ }).click();
      await expect.poll(() => page.textContent('h1')).toMatch(/^Linkage-quality report, run/);
      const frame = await reportFrame();
      expect(await frame.textContent('h1')).toBe('Linkage quality report');
      // Dataset names, not ids, in the report.
      expect(await frame.textContent('body')).toContain('hospital');
      const boxes = await chartBoxes(frame);
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      for (const b of boxes) {
        expect(b.width).toBeGreaterThan(50);
        expect(b.height).toBeGreaterThan(20);
      }
      expect(await frame.$$eval('svg rect.bar', (r) => r.length)).toBeGreaterThan(5);
      // The report's own stylesheet applies inside the frame (the UI's policy admits it by hash).
      expect(await frame.$eval('rect.bar', (e) => getComputedStyle(e).fill)).toBe('rgb(0, 94, 184)');

      // The picture for people: the page's top with the report's score histogram in view.
      await frame.$eval('svg', (svg) => svg.scrollIntoView({ block: 'center' }));
      await page.evaluate(() => window.scrollTo(0, 0));
      mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      const png = readFileSync(SCREENSHOT);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

      // The download is the same self-contained page.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download this report (HTML)' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`linkage-report-${runId}.html`);
      const saved = join(tempDir('cohortlink-download-'), 'report.html');
      await download.saveAs(saved);
      const html = readFileSync(saved, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('<svg');
    });

    it("opens a dataset's quality report and the privacy report", async () => {
      await page.getByRole('link', { name: '← Back to the project' }).click();
      await page.getByRole('link', { name: 'Data-quality report of hospital' }).click();
      await expect.poll(() => page.textContent('h1')).toBe('Data-quality report');
      let frame = await reportFrame();
      expect(await frame.textContent('body')).toContain('hospital');
      let boxes = await chartBoxes(frame);
      expect(boxes.length).toBeGreaterThanOrEqual(1);
      for (const b of boxes) expect(b.width * b.height).toBeGreaterThan(1000);

      await page.getByRole('link', { name: '← Back to the project' }).click();
      await page.getByRole('link', { name: 'Privacy-risk report' }).click();
      // Built on first request, with a simulated attack on every dataset: seconds, not one.
      await expect.poll(() => page.textContent('h1'), { timeout: 60_000 }).toBe('Privacy-risk report');
      frame = await reportFrame();
      expect(await frame.textContent('body')).toContain('Trial 1');
      boxes = await chartBoxes(frame);
      expect(boxes.length).toBeGreaterThanOrEqual(1);
      for (const b of boxes) expect(b.width * b.height).toBeGreaterThan(1000);
    }, 120_000);

    it('shows the report reads on the audit trail', async () => {
      await page.getByRole('link', { name: '← Back to the project' }).click();
      const audit = page.locator('section[aria-labelledby="audit-heading"] table');
      await expect.poll(() => audit.textContent()).toContain('report.privacy.read');
      const text = (await audit.textContent()) ?? '';
      for (const action of ['report.run.read', 'report.dataset.read']) expect(text).toContain(action);
    });

    it('logged no console error and requested nothing outside the service', async () => {
      expect(consoleErrors).toEqual([]);
      expect(failed).toEqual([]);
      const origin = new URL(serve.base).origin;
      expect(requests.length).toBeGreaterThan(10);
      for (const url of requests) expect(new URL(url).origin, url).toBe(origin);
      // The token never travels in a URL.
      expect(requests.some((u) => u.includes(reviewer))).toBe(false);
    });

    it('opens a report page written by the CLI offline, from a file', async () => {
      const runDir = join(`${dbPath}.files`, 'runs', runId);
      const html = join(tempDir('cohortlink-offline-'), 'run-report.html');
      const r = runCli([
        'report',
        'run',
        '--summary',
        join(runDir, 'summary.json'),
        '--scores',
        join(runDir, 'links-floor.csv'),
        '--html',
        html,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const offline = await context.newPage();
      const errors: string[] = [];
      const seen: string[] = [];
      offline.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      offline.on('request', (req) => seen.push(req.url()));
      const fileUrl = pathToFileURL(html).href;
      // The network is gone: anything but the file itself is aborted.
      await offline.route('**/*', (route) =>
        route.request().url() === fileUrl ? route.continue() : route.abort('internetdisconnected'),
      );
      await offline.goto(fileUrl);
      expect(await offline.textContent('h1')).toBe('Linkage quality report');
      const boxes: number[] = [];
      for (const svg of await offline.$$('svg')) {
        await svg.scrollIntoViewIfNeeded();
        const box = await svg.boundingBox();
        boxes.push((box?.width ?? 0) * (box?.height ?? 0));
      }
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      for (const area of boxes) expect(area).toBeGreaterThan(1000);
      // Styled from its inline stylesheet: the bars take the report's colour, not black.
      const fill = await offline.$eval('rect.bar', (e) => getComputedStyle(e).fill);
      expect(fill).toBe('rgb(0, 94, 184)');
      expect(seen).toEqual([fileUrl]);
      expect(errors).toEqual([]);
      await offline.close();
    });
  });
}
