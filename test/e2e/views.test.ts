import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from './chromium.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { REPO_ROOT, runCli, tempDir, testNeeding } from '../helpers.js';

/** A real split-MNIST grid, small: two methods, two scenarios, two seeds, 20 iterations per context. */
const TINY_CONTINUAL = `name: e2e-continual
description: a tiny split-MNIST grid the browser test reads
seed: 0
task: { kind: continual, benchmark: split, dataset: mnist, classesPerContext: 2 }
protocol: { hidden: [32], lr: 0.001, betas: [0.9, 0.999], iterationsPerContext: 20, batchSize: 64, evalSamples: 200 }
scenarios: [task, class]
seeds: [0, 1]
methods:
  finetune: {}
  joint: {}
`;

/** Pixels of a view's charts drawn in blue (data, not axes), and a digest of all of them. */
const ink = (page: Page, selector: string) =>
  page.$$eval(selector, (canvases) => {
    let n = 0;
    let h = 2166136261;
    for (const c of canvases as HTMLCanvasElement[]) {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        // Blue marks (the heatmaps' scale, the scatter's points), not the grey axes and split lines.
        if (d[i + 3] > 0 && d[i + 2] - d[i] > 40) n++;
        h = Math.imul(h ^ d[i] ^ (d[i + 2] << 8), 16777619);
      }
    }
    return { n, h: h >>> 0, canvases: canvases.length };
  });

/**
 * `ink` once the charts have settled: charts paint on an animation frame after they are built, and the page may
 * rebuild a panel while runs are being selected, so the same reading twice in a row (with some ink) is waited for.
 */
async function settledInk(
  page: Page,
  selector: string,
  timeoutMs = 15_000,
): Promise<Awaited<ReturnType<typeof ink>>> {
  let last = await ink(page, selector);
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    await page.waitForTimeout(250);
    const now = await ink(page, selector);
    if (now.n > 0 && now.h === last.h) return now;
    last = now;
  }
  return last;
}

/** What the figure's export button hands to a download link. */
const exported = (page: Page, figure: string, button: 'PNG' | 'SVG') =>
  page.$eval(
    figure,
    async (fig, which) => {
      // The page's policy forbids fetching blob: URLs, so the blob is caught where it is made.
      let href = '';
      let blob: Blob | null = null;
      const click = HTMLAnchorElement.prototype.click;
      const createObjectURL = URL.createObjectURL;
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        href = this.href;
      };
      URL.createObjectURL = (b: Blob | MediaSource) => {
        blob = b as Blob;
        return createObjectURL(b);
      };
      const buttons = Array.from(fig.querySelectorAll('button.export')) as HTMLButtonElement[];
      buttons.find((b) => b.textContent === which)!.click();
      HTMLAnchorElement.prototype.click = click;
      URL.createObjectURL = createObjectURL;
      return blob ? await (blob as Blob).text() : href;
    },
    button,
  );

testNeeding(
  ['chromium'],
  'dashboard views in Chromium: the accuracy matrix of a real grid and the fronts of a real search, drawn and exported',
  async () => {
    const root = tempDir('np-e2e-views-');
    writeFileSync(join(root, 'tiny.yaml'), TINY_CONTINUAL);
    const runs = join(root, 'runs');
    const zdt1 = (seed: number) =>
      runCli(
        [
          'evolve',
          join(REPO_ROOT, 'experiments', 'zdt1.yaml'),
          '--quick',
          '--seed',
          String(seed),
          '--out',
          join(runs, `zdt1-s${seed}`),
          '--quiet',
        ],
        {},
        { timeoutMs: 300_000 },
      );
    const results = await Promise.all([
      runCli(
        ['run', join(root, 'tiny.yaml'), '--out', join(runs, 'continual'), '--quiet'],
        {},
        { timeoutMs: 300_000 },
      ),
      zdt1(1),
      zdt1(2),
      runCli(
        [
          'run',
          join(REPO_ROOT, 'experiments', 'rediscover-stdp.yaml'),
          '--quick',
          '--out',
          join(runs, 'stdp'),
          '--quiet',
        ],
        {},
        { timeoutMs: 300_000 },
      ),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const dashboard = await startDashboard({ dirs: [runs], port: 0 });
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`${e.message} ${e.stack ?? ''}`));
      await page.goto(dashboard.url);
      await page.waitForSelector('body[data-ready="true"]');
      for (const box of await page.$$('nav li[data-run] input'))
        if (!(await box.isChecked())) await box.check();

      // The accuracy matrix: class-incremental finetune first (its diagonal), then joint: other pixels.
      const matrix = 'section[data-view="accuracy-matrix"] canvas';
      await page.waitForSelector(matrix);
      const finetune = await settledInk(page, matrix);
      assert.ok(finetune.n > 5000, `${finetune.n} coloured pixels in the matrix`);
      assert.match(
        (await page.textContent('section[data-view="accuracy-matrix"] figcaption')) ?? '',
        /finetune, class-incremental, accuracy mean over 2 seed\(s\) \(0, 1\)/,
      );
      await page.selectOption('section[data-view="accuracy-matrix"] select[aria-label="method"]', 'joint');
      await page.waitForFunction(() =>
        /joint/.test(
          document.querySelector('section[data-view="accuracy-matrix"] figcaption')?.textContent ?? '',
        ),
      );
      await page.waitForTimeout(300);
      assert.notEqual((await settledInk(page, matrix)).h, finetune.h, 'another method, another matrix');
      const svg = await exported(page, 'section[data-view="accuracy-matrix"] figure', 'SVG');
      assert.match(svg.slice(0, 200), /^<svg /);
      assert.match(svg, /tested on context/);
      const png = await exported(page, 'section[data-view="accuracy-matrix"] figure', 'PNG');
      assert.match(png, /^data:image\/png;base64,/);

      // The fronts: one panel per search with a scatter and the genes; clicking a point shows its rule.
      const panels = await page.$$eval('section[data-view="fronts"] .front', (els) =>
        els.map((e) => e.getAttribute('data-search')),
      );
      assert.deepEqual(panels.sort(), [
        'cmaes',
        'lmocso',
        'lmocso',
        'nsga2',
        'nsga2',
        'swarm',
        'swarm',
        'swarm',
      ]);
      // The scatters (about 25 points of some 50 blue pixels each, per run) and the genes' heatmaps, drawn.
      const nsga2 = 'section[data-view="fronts"] .front[data-search="nsga2"]';
      const scatterInk = await settledInk(page, `${nsga2} figure[data-chart="front-nsga2-f2-vs-f1"] canvas`);
      assert.ok(scatterInk.n > 1000, `${scatterInk.n} blue pixels in the two searches' scatters`);
      const genesInk = await settledInk(page, `${nsga2} figure[data-chart="front-nsga2-genes"] canvas`);
      assert.ok(genesInk.n > 5000, `${genesInk.n} blue pixels in the genes' heatmap`);
      // A click on the middle of the genes heatmap (a front member's row) shows that member's rule.
      const genes = page
        .locator(
          'section[data-view="fronts"] .front[data-search="nsga2"] figure[data-chart="front-nsga2-genes"] .echart',
        )
        .first();
      await genes.scrollIntoViewIfNeeded();
      const box = (await genes.boundingBox())!;
      await page.mouse.click(box.x + 50 + (box.width - 70) / 2, box.y + 20 + (box.height - 60) / 2);
      const equation = page
        .locator('section[data-view="fronts"] .front[data-search="nsga2"] .equation')
        .first();
      assert.match((await equation.textContent()) ?? '', /^#\d+: genes .* \(f1 [\d.e+-]+, f2 [\d.e+-]+\)$/);
      // A rule problem's searches (pair STDP rediscovered): the found rule per synapse type and term, coloured.
      const rules = await page.$$eval('section[data-view="fronts"] .rule figcaption', (f) =>
        f.map((x) => x.textContent ?? ''),
      );
      assert.equal(rules.length, 2, rules.join('\n'));
      for (const caption of rules)
        assert.match(caption, /^rule of #\d+: coefficient per synapse type \(rows\) and term/);
      const ruleInk = await settledInk(page, 'section[data-view="fronts"] .rule canvas');
      assert.ok(ruleInk.n > 500, `${ruleInk.n} coloured pixels in the rules' heatmaps`);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-views.png'), fullPage: true });

      // Scalars grouped by a config field: the two searches (seeds 1 and 2) become one mean curve with a band.
      for (const li of await page.$$('nav li[data-run]')) {
        const box = (await li.$('input'))!;
        if (/zdt1/.test((await li.textContent()) ?? '') !== (await box.isChecked())) await box.click();
      }
      const curve = 'figure.chart[data-key="search=nsga2 best_f1"]';
      await page.waitForSelector(curve);
      const separate = await settledInk(page, `${curve} canvas`);
      await page.selectOption('select[aria-label="group runs by"]', 'name');
      await page.waitForFunction(
        (sel) => /name="zdt1" \(2 runs\)/.test(document.querySelector(sel)?.textContent ?? ''),
        curve,
      );
      const grouped = await settledInk(page, `${curve} canvas`);
      assert.notEqual(grouped.h, separate.h, 'the grouped chart is drawn anew');
      // The band: translucent blue fill between mean - sd and mean + sd, far more blue than two lines.
      assert.ok(grouped.n > 3 * separate.n, `${grouped.n} blue pixels grouped, ${separate.n} as two lines`);
      // Its SVG export draws the same group, band included.
      const groupedSvg = await page.$eval(`${curve} a.export`, async (a) =>
        (await fetch((a as HTMLAnchorElement).href)).text(),
      );
      assert.match(groupedSvg, /name=&quot;zdt1&quot; \(2 runs\)/);
      assert.equal(groupedSvg.match(/fill-opacity="0.2"/g)?.length, 1);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-grouped.png'), fullPage: true });

      // The run filter: a config field keeps one search of the two; its curve is then that run's alone.
      await page.fill('#run-filter', 'seed=2');
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('nav li[data-run]')).filter(
            (li) => !(li as HTMLElement).hidden,
          ).length === 1,
      );
      const visible = await page.$$eval('nav li[data-run]', (lis) =>
        lis.filter((li) => !(li as HTMLElement).hidden).map((li) => li.textContent ?? ''),
      );
      assert.match(visible[0], /zdt1-s2/);
      await page.waitForFunction(
        (sel) => /name="zdt1" \(1 runs\)/.test(document.querySelector(sel)?.textContent ?? ''),
        curve,
      );
      await page.fill('#run-filter', '');
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll('nav li[data-run]')).every((li) => !(li as HTMLElement).hidden),
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await dashboard.close();
    }
  },
);
