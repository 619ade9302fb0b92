import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium } from './chromium.js';
import { CLI, tempDir, testNeeding } from '../helpers.js';

/** A short real run: MNIST, a small MLP, a metrics line every 5 steps, for a minute or so (the test stops it). */
const TINY_RUN = `name: e2e-live
description: a short real run the browser test watches
seed: 3
task: { kind: classification, dataset: mnist, trainFraction: 0.5, validationFraction: 0, normalize: scale }
model: { type: mlp, hidden: [32] }
learner: { optimizer: { name: adam, lr: 0.001 }, batchSize: 32, epochs: 40 }
log: { everySteps: 5 }
checkpoint: { everySteps: 200 }
`;

function dashboardUrl(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /dashboard: (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.stderr!.on('data', (c) => (out += c));
    child.on('exit', (code) => fail(new Error(`exited with ${code} before serving: ${out}`)));
  });
}

testNeeding(
  ['chromium'],
  'dashboard in Chromium: curves gain points while a real run goes, charts have pixels, run names stay text',
  async () => {
    const root = tempDir('np-e2e-');
    const experiment = join(root, 'tiny.yaml');
    writeFileSync(experiment, TINY_RUN);
    // A finished run beside it whose name is markup: it must show as text and run nothing.
    // The run goes to runs/ under the child's working directory, which the dashboard serves.
    const attack = join(root, 'runs', 'zz-attack');
    mkdirSync(attack, { recursive: true });
    writeFileSync(join(attack, 'config.json'), JSON.stringify({ name: '<img src=x onerror=alert(1)>' }));
    writeFileSync(join(attack, 'run.json'), JSON.stringify({ status: '<script>alert(2)</script>' }));
    writeFileSync(
      join(attack, 'metrics.jsonl'),
      '{"type":"<b>x</b>","step":1,"loss":1}\n{"type":"cell","method":"<i>m</i>","seed":0,"acc":0.5}\n' +
        '{"type":"cell","method":"<i>m</i>","seed":1,"acc":0.7}\n',
    );

    const child = spawn(process.execPath, [CLI, 'run', experiment, '--dashboard', '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: root,
    });
    let browser: Browser | null = null;
    try {
      const url = await dashboardUrl(child);
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const consoleErrors: string[] = [];
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      // The live run appears once it has written its first files (the list is refreshed every few seconds).
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      for (let i = 0; i < 60 && !(await page.$('nav li[data-run]:has-text("e2e-live") input:checked')); i++) {
        await page.waitForTimeout(500);
        await page.reload();
        await page.waitForSelector('body[data-ready="true"]');
      }
      await page.waitForSelector('figure.chart[data-points]', { timeout: 60_000 });
      const points = async () =>
        Number(await page.getAttribute('figure.chart[data-key="type=train loss"]', 'data-points'));
      const first = await points();
      // Curves gain points while the run goes (server-sent events, no reload).
      let later = first;
      for (let i = 0; i < 60 && later <= first; i++) {
        await page.waitForTimeout(500);
        later = await points().catch(() => first);
      }
      assert.ok(later > first, `the loss curve went from ${first} to ${later} points`);
      // Pixels, not only markup: the chart's canvas has drawn lines.
      const inked = await page.$eval('figure.chart[data-key="type=train loss"] canvas', (c) => {
        const canvas = c as HTMLCanvasElement;
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200)) n++;
        return n;
      });
      assert.ok(inked > 200, `${inked} drawn pixels`);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png'), fullPage: true });
      // Export: the SVG link answers an SVG drawn by the server; the PNG button's download is the canvas.
      const exported = await page.$eval('figure.chart[data-key="type=train loss"]', async (fig) => {
        const href = fig.querySelector('a.export')!.getAttribute('href')!;
        const svg = await (await fetch(href)).text();
        let png = '';
        const original = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
          png = this.href;
        };
        (fig.querySelector('button.export') as HTMLButtonElement).click();
        HTMLAnchorElement.prototype.click = original;
        return { svg: svg.slice(0, 5), png: png.slice(0, 22), pngLength: png.length };
      });
      assert.equal(exported.svg, '<svg ');
      assert.equal(exported.png, 'data:image/png;base64,');
      assert.ok(exported.pngLength > 2000, `${exported.pngLength} characters of PNG`);

      // The attack-named run: its name and status are text, and nothing ran.
      const labels = await page.$$eval('nav li', (els) => els.map((e) => e.textContent ?? ''));
      assert.ok(
        labels.some((t) => t.includes('<script>alert(2)</script>')),
        labels.join(' | '),
      );
      await page.click('nav li:has-text("zz-attack") input');
      await page.waitForSelector('figure.chart[data-key="type=<b>x</b> loss"]');
      // The grid-cells view summarises the cells over seeds, labels as text.
      const cells = await page.textContent('table.cells');
      assert.match(cells ?? '', /<i>m<\/i>\s*0\.600 ± 0\.141 \(2\)/);
      await page.waitForTimeout(500);
      assert.equal(await page.$$eval('script', (s) => s.length), 1, 'only the app script is in the page');
      // The pictures the views draw (the run's model weights) are the page's own images of this server's API.
      assert.equal(await page.$$eval('b, i, img:not(.plot)', (s) => s.length), 0, 'no markup from run files');
      for (const src of await page.$$eval('img.plot', (imgs) => imgs.map((i) => i.getAttribute('src') ?? '')))
        assert.match(src, /^\/api\/runs\/[0-9a-f]{16}\/weights\.png\?layer=/);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(consoleErrors, []);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-two-runs.png'), fullPage: true });
    } finally {
      await browser?.close();
      child.kill('SIGTERM');
    }
  },
);
