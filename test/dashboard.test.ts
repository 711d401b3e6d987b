// The dashboard in a real headless Chromium against the real server: camera started from the page,
// markers checked against GET /api/frames/latest by reading the overlay's pixels, the table, the time
// series, stop, API errors, and a server restart on the same port.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../src/app.js';
import { decode } from '../src/index.js';
import type { FrameResult } from '../src/pipeline/types.js';
import { chromiumInstalled, INSTALL_HINT, launchChromium } from './helpers/browser.mjs';
import { fixturePath } from './helpers/fixtures.js';
import { floodResults } from './helpers/flood.mjs';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const haveBrowser = chromiumInstalled();
const mustRun = process.env.CI === 'true';

if (!haveBrowser) {
  // Visible in the test output, not only as a skipped test's name.
  console.warn(`\n*** dashboard browser test ${mustRun ? 'FAILS (CI=true)' : 'SKIPPED'}: ${INSTALL_HINT} ***\n`);
}

describe.runIf(!haveBrowser && mustRun)('dashboard browser (CI=true)', () => {
  it('needs Chromium', () => {
    throw new Error(INSTALL_HINT);
  });
});

describe.skipIf(!haveBrowser)(`dashboard in headless Chromium${haveBrowser ? '' : ` — SKIPPED: ${INSTALL_HINT}`}`, () => {
  let dataDir = '';
  let app: FastifyInstance;
  let port = 0;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  async function startServer(): Promise<void> {
    app = await buildApp({ dataDir, cameraFps: 20, tcpPort: 0, watchDir: '' });
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as AddressInfo).port;
  }

  async function api<T>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  const debug = (): Promise<Record<string, any>> =>
    page.evaluate(() => {
      const h = (window as any).__ioncam;
      return { connection: h.connection, received: h.received, shownId: h.shownId, latestId: h.latestId, seriesRows: h.seriesRows, scale: h.scale };
    });

  const chartState = (): Promise<{ rows: number; range: [number, number] }> =>
    page.evaluate(() => ({ rows: (window as any).__ioncam.chartRows, range: (window as any).__ioncam.chartRange() }));

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; page state ${JSON.stringify(await debug())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function cameraState(): Promise<string> {
    return (await api<{ state: string }>('/api/camera/status')).body.state;
  }

  async function startRecordingFromPage(frames: number): Promise<void> {
    await page.fill('#record-frames', String(frames));
    await page.click('#btn-record');
  }

  /** Waits until the page displays the server's latest result, and returns that result. */
  async function settledLatest(): Promise<FrameResult> {
    let latest: FrameResult | undefined;
    await waitFor('the page to show /api/frames/latest', async () => {
      const res = await api<FrameResult>('/api/frames/latest');
      if (res.status !== 200) return false;
      latest = res.body;
      return (await debug()).shownId === latest.id;
    });
    return latest!;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'ioncam-dashboard-'));
    await startServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await waitFor('the WebSocket to open', async () => (await debug()).connection === 'open');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the page and its assets from the server itself', async () => {
    for (const path of ['/', '/app.js', '/style.css', '/vendor/uPlot.iife.min.js', '/vendor/uPlot.min.css']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status, path).toBe(200);
    }
    expect(await page.evaluate(() => typeof (window as any).uPlot)).toBe('function');
    // No request left the server: every resource the page loaded is same-origin.
    const origins = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).origin));
    expect(new Set(origins)).toEqual(new Set([`http://127.0.0.1:${port}`]));
  });

  it('shows an API error to the user', async () => {
    await startRecordingFromPage(0);
    await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#error-text')).toMatch(/400/);
    expect(await cameraState()).toBe('idle');
  });

  it('starts the camera from the page and draws ions, table and time series; stop stops it', async () => {
    await page.fill('#experiment-id', 'exp-dashboard');
    await page.click('#btn-experiment');
    await waitFor('the experiment id', async () => (await page.textContent('#camera-detail'))!.includes('exp-dashboard'));

    await startRecordingFromPage(100_000);
    await waitFor('recording state on the page', async () => (await page.getAttribute('#camera-state', 'data-state')) === 'recording');
    expect(await page.isHidden('#error')).toBe(true);
    await waitFor('results', async () => (await debug()).received >= 5);
    const rowsBefore = (await debug()).seriesRows;
    await waitFor('the time series to gain points', async () => (await debug()).seriesRows >= rowsBefore + 5);
    expect(await page.locator('#chart-x0 canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-ry canvas').count()).toBeGreaterThan(0);
    await waitFor('the charts to draw the new points', async () => (await chartState()).rows >= rowsBefore + 5);

    // Window selection and pause / resume.
    await page.selectOption('#window', '600');
    const range = (await chartState()).range;
    expect(range[1] - range[0]).toBeCloseTo(600, 6);
    await page.click('#btn-pause');
    expect(await page.textContent('#btn-pause')).toBe('Resume');
    const frozen = await chartState();
    const rowsAtPause = (await debug()).seriesRows;
    await waitFor('more points while paused', async () => (await debug()).seriesRows >= rowsAtPause + 5);
    expect(await chartState(), 'charts frozen while paused').toEqual(frozen);
    await page.click('#btn-pause');
    await waitFor('the charts to catch up after resume', async () => (await chartState()).rows >= rowsAtPause + 5);

    await page.click('#btn-stop');
    await waitFor('idle state on the page', async () => (await page.getAttribute('#camera-state', 'data-state')) === 'idle');
    expect(await cameraState()).toBe('idle');
    const latest = await settledLatest();
    const receivedAtStop = (await debug()).received;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await debug()).received, 'no results after stop').toBe(receivedAtStop);
    expect((await api<FrameResult>('/api/frames/latest')).body.id).toBe(latest.id);

    expect(latest.source).toBe('camera');
    expect(latest.experimentId).toBe('exp-dashboard');
    expect(latest.ionCount, 'the simulated camera should show ions').toBeGreaterThan(0);

    // The frame itself, 1:1: the frame canvas holds frame.png's pixels.
    const png = await (await fetch(`http://127.0.0.1:${port}/api/frames/${latest.id}/frame.png`)).arrayBuffer();
    const { data: grey, info } = await sharp(Buffer.from(png)).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([latest.width, latest.height]);
    const shown = await page.evaluate(() => {
      const c = document.getElementById('frame-canvas') as HTMLCanvasElement;
      const box = c.getBoundingClientRect();
      const rgba = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const red: number[] = [];
      for (let i = 0; i < rgba.length; i += 4) red.push(rgba[i]);
      return { width: c.width, height: c.height, cssWidth: box.width, cssHeight: box.height, red };
    });
    expect([shown.width, shown.height, shown.cssWidth, shown.cssHeight]).toEqual([latest.width, latest.height, latest.width, latest.height]);
    let maxDiff = 0;
    for (let i = 0; i < grey.length; i++) maxDiff = Math.max(maxDiff, Math.abs(grey[i] - shown.red[i]));
    expect(maxDiff).toBeLessThanOrEqual(2);

    // Markers: find each drawn ring in the overlay's pixels (a small Hough search for a circle of the
    // marker's radius within ±4 px of where the API says the ion is) — neighbours' markers may overlap.
    const expected = latest.ions.map((ion) => ({ x: ion.x0 + 0.5, y: ion.y0 + 0.5 }));
    const radius: number = await page.evaluate(() => (window as any).__ioncam.markers()[0]?.radius ?? 7);
    const measured = await page.evaluate(
      ({ pts, radius }) => {
        const ov = document.getElementById('overlay') as HTMLCanvasElement;
        const dpr = ov.width / ov.getBoundingClientRect().width;
        const ctx = ov.getContext('2d')!;
        const search = 4;
        const half = radius + search + 3;
        return pts.map((p) => {
          const x0 = Math.floor((p.x - half) * dpr);
          const y0 = Math.floor((p.y - half) * dpr);
          const size = Math.ceil(2 * half * dpr) + 1;
          const px = ctx.getImageData(x0, y0, size, size).data;
          const yellow: Array<[number, number]> = [];
          for (let j = 0; j < size; j++) {
            for (let i = 0; i < size; i++) {
              const k = (j * size + i) * 4;
              // The marker's yellow, not its dark outline.
              if (px[k + 3] > 128 && px[k] > 180 && px[k + 1] > 150 && px[k + 2] < 120) yellow.push([(x0 + i + 0.5) / dpr, (y0 + j + 0.5) / dpr]);
            }
          }
          let best = { x: NaN, y: NaN, score: -1 };
          for (let cy = p.y - search; cy <= p.y + search; cy += 0.25) {
            for (let cx = p.x - search; cx <= p.x + search; cx += 0.25) {
              let score = 0;
              for (const [x, y] of yellow) {
                const d = Math.hypot(x - cx, y - cy) - radius;
                score += Math.exp(-(d * d) / 1.28);
              }
              if (score > best.score) best = { x: cx, y: cy, score };
            }
          }
          const onRing = yellow.filter(([x, y]) => Math.abs(Math.hypot(x - best.x, y - best.y) - radius) < 1).length;
          return { x: best.x, y: best.y, onRing };
        });
      },
      { pts: expected, radius },
    );
    expected.forEach((p, i) => {
      expect(measured[i].onRing, `ring pixels of ion ${i + 1}'s marker`).toBeGreaterThan(20);
      expect(Math.abs(measured[i].x - p.x), `ion ${i + 1} x`).toBeLessThanOrEqual(2);
      expect(Math.abs(measured[i].y - p.y), `ion ${i + 1} y`).toBeLessThanOrEqual(2);
    });

    // The page's own account of its markers, in viewport px, for every ion.
    const markers: { ion: number; frameId: string; x: number; y: number }[] = await page.evaluate(() => (window as any).__ioncam.markers());
    const box = (await page.locator('#frame-canvas').boundingBox())!;
    expect(markers.length).toBe(latest.ionCount);
    markers.forEach((m, i) => {
      expect(m.frameId).toBe(latest.id);
      expect(Math.abs(m.x - (box.x + latest.ions[i].x0 + 0.5))).toBeLessThanOrEqual(2);
      expect(Math.abs(m.y - (box.y + latest.ions[i].y0 + 0.5))).toBeLessThanOrEqual(2);
    });

    // The table: one row per ion with the latest result's values.
    expect(await page.textContent('#ion-count')).toBe(String(latest.ionCount));
    const rows = await page.$$eval('#ions tbody tr[data-ion]', (trs) =>
      trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) => {
        const el = td as HTMLElement;
        return [el.dataset.key, { value: Number(el.dataset.value), error: Number(el.dataset.error), text: el.textContent }];
      }))),
    );
    expect(rows.length).toBe(latest.ionCount);
    latest.ions.forEach((ion, i) => {
      for (const key of ['x0', 'y0', 'sigmaX', 'rY'] as const) {
        expect(rows[i][key].value, `ion ${i + 1} ${key}`).toBe(ion[key]);
        expect(rows[i][key].error, `ion ${i + 1} ${key} error`).toBe(ion.errors[key]);
        expect(rows[i][key].text.startsWith(`${ion[key].toFixed(2)} ± `)).toBe(true);
      }
    });
    expect(await page.textContent('#frame-caption')).toContain(latest.id);
  }, 120_000);

  it('asks for every Nth result when it falls behind, and for all again when the stream pauses', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
    const flood = await floodResults(app, await decode(fixturePath('rand300x300_n3_s1109.png')), 1000);
    try {
      await waitFor('a subscription to every Nth result', async () => (await page.evaluate(() => (window as any).__ioncam.every)) > 1, 20_000);
    } finally {
      flood.stop();
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await cdp.detach();
    }
    await waitFor('every result again', async () => (await page.evaluate(() => (window as any).__ioncam.every)) === 1, 20_000);
  }, 120_000);

  it('shows the disconnect, reconnects after a server restart on the same port and shows new results', async () => {
    const before = await debug();
    await withTimeout(app.close(), 15_000, 'app.close()');
    await waitFor('the disconnected state', async () => (await debug()).connection !== 'open');
    expect(await page.textContent('#connection')).toMatch(/disconnected|connecting/);

    await startServer(); // same port
    await waitFor('the page to reconnect', async () => (await debug()).connection === 'open', 20_000);
    expect(await page.textContent('#connection')).toBe('live');

    await startRecordingFromPage(15);
    await waitFor('new results', async () => (await debug()).received > before.received);
    await waitFor('the recording to end', async () => (await cameraState()) === 'idle', 20_000);
    const latest = await settledLatest();
    expect(latest.id).not.toBe(before.shownId);
    expect(await page.textContent('#ion-count')).toBe(String(latest.ionCount));

    await page.selectOption('#window', '60'); // the last minute reads best in the screenshot
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
