import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { type Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium } from './chromium.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { tempDir, testNeeding } from '../helpers.js';

const POINTS = 1_000_000;
const SPIKE_AT = 612_345;

/** A run whose loss has a million points and one single-step spike (value 100) among values below 1. */
async function millionPointRun(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ status: 'completed' }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'million' }));
  const out = createWriteStream(join(dir, 'metrics.jsonl'));
  let chunk = '';
  for (let step = 0; step < POINTS; step++) {
    const loss = step === SPIKE_AT ? 100 : 0.5 + 0.4 * Math.sin(step / 5000);
    chunk += `{"type":"train","step":${step},"loss":${loss}}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

testNeeding(
  ['chromium'],
  'a million-point series: the chart keeps its one-step spike; times printed (server read, reduce and draw, and drawing every point)',
  async () => {
    const root = tempDir('np-e2e-render-');
    await millionPointRun(join(root, 'million'));
    const dashboard = await startDashboard({ dirs: [root], port: 0 });
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const chart = 'figure.chart[data-key="type=train loss"]';
      // From navigation to the chart drawn: the page, the run list (one run: selected at once), its series and the
      // reduced points, and uPlot's drawing.
      const dataMs: number[] = [];
      const open = async () => {
        const started = Date.now();
        await page.goto(dashboard.url);
        await page.waitForSelector(`${chart}[data-points]`, { timeout: 120_000 });
        const total = Date.now() - started;
        // The reduced series' request alone (the server's min/max over the million points, and the transfer).
        dataMs.push(
          await page.evaluate(() =>
            Math.round(
              performance
                .getEntriesByType('resource')
                .filter((e) => e.name.includes('/data?'))
                .reduce((a, e) => a + e.duration, 0),
            ),
          ),
        );
        return total;
      };
      const coldMs = await open(); // the server reads and parses the file first
      const warmMs: number[] = [];
      for (let i = 0; i < 3; i++) warmMs.push(await open());
      // Honest reduction: the reduced data the page drew holds the spike (min/max per pixel keeps it).
      const ids = JSON.parse(await (await fetch(new URL('/api/runs', dashboard.url))).text()).runs.map(
        (r: { id: string }) => r.id,
      );
      const data = await (
        await fetch(
          new URL(
            `/api/runs/${ids[0]}/data?key=${encodeURIComponent('type=train loss')}&buckets=560`,
            dashboard.url,
          ),
        )
      ).json();
      assert.equal(data.points, POINTS);
      assert.ok(data.y.length <= 4 * 560, `${data.y.length} points sent`);
      assert.equal(Math.max(...data.y), 100, 'the one-step spike survives the reduction');
      assert.ok(Number(await page.getAttribute(chart, 'data-points')) <= 4 * 560);
      // The anchor: a page drawing all million points itself, one lineTo each, on a canvas of the same size.
      const everyPointMs = await page.evaluate((n) => {
        const canvas = document.createElement('canvas');
        canvas.width = 560;
        canvas.height = 220;
        document.body.append(canvas);
        const ctx = canvas.getContext('2d')!;
        const y = new Float64Array(n).map((_, i) => 0.5 + 0.4 * Math.sin(i / 5000));
        const t0 = performance.now();
        ctx.beginPath();
        for (let i = 0; i < n; i++) ctx.lineTo((i / n) * 560, 220 - y[i] * 200);
        ctx.stroke();
        ctx.getImageData(0, 0, 1, 1); // waits for the drawing
        return performance.now() - t0;
      }, POINTS);
      const timing = {
        points: POINTS,
        coldMs,
        warmMs,
        dataRequestMs: dataMs,
        everyPointDrawMs: Math.round(everyPointMs),
      };
      console.log(`million-point render: ${JSON.stringify(timing)}`);
      writeFileSync(join(ARTIFACTS, 'render-timing.json'), JSON.stringify(timing, null, 1) + '\n');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-million.png') });
    } finally {
      await browser?.close();
      await dashboard.close();
    }
  },
);
