import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from './chromium.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { Network, PairStdp } from '../../src/spiking/index.js';
import { runCli, tempDir, testNeeding } from '../helpers.js';

/** Small real runs of each kind whose view this test draws. */
const CONFIGS: Record<string, string> = {
  neuroplastic: `name: e2e-neuroplastic
seed: 0
task: { kind: classification, dataset: mnist, trainFraction: 0.05, validationFraction: 0, normalize: scale }
model: { type: mlp, hidden: [32] }
learner: { optimizer: { name: neuroplastic, lr: 0.01 }, batchSize: 64, epochs: 1 }
log: { everySteps: 5 }
`,
  'diehl-cook': `name: e2e-diehl-cook
seed: 0
task: { kind: diehl-cook, dataset: mnist, trainImages: 200, labelImages: 100, testImages: 100 }
network: { neurons: 16, inhToExcWeight: 40 }
checkpoint: { everyImages: 100 }
`,
  'go-nogo': `name: e2e-go-nogo
seed: 0
task:
  kind: go-nogo
  cues: { visual: [A, B], auditory: [X, Y] }
  blocks: [{ go: [A], trials: 60 }, { go: [B], trials: 60 }, { go: [X], trials: 60 }, { go: [A], trials: 60 }]
  rewardProbability: 0.9
  punishmentProbability: 0.9
  cueNoise: 0.05
learners: [gradient]
conditions: [all, da]
seeds: [0]
changeProbability: 0.05
mapping: go-nogo
`,
  'task-free': `name: e2e-task-free
seed: 0
task: { kind: continual, benchmark: split, dataset: mnist, classesPerContext: 2 }
protocol: { hidden: [64, 64], lr: 0.001, betas: [0.9, 0.999], iterationsPerContext: 60, batchSize: 64, evalSamples: 200 }
scenarios: [class]
seeds: [0]
methods:
  neuromodulated: { latent: 16, hidden: [64], window: 10, refractory: 20, snapshotEvery: 10 }
`,
  v1: `name: e2e-v1-rates
seed: 3
task: { kind: v1-rates, neurons: [300] }
fit: { iterations: 1, settleMs: 50, measureMs: 200, gratingMs: 200 }
measure: { settleMs: 50, spontaneousMs: 300, gratingMs: 200, grayGapMs: 50, directionsDeg: [0, 90, 180, 270] }
`,
};

async function runAll(names: string[]): Promise<string> {
  const root = tempDir('np-e2e-science-');
  const runs = join(root, 'runs');
  const results = await Promise.all(
    names.map((n) => {
      writeFileSync(join(root, `${n}.yaml`), CONFIGS[n]);
      return runCli(
        ['run', join(root, `${n}.yaml`), '--out', join(runs, n), '--quiet'],
        {},
        { timeoutMs: 300_000 },
      );
    }),
  );
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  return runs;
}

/** A user's script: a plastic network whose monitors are exported into its run folder beside a metrics line. */
async function spikingRun(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const net = new Network(0.1);
  const input = net.poisson('input', 100, 20, 1);
  const cells = net.lif('cells', 50, {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -70,
    vThreshMv: -55,
    vResetMv: -70,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 10,
  });
  const proj = net.connect(input, cells, {
    connector: { kind: 'fixed-probability', p: 0.3 },
    weight: (rng) => 200 * rng.float(),
    receptor: 'exc',
    seed: 2,
    name: 'input->cells',
    plasticity: new PairStdp({ aPlus: 5, aMinus: 5.5, tauPlusMs: 20, tauMinusMs: 20, wMax: 300 }),
  });
  net.monitorSpikes(cells);
  net.monitorRate(cells, 5);
  net.monitorWeights(proj, 'all', { everyMs: 50 });
  net.run(1000);
  await net.exportMonitors(join(dir, 'monitors'));
  writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ tMs: 1000, rateHz: 1 }) + '\n');
}

/**
 * Pixels of a view's pictures (canvases, and images drawn onto one) that are data: saturated colour, or for
 * grey-scale images anything lighter than black and darker than white. With a digest, to tell two drawings apart.
 */
const ink = (page: Page, view: string) =>
  page.$eval(`section[data-view="${view}"]`, async (section) => {
    let n = 0;
    let h = 2166136261;
    const count = (d: Uint8ClampedArray, grey: boolean) => {
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        const saturated = Math.max(r, g, b) - Math.min(r, g, b) > 40;
        if (a > 0 && (saturated || (grey && r > 40 && r < 250))) n++;
        h = Math.imul(h ^ r ^ (b << 8), 16777619);
      }
    };
    for (const c of Array.from(section.querySelectorAll('canvas')))
      count(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data, false);
    for (const img of Array.from(section.querySelectorAll('img'))) {
      await img.decode();
      const c = document.createElement('canvas');
      [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      count(g.getImageData(0, 0, c.width, c.height).data, true);
    }
    return { n, h: h >>> 0 };
  });

/** `ink` once it holds still: charts paint on an animation frame after the panel is built. */
async function settledInk(page: Page, view: string): Promise<{ n: number; h: number }> {
  let last = await ink(page, view);
  for (const end = Date.now() + 15_000; Date.now() < end;) {
    await page.waitForTimeout(250);
    const now = await ink(page, view);
    if (now.n > 0 && now.h === last.h) return now;
    last = now;
  }
  return last;
}

async function openAll(url: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  for (const box of await page.$$('nav li[data-run] input')) if (!(await box.isChecked())) await box.check();
  return { page, errors, close: () => browser.close() };
}

testNeeding(
  ['chromium'],
  'science views in Chromium: alpha distributions, receptive fields, model weights, spike rasters, neuromodulators with shifts and context changes',
  async () => {
    const runs = await runAll(['neuroplastic', 'diehl-cook', 'go-nogo', 'task-free']);
    await spikingRun(join(runs, 'spiking'));
    const dashboard = await startDashboard({ dirs: [runs], port: 0 });
    const { page, errors, close } = await openAll(dashboard.url);
    try {
      for (const view of ['distributions', 'receptive-fields', 'weights', 'spiking', 'neuromodulators'])
        await page.waitForSelector(`section[data-view="${view}"] figure`);

      // NeuroPlastic's alpha: one column per diagnostics record (every 5 steps of 47), bins labelled by value.
      const alpha = await settledInk(page, 'distributions');
      assert.ok(alpha.n > 8_000, `${alpha.n} blue pixels in the alpha distribution`);
      assert.match(
        (await page.textContent('section[data-view="distributions"] figcaption')) ?? '',
        /neuroplastic: NeuroPlastic alpha distribution .* 9 records/,
      );

      // Receptive fields: 16 tiles of learned weights (grey, not black).
      const rf = await settledInk(page, 'receptive-fields');
      assert.ok(rf.n > 5_000, `${rf.n} lit pixels in the receptive fields`);

      // The MLP's weights: its 32 hidden units' input weights as digit-sized images, the output layer as a matrix.
      assert.deepEqual(
        await page.$$eval('section[data-view="weights"] figcaption', (f) =>
          f.map((x) =>
            /: (\S+) \[([^\]]+)\]/
              .exec(x.textContent ?? '')
              ?.slice(1)
              .join(' '),
          ),
        ),
        ['fc1.weight 784 x 32', 'fc2.weight 32 x 10'],
      );
      const weights = await settledInk(page, 'weights');
      assert.ok(weights.n > 20_000, `${weights.n} coloured pixels in the weights`);

      // The monitors: a raster, a rate and a weight histogram, each a drawn picture.
      assert.equal(await page.$$eval('section[data-view="spiking"] img', (imgs) => imgs.length), 3);
      const spikes = await settledInk(page, 'spiking');
      assert.ok(spikes.n > 20_000, `${spikes.n} drawn pixels in the monitors' plots`);
      const svg = await page.$eval('section[data-view="spiking"] figure', async (fig) => {
        const src = fig.querySelector('img')!.getAttribute('src')!;
        return (await fetch(src)).text();
      });
      assert.match(svg, /^<svg [^]*Spikes of cells/);

      // Neuromodulators: levels of the four and what they drive, the shifts marked; another condition, other lines.
      const levels = await settledInk(page, 'neuromodulators');
      assert.ok(levels.n > 3_000, `${levels.n} coloured pixels in the modulators' curves`);
      assert.match(
        (await page.textContent('section[data-view="neuromodulators"] figcaption')) ?? '',
        /gradient, all, seed 0: neuromodulator levels per trial/,
      );
      assert.deepEqual(
        await page.$$eval('section[data-view="neuromodulators"] table td:nth-child(2)', (tds) =>
          tds.map((t) => t.textContent),
        ),
        ['start', 'intra-dimensional', 'extra-dimensional', 'return'],
      );
      await page.selectOption('section[data-view="neuromodulators"] select[aria-label="condition"]', 'da');
      await page.waitForFunction(() =>
        /gradient, da, seed 0/.test(
          document.querySelector('section[data-view="neuromodulators"] figcaption')?.textContent ?? '',
        ),
      );
      assert.notEqual((await settledInk(page, 'neuromodulators')).h, levels.h);
      // The task-free continual run: surprise and noradrenaline step by step, the context changes marked.
      const taskFree = await page.$$eval('section[data-view="neuromodulators"] figcaption', (f) =>
        f.map((x) => x.textContent ?? '').filter((t) => t.includes('task-free')),
      );
      assert.equal(taskFree.length, 2, taskFree.join('\n'));
      assert.match(
        taskFree[0],
        /neuromodulated, class-incremental, seed 0: surprise .* and noradrenaline per step/,
      );
      assert.match(taskFree[1], /what noradrenaline drives: plasticity_rate, replay_share/);
      // The grid's cells table exports its numbers as CSV.
      const csv = await page.$eval('section[data-view="cells"] table', async (table) => {
        let blob: Blob | null = null;
        const [click, create] = [HTMLAnchorElement.prototype.click, URL.createObjectURL];
        HTMLAnchorElement.prototype.click = () => undefined;
        URL.createObjectURL = (b: Blob | MediaSource) => ((blob = b as Blob), create(b));
        (table.querySelector('button.export') as HTMLButtonElement).click();
        [HTMLAnchorElement.prototype.click, URL.createObjectURL] = [click, create];
        return blob ? await (blob as Blob).text() : '';
      });
      const lines = csv.trim().split('\n');
      assert.equal(lines[0], '"cell","field","mean","sd","n"');
      assert.ok(
        lines.some((l) => /^"learner=gradient condition=all","seconds",[\d.e-]+,0,1$/.test(l)),
        csv,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-science-views.png'), fullPage: true });
      assert.deepEqual(errors, []);

      // Each run's report.html, opened from disk with no server: the same views, drawn from the data inside it.
      const reportErrors: string[] = [];
      for (const [run, view] of [
        ['neuroplastic', 'distributions'],
        ['diehl-cook', 'receptive-fields'],
        ['go-nogo', 'neuromodulators'],
        ['neuroplastic', 'weights'],
        ['task-free', 'neuromodulators'],
      ]) {
        const report = await page
          .context()
          .browser()!
          .newPage({ viewport: { width: 1400, height: 1000 } });
        const requests: string[] = [];
        report.on('request', (r) => {
          if (!/^(file|data|blob):/.test(r.url())) requests.push(r.url());
        });
        report.on('pageerror', (e) => reportErrors.push(`${run}: ${e.message}`));
        await report.goto(pathToFileURL(join(runs, run, 'report.html')).href);
        await report.waitForSelector('body[data-ready="true"]');
        await report.waitForSelector(`section[data-view="${view}"] figure`);
        const drawn = await settledInk(report, view);
        assert.ok(drawn.n > 3_000, `${run}'s report: ${drawn.n} drawn pixels in ${view}`);
        assert.match((await report.textContent('#status')) ?? '', /^as written \d{4}-/);
        assert.deepEqual(requests, [], `${run}'s report fetched nothing`);
        if (run === 'diehl-cook') {
          // The live network inside the report learns with no server, on one thread of reference kernels (a page
          // from disk is not cross-origin isolated, which the WASM kernels' shared memory needs).
          await report.waitForFunction(
            () => Number(document.getElementById('live')?.dataset.presentations) > 20,
            {
              timeout: 60_000,
            },
          );
          assert.equal(await report.getAttribute('#live', 'data-backend'), 'reference');
          assert.match(
            (await report.textContent('#live-status')) ?? '',
            /^500 mnist training images, reference kernels/,
          );
        }
        await report.screenshot({ path: join(ARTIFACTS, `report-${run}.png`), fullPage: true });
        await report.close();
      }
      assert.deepEqual(reportErrors, []);
    } finally {
      await close();
      await dashboard.close();
    }
  },
);

testNeeding(
  ['chromium', 'v1-tables'],
  'the V1 view in Chromium: a real small V1 run, each class against the mouse recording',
  async () => {
    const runs = await runAll(['v1']);
    const dashboard = await startDashboard({ dirs: [runs], port: 0 });
    const { page, errors, close } = await openAll(dashboard.url);
    try {
      await page.waitForSelector('section[data-view="v1-rates"] figure');
      const captions = await page.$$eval('section[data-view="v1-rates"] figcaption', (f) =>
        f.map((x) => x.textContent ?? ''),
      );
      assert.equal(captions.length, 2);
      assert.match(captions[0], /300 neurons, spontaneous: .* \d+\/17 classes in range/);
      assert.match(captions[1], /300 neurons, gratings: .* \d+\/17 classes in range/);
      // The model's points are red: 17 classes x 2 conditions of them.
      const drawn = await settledInk(page, 'v1-rates');
      assert.ok(drawn.n > 1_000, `${drawn.n} coloured pixels in the V1 charts`);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-v1-rates.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await close();
      await dashboard.close();
    }
  },
);
