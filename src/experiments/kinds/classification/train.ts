import {
  loadDataset,
  stratifiedSubset,
  trainValidationSplit,
  gatherBatch,
  channelStats,
  type ImageSplit,
  type LabeledImageDataset,
} from '../../../data/index.js';
import {
  buildModel,
  loadModel,
  modelState,
  saveModel,
  softmaxCrossEntropy,
  type Sequential,
  type Tensor,
} from '../../../engine/index.js';
import { createOptimizer, type Optimizer } from '../../../optim/index.js';
import { Rng, type RngState } from '../../../util/rng.js';
import { NeuroplastError } from '../../../util/errors.js';
import { Progress } from '../../../util/progress.js';
import { checkCheckpointConfig, type TaskRunContext } from '../../task-kind.js';
import { loadCheckpoint, saveCheckpoint } from '../../checkpoint.js';
import {
  DivergenceGuard,
  learningRateSchedule,
  SupervisedTrainer,
  type DivergenceState,
} from '../../training.js';
import { existsSync } from 'node:fs';
import type { ClassificationConfig } from './config.js';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  evalSplit: 'validation' | 'test';
  evalLoss: number;
  evalAccuracy: number;
}

export interface ClassificationSummary {
  kind: 'classification';
  name: string;
  seed: number;
  dataset: string;
  datasetSource: string;
  datasetNotes: string[];
  model: ClassificationConfig['model'];
  parameters: number;
  optimizer: string;
  trainSamples: number;
  validationSamples: number;
  testSamples: number;
  epochs: number;
  steps: number;
  history: EpochRecord[];
  testLoss: number;
  testAccuracy: number;
  /** Present when early stopping is configured: the epoch whose weights were kept, and whether it stopped early. */
  earlyStopping?: {
    bestEpoch: number;
    bestEvalLoss: number;
    stoppedAfterEpoch: number | null;
    restoredBest: boolean;
  };
}

interface LoopState {
  epoch: number;
  batchInEpoch: number;
  step: number;
  lossSum: number;
  correct: number;
  seen: number;
  history: EpochRecord[];
  metricsLines: number;
  trainRng: RngState;
  /** Early stopping: best evaluation loss so far, its epoch (1-based), and whether patience ran out. */
  best?: { loss: number; epoch: number; stopped: boolean };
  /** The divergence guard's windows (absent in checkpoints written before it existed). */
  divergence?: DivergenceState;
}

/** Evaluates mean loss and accuracy of `model` over `indices` of `split`. */
export function evaluate(
  model: Sequential,
  ds: LabeledImageDataset,
  split: ImageSplit,
  indices: ArrayLike<number>,
  batchSize: number,
  norm?: { mean: number[]; std: number[] },
): { loss: number; accuracy: number } {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  let lossSum = 0;
  let correct = 0;
  const x = new Float32Array(batchSize * per);
  const y = new Int32Array(batchSize);
  for (let from = 0; from < indices.length; from += batchSize) {
    const to = Math.min(indices.length, from + batchSize);
    const b = to - from;
    gatherBatch(split, ds.shape, indices, from, to, x, y, norm);
    const xb: Tensor = { shape: [b, ...ds.shape], data: b === batchSize ? x : x.subarray(0, b * per) };
    const out = model.forward(xb, false);
    const r = softmaxCrossEntropy(out, b === batchSize ? y : y.subarray(0, b));
    lossSum += r.loss * b;
    correct += r.correct;
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}

function allIndices(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

/** Trains a classifier as the experiment says, logging into the run directory; resumable from checkpoints. */
export async function runClassification(
  cfg: ClassificationConfig,
  opts: TaskRunContext,
): Promise<ClassificationSummary> {
  const { runDir } = opts;
  const ds = await loadDataset(cfg.task.dataset);
  const numClasses = ds.classes.length;
  const base =
    cfg.task.trainFraction < 1
      ? stratifiedSubset(ds.train.labels, numClasses, cfg.task.trainFraction, cfg.seed)
      : allIndices(ds.train.count);
  const { train: trainIdx, validation: valIdx } =
    cfg.task.validationFraction > 0
      ? trainValidationSplit(ds.train.labels, numClasses, cfg.task.validationFraction, cfg.seed, base)
      : { train: base, validation: new Uint32Array(0) };
  const testIdx = allIndices(ds.test.count);
  const norm = cfg.task.normalize === 'standardize' ? channelStats(ds.train, ds.shape, trainIdx) : undefined;

  const model = buildModel(cfg.model, ds.shape, numClasses).init(new Rng(cfg.seed, 1));
  const optimizer: Optimizer = createOptimizer(cfg.learner.optimizer);
  const { batchSize, epochs, evalBatchSize } = cfg.learner;
  const batchesPerEpoch = Math.ceil(trainIdx.length / batchSize);

  let state: LoopState = {
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    lossSum: 0,
    correct: 0,
    seen: 0,
    history: [],
    metricsLines: 0,
    trainRng: new Rng(cfg.seed, 2).getState(),
  };
  if (opts.resume) {
    state = (await loadCheckpoint(runDir.checkpointPath, model, optimizer, (recorded) =>
      checkCheckpointConfig(runDir.checkpointPath, recorded, opts),
    )) as unknown as LoopState;
    let n = 0;
    await runDir.trimMetrics(() => n++ < state.metricsLines);
  }
  const trainRng = Rng.fromState(state.trainRng);
  let metricsLines = state.metricsLines;
  const log = (r: Record<string, unknown>) => {
    runDir.appendMetric(r);
    metricsLines++;
  };
  /** Where to go back to after a divergence: the last checkpoint, named only if one was written. */
  const lastGood = () =>
    (existsSync(runDir.checkpointPath)
      ? `the last good checkpoint is kept at ${runDir.checkpointPath}`
      : 'no checkpoint was written before it') + ' (try a smaller learning rate)';
  /** Saves where the loop resumes: `resumeAt` is the position of the next batch to train on. */
  const checkpoint = async (resumeAt: { epoch: number; batchInEpoch: number }) => {
    // Never overwrite a good checkpoint with non-finite weights.
    for (const p of model.params()) {
      if (!p.value.every(Number.isFinite))
        throw new NeuroplastError(
          `training diverged: parameter ${p.name} is not finite after step ${state.step}; ${lastGood()}`,
        );
    }
    const s: LoopState = { ...state, ...resumeAt, metricsLines, trainRng: trainRng.getState() };
    await saveCheckpoint(
      runDir.checkpointPath,
      model,
      optimizer,
      s as unknown as Record<string, unknown>,
      opts.configSha256,
    );
    opts.onCheckpoint?.(state.step);
  };

  const trainer = new SupervisedTrainer(model, optimizer, {
    shape: ds.shape,
    numClasses,
    batchSize,
    norm,
    clipGradNorm: cfg.learner.clipGradNorm,
    schedule: learningRateSchedule(
      cfg.learner.schedule,
      cfg.learner.optimizer.lr,
      batchesPerEpoch,
      batchesPerEpoch * epochs,
    ),
    onNonFiniteLoss: (loss, step) => {
      throw new NeuroplastError(
        `training diverged: loss is ${loss} at epoch ${state.epoch + 1}, step ${step + 1}; ${lastGood()}`,
      );
    },
  });
  const divergence = new DivergenceGuard(
    cfg.learner.divergence?.windowSteps,
    cfg.learner.divergence?.factor,
    state.divergence,
  );
  state.divergence = divergence.state;

  const stopping = cfg.learner.earlyStopping;
  const bestPath = `${runDir.path}/checkpoints/best.nptb`;

  for (; state.epoch < epochs && !state.best?.stopped; state.epoch++) {
    // The epoch's order depends only on seed and epoch, so a resumed run replays it exactly.
    const order = new Rng(cfg.seed, 1000 + state.epoch).permutation(trainIdx.length);
    const epochIdx = Uint32Array.from(order, (o) => trainIdx[o]);
    const progress = new Progress({
      label: `epoch ${state.epoch + 1}/${epochs}`,
      total: batchesPerEpoch,
      quiet: opts.quiet,
    });
    for (; state.batchInEpoch < batchesPerEpoch; state.batchInEpoch++) {
      const from = state.batchInEpoch * batchSize;
      const r = trainer.step(ds.train, epochIdx, from, Math.min(epochIdx.length, from + batchSize), {
        step: state.step,
        epoch: state.epoch + state.batchInEpoch / batchesPerEpoch,
        diagnostics: (state.step + 1) % cfg.log.everySteps === 0,
      });
      const exploded = divergence.observe(r.loss);
      if (exploded)
        throw new NeuroplastError(
          `training diverged: mean loss ${exploded.mean.toPrecision(3)} over the ${divergence.windowSteps} steps to ` +
            `step ${state.step + 1} is over ${divergence.factor}x its starting loss ${exploded.reference.toPrecision(3)} ` +
            `(learner.divergence); ${lastGood()}`,
        );
      state.step++;
      state.lossSum += r.loss * r.size;
      state.correct += r.correct;
      state.seen += r.size;
      if (state.step % cfg.log.everySteps === 0) {
        log({
          type: 'train',
          epoch: state.epoch + 1,
          step: state.step,
          loss: r.loss,
          accuracy: r.correct / r.size,
          lr: optimizer.lr,
        });
        const diagnostics = (optimizer as { lastDiagnostics?: unknown }).lastDiagnostics;
        if (diagnostics) log({ type: 'optimizer', epoch: state.epoch + 1, ...diagnostics });
      }
      progress.update(state.batchInEpoch + 1, `loss ${(state.lossSum / state.seen).toFixed(4)}`);
      if (
        cfg.checkpoint.everySteps > 0 &&
        state.step % cfg.checkpoint.everySteps === 0 &&
        state.batchInEpoch + 1 < batchesPerEpoch
      ) {
        await checkpoint({ epoch: state.epoch, batchInEpoch: state.batchInEpoch + 1 });
      }
    }
    const useVal = valIdx.length > 0;
    const ev = evaluate(
      model,
      ds,
      useVal ? ds.train : ds.test,
      useVal ? valIdx : testIdx,
      evalBatchSize,
      norm,
    );
    const rec: EpochRecord = {
      epoch: state.epoch + 1,
      trainLoss: state.lossSum / state.seen,
      trainAccuracy: state.correct / state.seen,
      evalSplit: useVal ? 'validation' : 'test',
      evalLoss: ev.loss,
      evalAccuracy: ev.accuracy,
    };
    state.history.push(rec);
    log({ type: 'epoch', step: state.step, ...rec });
    progress.finish(
      `loss ${rec.trainLoss.toFixed(4)} ${rec.evalSplit} acc ${(100 * rec.evalAccuracy).toFixed(2)}%`,
    );
    state.batchInEpoch = 0;
    state.lossSum = 0;
    state.correct = 0;
    state.seen = 0;
    if (stopping) {
      const best = state.best;
      if (!best || rec.evalLoss < best.loss - stopping.minDelta) {
        state.best = { loss: rec.evalLoss, epoch: rec.epoch, stopped: false };
        if (stopping.restoreBest) await saveModel(bestPath, model, { epoch: rec.epoch });
      } else if (rec.epoch - best.epoch >= stopping.patience) {
        best.stopped = true;
        log({
          type: 'early-stop',
          step: state.step,
          epoch: rec.epoch,
          bestEpoch: best.epoch,
          bestEvalLoss: best.loss,
        });
      }
    }
    await checkpoint({ epoch: state.epoch + 1, batchInEpoch: 0 });
  }

  const restoreBest = !!stopping?.restoreBest && !!state.best && state.best.epoch !== state.history.length;
  if (restoreBest) {
    // Keep the best epoch's weights and statistics, not the last ones.
    const { model: best } = await loadModel(bestPath);
    const saved = new Map(modelState(best).map((t) => [t.name, t.value]));
    for (const t of modelState(model)) t.value.set(saved.get(t.name)!);
  }

  // Without a validation split the last epoch already evaluated these very weights on the test set.
  const last = state.history.at(-1);
  const test =
    !restoreBest && last?.evalSplit === 'test'
      ? { loss: last.evalLoss, accuracy: last.evalAccuracy }
      : evaluate(model, ds, ds.test, testIdx, evalBatchSize, norm);
  await saveModel(`${runDir.path}/model.nptb`, model, { experiment: cfg.name, normalization: norm ?? null });
  return {
    kind: 'classification',
    name: cfg.name,
    seed: cfg.seed,
    dataset: ds.name,
    datasetSource: ds.source,
    datasetNotes: ds.notes,
    model: cfg.model,
    parameters: model.parameterCount(),
    optimizer: optimizer.kind,
    trainSamples: trainIdx.length,
    validationSamples: valIdx.length,
    testSamples: testIdx.length,
    epochs,
    steps: state.step,
    history: state.history,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    ...(stopping && state.best
      ? {
          earlyStopping: {
            bestEpoch: state.best.epoch,
            bestEvalLoss: state.best.loss,
            stoppedAfterEpoch: state.best.stopped ? state.history.length : null,
            restoredBest: stopping.restoreBest,
          },
        }
      : {}),
  };
}
