import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../../data/index.js';
import { decodeBundle, encodeBundle, type NamedTensor } from '../../../engine/index.js';
import {
  runDiehlCookProtocol,
  type DiehlCookCheckpoint,
  type DiehlCookResult,
  type DiehlCookState,
} from '../../../spiking/index.js';
import { writeFileAtomic } from '../../../util/fsx.js';
import { NeuroplastError } from '../../../util/errors.js';
import { Progress } from '../../../util/progress.js';
import { receptiveFieldPng } from '../../../viz/index.js';
import { checkCheckpointConfig, type TaskRunContext } from '../../task-kind.js';
import type { DiehlCookExperimentConfig } from './config.js';

export interface DiehlCookSummary extends DiehlCookResult {
  kind: 'diehl-cook';
  name: string;
  seed: number;
  dataset: string;
  datasetSource: string;
  receptiveFields: string;
}

const CHECKPOINT_FORMAT = 'neuroplast-diehl-cook-checkpoint';

async function saveDiehlCookCheckpoint(
  path: string,
  c: DiehlCookCheckpoint,
  configSha256?: string,
): Promise<void> {
  const n = c.network;
  const tensors = new Map<string, NamedTensor>();
  for (const [k, v] of Object.entries(n.arrays)) tensors.set(k, { shape: [v.length], data: v });
  const meta = {
    format: CHECKPOINT_FORMAT,
    trainDone: c.trainDone,
    presentations: c.presentations,
    rng: n.rng,
    step: n.step,
    configSha256,
  };
  await writeFileAtomic(path, encodeBundle({ meta, tensors }));
}

async function loadDiehlCookCheckpoint(
  path: string,
  ctx: TaskRunContext,
): Promise<DiehlCookCheckpoint | undefined> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch {
    return undefined;
  }
  const bundle = decodeBundle(buf, path);
  const meta = bundle.meta as {
    format?: string;
    trainDone: number;
    presentations: number;
    rng: DiehlCookState['rng'];
    step: number;
    configSha256?: unknown;
  };
  if (meta.format !== CHECKPOINT_FORMAT)
    throw new NeuroplastError(`${path}: not a Diehl & Cook checkpoint (format ${String(meta.format)})`);
  for (const k of ['trainDone', 'presentations', 'step'] as const)
    if (!Number.isSafeInteger(meta[k]) || meta[k] < 0)
      throw new NeuroplastError(
        `${path}: checkpoint header: ${k} is ${JSON.stringify(meta[k])}, expected a count`,
      );
  if (meta.rng === null || typeof meta.rng !== 'object')
    throw new NeuroplastError(`${path}: checkpoint header has no random-number state`);
  checkCheckpointConfig(path, meta.configSha256, ctx);
  return {
    trainDone: meta.trainDone,
    presentations: meta.presentations,
    network: {
      arrays: Object.fromEntries([...bundle.tensors].map(([k, t]) => [k, t.data])),
      rng: meta.rng,
      step: meta.step,
    },
  };
}

/**
 * Runs the experiment into its run directory: metrics.jsonl gets a line per 100 training images (presentations
 * needed, so the growth of the thresholds is visible) and per phase; checkpoints every `everyImages` training
 * images (atomic), resumed exactly; the learned receptive fields are written as receptive_fields.png.
 */
export async function runDiehlCookExperiment(
  cfg: DiehlCookExperimentConfig,
  opts: TaskRunContext,
): Promise<DiehlCookSummary> {
  const { runDir } = opts;
  const ds = await loadDataset(cfg.task.dataset);
  const resumeFrom = opts.resume ? await loadDiehlCookCheckpoint(runDir.checkpointPath, opts) : undefined;
  const trained = resumeFrom?.trainDone ?? 0;
  // Metrics after the checkpoint were written by the killed process: drop them so none repeats.
  if (opts.resume) await runDir.trimMetrics((r) => r.phase === 'train' && Number(r.images) <= trained);
  let progress: Progress | undefined;
  let phase = '';
  let last = { images: trained, presentations: resumeFrom?.presentations ?? 0 };
  const { result, network } = await runDiehlCookProtocol(
    ds,
    { ...cfg.task, seed: cfg.seed, params: cfg.network },
    {
      resumeFrom,
      checkpointEvery: cfg.checkpoint.everyImages,
      onCheckpoint: async (c) => {
        await saveDiehlCookCheckpoint(runDir.checkpointPath, c, opts.configSha256);
        opts.onCheckpoint?.(c.trainDone);
      },
      onProgress: (p) => {
        if (p.phase !== phase) {
          progress?.finish();
          phase = p.phase;
          progress = new Progress({ label: `${cfg.name} ${p.phase}`, total: p.total, quiet: opts.quiet });
        }
        progress!.update(p.done, `${p.presentations} presentations`);
        if (p.phase === 'train') {
          runDir.appendMetric({
            phase: 'train',
            images: p.done,
            presentations: p.presentations,
            presentationsPerImage: (p.presentations - last.presentations) / (p.done - last.images),
          });
          last = { images: p.done, presentations: p.presentations };
        }
      },
    },
  );
  progress?.finish();
  const png = receptiveFieldPng(network.weights, network.params.neurons, ds.shape[1], ds.shape[2]);
  await writeFileAtomic(join(runDir.path, 'receptive_fields.png'), png);
  await saveDiehlCookCheckpoint(join(runDir.path, 'network.nptb'), {
    trainDone: cfg.task.trainImages,
    presentations: result.presentations.train,
    network: network.state(),
  });
  runDir.appendMetric({ phase: 'test', testAccuracy: result.testAccuracy });
  return {
    kind: 'diehl-cook',
    name: cfg.name,
    seed: cfg.seed,
    dataset: ds.name,
    datasetSource: ds.source,
    receptiveFields: 'receptive_fields.png',
    ...result,
  };
}
