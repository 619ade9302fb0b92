import { mlp, type Sequential } from '../engine/index.js';
import { Adam } from '../optim/index.js';
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { ContinualBenchmark, Part } from './benchmark.js';
import { scenarioHeads, type Heads, type Scenario } from './contexts.js';
import { argmaxIn, termsLoss, type LossTerm, type TrainingBatch } from './loss.js';
import type {
  ContextSamples,
  ContinualLearner as LearnerApi,
  ContinualStrategy,
  ProtocolOptions,
} from './strategy.js';

/** What one run measured. */
export interface ProtocolResult {
  scenario: Scenario;
  /** 'multi-head' (task-IL: the context's outputs) or 'single-head' (one shared head). */
  head: 'multi-head' | 'single-head';
  /** accuracy[i][j]: accuracy on context j after training context i. */
  accuracy: number[][];
  /** Each context's accuracy before any training (the FWT baseline). */
  randomInit: number[];
  /** Mean training loss of each context's last 100 steps. */
  finalLoss: number[];
  steps: number;
}

const reject = (where: string, expected: string, found: unknown) =>
  new ConfigError(where, `expected ${expected}, found ${JSON.stringify(found)}`);

/**
 * Trains one network through a benchmark's contexts under a scenario, with a strategy's hooks around each context and
 * step, and measures the accuracy matrix. Contexts are numbered 0..T-1; `context` is the one being trained.
 */
export class ContinualLearner implements LearnerApi {
  readonly heads: Heads;
  readonly model: Sequential;
  readonly optimizer: Adam;
  /** Draws the training batches (and anything a strategy samples). */
  readonly rng: Rng;
  context = -1;
  /** Steps taken in the current context. */
  step = 0;
  private readonly lastLosses: number[] = [];
  private grad = new Float32Array(0);
  /** The current batch's buffers, reused every step (a batch is valid until the next step). */
  private readonly scratch = {
    x: new Float32Array(0),
    y: new Int32Array(0),
    from: new Int32Array(0),
    to: new Int32Array(0),
    idx: new Uint32Array(0),
  };

  constructor(
    readonly benchmark: ContinualBenchmark,
    readonly options: ProtocolOptions,
    public strategy: ContinualStrategy,
  ) {
    const { hidden, lr, iterationsPerContext, batchSize, seed } = options;
    if (!hidden.every((h) => Number.isInteger(h) && h > 0))
      throw reject('hidden', 'positive integers', hidden);
    if (!(Number.isInteger(iterationsPerContext) && iterationsPerContext >= 1))
      throw reject('iterationsPerContext', 'a positive integer', iterationsPerContext);
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw reject('batchSize', 'a positive integer', batchSize);
    this.heads = scenarioHeads(benchmark.split, options.scenario);
    this.model = this.buildModel().init(new Rng(seed, 51));
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    this.optimizer = new Adam({ lr, beta1, beta2 });
    this.rng = new Rng(seed, 53);
  }

  /** A fresh network of the run's architecture (uninitialised): for teachers and frozen copies. */
  buildModel(): Sequential {
    return mlp([this.benchmark.inputSize], [...this.options.hidden], this.heads.outputs, 0);
  }

  /**
   * A frozen copy of the network as it is now (LwF's and generative replay's teacher), written into `into` (a
   * network of this run's architecture) when given, so a copy taken again and again reuses its memory.
   */
  snapshot(into?: Sequential): Sequential {
    const copy = into ?? this.buildModel();
    const from = this.model.params();
    copy.params().forEach((p, i) => p.value.set(from[i].value));
    return copy;
  }

  get outputs(): number {
    return this.heads.outputs;
  }

  /**
   * The outputs a sample of context `of` is trained on while training context `during`: the context's own head
   * (task-IL), the shared head (domain-IL) or every class seen so far (class-IL).
   */
  trainingRange(of: number, during = this.context): [number, number] {
    return this.heads.scenario === 'class' ? this.heads.range(during) : this.heads.range(of);
  }

  /** Reads samples of context `k` into rows of x with their target outputs in y. */
  gather(
    k: number,
    part: Part,
    idx: ArrayLike<number>,
    from: number,
    to: number,
    x: Float32Array,
    y: Int32Array,
  ) {
    this.benchmark.contexts[k].gather(part, idx, from, to, x, y);
    for (let r = 0; r < to - from; r++) y[r] = this.heads.target(k, y[r]);
  }

  /**
   * A batch of context k's training samples, drawn with replacement, trained toward their targets. Its arrays are
   * reused by the next call.
   */
  contextBatch(k: number, rows = this.options.batchSize): TrainingBatch {
    const ctx = this.benchmark.contexts[k];
    const s = this.scratch;
    if (s.y.length !== rows) {
      s.x = new Float32Array(rows * this.benchmark.inputSize);
      s.y = new Int32Array(rows);
      s.from = new Int32Array(rows);
      s.to = new Int32Array(rows);
      s.idx = new Uint32Array(rows);
    }
    const idx = s.idx;
    for (let r = 0; r < rows; r++) idx[r] = this.rng.int(ctx.trainCount);
    this.gather(k, 'train', idx, 0, rows, s.x, s.y);
    const [from, to] = this.trainingRange(k);
    s.from.fill(from);
    s.to.fill(to);
    return { x: s.x, rows, terms: [{ from: s.from, to: s.to, hard: s.y, weight: 1 }] };
  }

  /**
   * The data stream's next batch: the current context's, for a method that is not told which context that is (a
   * task-free method reads it here and never reads `context`).
   */
  nextBatch(): TrainingBatch {
    return this.contextBatch(this.context);
  }

  /**
   * Up to `count` of context k's training samples (a seeded random choice when fewer than all), with their targets
   * and the outputs they are trained on now.
   */
  samples(k: number, count = Infinity, rng = this.rng): ContextSamples {
    const n = this.benchmark.contexts[k].trainCount;
    const rows = Math.min(n, count);
    const idx =
      rows === n ? Uint32Array.from({ length: n }, (_, i) => i) : rng.permutation(n).subarray(0, rows);
    const x = new Float32Array(rows * this.benchmark.inputSize);
    const targets = new Int32Array(rows);
    this.gather(k, 'train', idx, 0, rows, x, targets);
    const [from, to] = this.trainingRange(k);
    return { x, targets, rows, from, to };
  }

  /** The logits of `model` (this network by default) for rows of x, in evaluation mode. */
  logits(x: Float32Array, rows: number, model = this.model): Float32Array {
    const out = model.forward({ shape: [rows, this.benchmark.inputSize], data: x }, false);
    return out.data.slice(0, rows * this.outputs);
  }

  /** One training step of the current context; returns the total loss (penalty included). */
  trainStep(): number {
    const k = this.context;
    const s = this.strategy;
    const current = s.sampleBatch ? s.sampleBatch(this) : this.contextBatch(k);
    const replay = s.replay ? s.replay(this, current) : null;
    const batches: TrainingBatch[] = [current];
    if (replay && ((replay.terms?.length ?? 0) > 0 || (replay.batches?.length ?? 0) > 0)) {
      const replayed = [...(replay.terms ?? []), ...(replay.batches ?? []).flatMap((b) => b.terms)];
      const total = replayed.reduce((a, t) => a + t.weight, 0);
      const share = replay.share ?? k / (k + 1);
      const scale = total > 0 ? share / total : 0;
      const ownShare = replay.share === undefined ? 1 / (k + 1) : 1 - replay.share;
      const own = current.terms.map((t) => ({ ...t, weight: t.weight * ownShare }));
      const extra = (replay.terms ?? []).map((t) => ({ ...t, weight: t.weight * scale }));
      batches[0] = { ...current, terms: [...own, ...extra] };
      for (const b of replay.batches ?? [])
        batches.push({ ...b, terms: b.terms.map((t) => ({ ...t, weight: t.weight * scale })) });
    }
    this.model.zeroGrad();
    let loss = 0;
    for (const b of batches) loss += this.backward(b);
    if (s.penalty) loss += s.penalty(this);
    this.optimizer.step(this.model.params());
    s.afterStep?.(this);
    this.step++;
    return loss;
  }

  /** Forward and backward of one batch, accumulating parameter gradients; returns its weighted loss. */
  private backward(b: TrainingBatch): number {
    const out = this.model.forward({ shape: [b.rows, this.benchmark.inputSize], data: b.x }, true);
    const n = b.rows * this.outputs;
    if (this.grad.length < n) this.grad = new Float32Array(n);
    const grad = this.grad.subarray(0, n);
    grad.fill(0);
    const loss = termsLoss(out.data, b.rows, this.outputs, b.terms, grad);
    this.model.backward({ shape: out.shape, data: grad });
    return loss;
  }

  /**
   * Accuracy on context j's test samples after training context `after`: the argmax over the context's head
   * (task-IL), the shared head (domain-IL), or every class of contexts 0..max(after, j) (class-IL: the classes
   * seen so far, and j's own when j is still to come, so forward transfer is measurable).
   */
  accuracy(j: number, after = this.context): number {
    const ctx = this.benchmark.contexts[j];
    const count = Math.min(ctx.testCount, this.options.evalSamples ?? Infinity);
    const [from, to] =
      this.heads.scenario === 'class' ? this.heads.range(Math.max(after, j)) : this.heads.range(j);
    const batch = this.options.evalBatchSize ?? 1000;
    const idx = Uint32Array.from({ length: count }, (_, i) => i);
    const x = new Float32Array(batch * this.benchmark.inputSize);
    const y = new Int32Array(batch);
    let correct = 0;
    for (let start = 0; start < count; start += batch) {
      const end = Math.min(count, start + batch);
      const rows = end - start;
      this.gather(j, 'test', idx, start, end, x, y);
      const out = this.model.forward(
        { shape: [rows, this.benchmark.inputSize], data: x.subarray(0, rows * this.benchmark.inputSize) },
        false,
      );
      for (let r = 0; r < rows; r++) if (argmaxIn(out.data, r * this.outputs, from, to) === y[r]) correct++;
    }
    return correct / count;
  }

  /** Trains context `k` (the next one) for the protocol's iterations, with the strategy's context hooks. */
  trainContext(k: number, onStep?: (step: number, loss: number) => void): number {
    if (k !== this.context + 1)
      throw new Error(`contexts are trained in order: expected ${this.context + 1}, found ${k}`);
    this.context = k;
    this.step = 0;
    this.strategy.beforeContext?.(this);
    this.lastLosses.length = 0;
    for (let i = 0; i < this.options.iterationsPerContext; i++) {
      const loss = this.trainStep();
      if (!Number.isFinite(loss))
        throw new ConfigError(
          `context ${k} step ${i + 1}`,
          `expected a finite loss, found ${loss} (the method's weight or the learning rate is too large)`,
        );
      this.lastLosses.push(loss);
      if (this.lastLosses.length > 100) this.lastLosses.shift();
      onStep?.(i + 1, loss);
    }
    this.strategy.afterContext?.(this);
    return this.lastLosses.reduce((a, b) => a + b, 0) / this.lastLosses.length;
  }

  /** The whole protocol: the untrained network's accuracies, then each context trained and every context tested. */
  run(onContext?: (k: number, row: number[]) => void): ProtocolResult {
    const t = this.benchmark.contexts.length;
    const randomInit = Array.from({ length: t }, (_, j) => this.accuracy(j, j));
    const accuracy: number[][] = [];
    const finalLoss: number[] = [];
    let steps = 0;
    for (let k = 0; k < t; k++) {
      finalLoss.push(this.trainContext(k));
      steps += this.step;
      const row = Array.from({ length: t }, (_, j) => this.accuracy(j));
      accuracy.push(row);
      onContext?.(k, row);
    }
    const scenario = this.heads.scenario;
    return {
      scenario,
      head: scenario === 'task' ? 'multi-head' : 'single-head',
      accuracy,
      randomInit,
      finalLoss,
      steps,
    };
  }
}

export type { LossTerm, ProtocolOptions };
