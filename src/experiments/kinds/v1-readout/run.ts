import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  buildV1Network,
  datasetImage,
  lgnRates,
  loadLgnTables,
  loadV1Tables,
  spontaneousLgnRates,
  stillImage,
  type V1PlasticityAttachment,
} from '../../../cortex/index.js';
import { loadDataset } from '../../../data/index.js';
import { ConfigError } from '../../../util/errors.js';
import type { TaskRunContext } from '../../task-kind.js';
import { buildV1Experiment, fitV1Weights, type V1FittedWeights } from '../v1-rates/model.js';
import type { V1ReadoutConfig } from './config.js';
import { trainLinearReadout } from './readout.js';

export interface V1ReadoutConditionResult {
  condition: 'pixels' | 'fixed' | 'plastic';
  testAccuracy: number;
  trainAccuracy: number;
  /** Mean rate of all V1 neurons while images were shown (readout images), Hz. */
  meanRateHz: number;
  /** Over the plastic synapses: mean |w after exposure - w before| / mean w before (0 when fixed). */
  relativeWeightChange: number;
  plasticSynapses: number;
  seconds: number;
}

export interface V1ReadoutSummary {
  kind: 'v1-readout';
  name: string;
  seed: number;
  dataset: string;
  neurons: number;
  images: { exposure: number; train: number; test: number };
  /** Test accuracy per condition. */
  accuracy: Partial<Record<'pixels' | 'fixed' | 'plastic', number>>;
  conditions: V1ReadoutConditionResult[];
}

/** The `pixels` condition: the readout trained and scored on the raw pixels of the same images. */
function pixelBaseline(
  cfg: V1ReadoutConfig,
  data: Awaited<ReturnType<typeof loadDataset>>,
): V1ReadoutConditionResult {
  const t0 = Date.now();
  const pixels = data.shape.reduce((a, b) => a * b, 1);
  const take = (split: 'train' | 'test', from: number, count: number) => ({
    x: Float32Array.from(data[split].images.subarray(from * pixels, (from + count) * pixels)),
    y: Int32Array.from(data[split].labels.subarray(from, from + count)),
  });
  const train = take('train', cfg.task.exposureImages, cfg.task.trainImages);
  const test = take('test', 0, cfg.task.testImages);
  const readout = trainLinearReadout(train.x, train.y, pixels, data.classes.length, {
    ...cfg.readout,
    seed: cfg.seed,
  });
  const predicted = readout.predict(test.x);
  return {
    condition: 'pixels',
    testAccuracy: predicted.filter((p, i) => p === test.y[i]).length / test.y.length,
    trainAccuracy: readout.trainAccuracy,
    meanRateHz: 0,
    relativeWeightChange: 0,
    plasticSynapses: 0,
    seconds: (Date.now() - t0) / 1000,
  };
}

function checkCounts(cfg: V1ReadoutConfig, trainCount: number, testCount: number): void {
  const t = cfg.task;
  if (t.exposureImages + t.trainImages > trainCount)
    throw new ConfigError(
      'task.trainImages',
      `expected exposureImages + trainImages <= ${trainCount} (the ${t.dataset} training split), found ${t.exposureImages + t.trainImages}`,
    );
  if (t.testImages > testCount)
    throw new ConfigError(
      'task.testImages',
      `expected at most ${testCount} (the ${t.dataset} test split), found ${t.testImages}`,
    );
}

/** The fitted weights, once per run (a resumed run reads them back). */
async function fittedWeights(
  ctx: TaskRunContext,
  needed: boolean,
  fit: () => V1FittedWeights,
): Promise<V1FittedWeights | null> {
  if (!needed) return null;
  const path = join(ctx.runDir.path, 'fit.json');
  if (ctx.resume && existsSync(path)) return ctx.runDir.readJson<V1FittedWeights>(path);
  const w = fit();
  await ctx.runDir.writeJson(path, w);
  return w;
}

export async function runV1Readout(cfg: V1ReadoutConfig, ctx: TaskRunContext): Promise<V1ReadoutSummary> {
  const log = (line: string) => {
    if (!ctx.quiet) console.log(line);
  };
  const [tables, lgnTables, data] = await Promise.all([
    loadV1Tables(),
    loadLgnTables(),
    loadDataset(cfg.task.dataset),
  ]);
  checkCounts(cfg, data.train.count, data.test.count);
  const dir = join(ctx.runDir.path, 'conditions');
  await fsp.mkdir(dir, { recursive: true });
  // What an interrupted run did after its last saved part is done again: drop its metrics.
  if (ctx.resume)
    await ctx.runDir.trimMetrics((r) =>
      r.phase === 'fit'
        ? existsSync(join(ctx.runDir.path, 'fit.json'))
        : existsSync(join(dir, `${String(r.condition)}.json`)),
    );
  const { neurons, exposureImages, trainImages, testImages } = cfg.task;
  const spiking = cfg.conditions.some((c) => c !== 'pixels');
  const weights = await fittedWeights(ctx, spiking, () =>
    fitV1Weights(tables, lgnTables, cfg, neurons, (iteration, error) => {
      log(`fit iteration ${iteration}: error ${error.toFixed(3)}`);
      ctx.runDir.appendMetric({ phase: 'fit', iteration, error });
    }),
  );
  const results: V1ReadoutConditionResult[] = [];
  for (const condition of cfg.conditions) {
    const path = join(dir, `${condition}.json`);
    if (ctx.resume && existsSync(path)) {
      results.push(await ctx.runDir.readJson<V1ReadoutConditionResult>(path));
      continue;
    }
    if (condition === 'pixels') {
      const result = pixelBaseline(cfg, data);
      log(`pixels: test accuracy ${(100 * result.testAccuracy).toFixed(2)}%`);
      ctx.runDir.appendMetric({
        phase: 'readout',
        condition,
        testAccuracy: result.testAccuracy,
        trainAccuracy: result.trainAccuracy,
      });
      await ctx.runDir.writeJson(path, result);
      results.push(result);
      ctx.onCheckpoint?.(results.length);
      continue;
    }
    const t0 = Date.now();
    const plasticity = condition === 'plastic' ? (cfg.plasticity as V1PlasticityAttachment[]) : [];
    const built = buildV1Experiment(tables, lgnTables, cfg, neurons, cfg.seed + 1, weights!, plasticity);
    const v = buildV1Network(built.model);
    const gray = spontaneousLgnRates(built.lgn);
    const placement = { heightDeg: cfg.presentation.imageHeightDeg };
    const size = v.groups.reduce((s, g) => s + g.size, 0);
    const present = (split: 'train' | 'test', index: number, out?: Float32Array) => {
      const image = datasetImage(data, split, index);
      v.lgn!.setRates(
        lgnRates(built.lgn, stillImage(image, cfg.presentation.imageMs, placement), { binMs: cfg.lgn.binMs }),
      );
      v.counter.reset();
      v.net.run(cfg.presentation.imageMs);
      if (out) {
        let at = 0;
        for (const c of v.counter.counts) for (let i = 0; i < c.length; i++) out[at++] = c[i];
      }
      v.lgn!.setRates(gray);
      v.net.run(cfg.presentation.grayMs);
    };
    v.net.run(300);
    const plastic = v.net.connections.filter((c) => c.plasticity).map((c) => c.projection);
    const before = plastic.map((p) => Float32Array.from(p.weight));
    for (let i = 0; i < exposureImages; i++) {
      present('train', i);
      if ((i + 1) % 100 === 0) log(`${condition}: exposure ${i + 1}/${exposureImages}`);
    }
    let change = 0;
    let total = 0;
    let synapses = 0;
    plastic.forEach((p, k) => {
      p.weight.forEach((w, j) => {
        change += Math.abs(w - before[k][j]);
        total += before[k][j];
      });
      synapses += p.weight.length;
    });
    v.net.learning = false;
    const record = (split: 'train' | 'test', from: number, count: number) => {
      const x = new Float32Array(count * size);
      const y = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        present(split, from + i, x.subarray(i * size, (i + 1) * size));
        y[i] = data[split].labels[from + i];
        if ((i + 1) % 100 === 0) log(`${condition}: ${split} ${i + 1}/${count}`);
      }
      return { x, y };
    };
    const train = record('train', exposureImages, trainImages);
    const test = record('test', 0, testImages);
    const readout = trainLinearReadout(train.x, train.y, size, data.classes.length, {
      ...cfg.readout,
      seed: cfg.seed,
    });
    const predicted = readout.predict(test.x);
    const testAccuracy = predicted.filter((p, i) => p === test.y[i]).length / testImages;
    const spikes = train.x.reduce((a, b) => a + b, 0) + test.x.reduce((a, b) => a + b, 0);
    const result: V1ReadoutConditionResult = {
      condition,
      testAccuracy,
      trainAccuracy: readout.trainAccuracy,
      meanRateHz: spikes / size / (trainImages + testImages) / (cfg.presentation.imageMs / 1000),
      relativeWeightChange: total > 0 ? change / total : 0,
      plasticSynapses: synapses,
      seconds: (Date.now() - t0) / 1000,
    };
    log(
      `${condition}: test accuracy ${(100 * testAccuracy).toFixed(2)}% (train ${(100 * readout.trainAccuracy).toFixed(2)}%)`,
    );
    ctx.runDir.appendMetric({
      phase: 'readout',
      condition,
      testAccuracy,
      trainAccuracy: readout.trainAccuracy,
    });
    await ctx.runDir.writeJson(path, result);
    results.push(result);
    ctx.onCheckpoint?.(results.length);
  }
  return {
    kind: 'v1-readout',
    name: cfg.name,
    seed: cfg.seed,
    dataset: cfg.task.dataset,
    neurons,
    images: { exposure: exposureImages, train: trainImages, test: testImages },
    accuracy: Object.fromEntries(results.map((r) => [r.condition, r.testAccuracy])),
    conditions: results,
  };
}
