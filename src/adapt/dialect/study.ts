import { Adam } from '../../optim/index.js';
import { Rng } from '../../util/rng.js';
import {
  CharPredictor,
  SYMBOLS,
  encodeWords,
  gradientStep,
  pretrain,
  softmaxRows,
  surprisalBits,
} from './char-model.js';

/** How each model meets the second dialect. */
export const DIALECT_METHODS = ['frozen', 'finetune', 'fast-weights', 'neuromodulated'] as const;
export type DialectMethod = (typeof DIALECT_METHODS)[number];

export interface DialectOptions {
  contextChars: number;
  hiddenUnits: number;
  /** Fraction of each of the three word sets (first only, second only, shared) held out for evaluation. */
  heldOutFraction: number;
  /** At most this many held-out shared words are evaluated. */
  sharedTestWords: number;
  pretrain: { epochs: number; batchSize: number; learningRate: number; maxWords: number | null };
  stream: { wordsPerBatch: number; maxWords: number | null; evalPoints: number };
  finetune: { learningRate: number };
  /** The readout's fast weights: A <- decay A + rate (y - p) h^T per batch (mean over its characters). */
  fastWeights: { learningRate: number; decay: number };
  /**
   * Surprise-gated plasticity: each character's surprisal (bits) against the running mean and spread of recent ones
   * scales the fast weights' rate for that character by a noradrenaline-like factor 1 + max(0, min(z, maxFactor)),
   * divided by the factor's running mean (so the mean rate stays `learningRate`).
   */
  neuromodulation: { learningRate: number; statsRate: number; maxFactor: number };
}

export const DEFAULT_DIALECT_OPTIONS: DialectOptions = {
  contextChars: 6,
  hiddenUnits: 256,
  heldOutFraction: 0.2,
  sharedTestWords: 1000,
  pretrain: { epochs: 3, batchSize: 128, learningRate: 1e-3, maxWords: null },
  stream: { wordsPerBatch: 16, maxWords: null, evalPoints: 20 },
  finetune: { learningRate: 1e-3 },
  fastWeights: { learningRate: 0.05, decay: 0.999 },
  neuromodulation: { learningRate: 0.05, statsRate: 0.01, maxFactor: 4 },
};

/** The word sets of one seed: what each phase trains on, and the held-out words it is measured on. */
export interface DialectSplit {
  firstTrain: string[];
  secondTrain: string[];
  test: { firstOnly: string[]; secondOnly: string[]; shared: string[] };
  counts: { firstOnly: number; secondOnly: number; shared: number };
}

export function splitDialects(
  first: readonly string[],
  second: readonly string[],
  o: DialectOptions,
  seed: number,
): DialectSplit {
  const rng = new Rng(seed, 13);
  const inSecond = new Set(second);
  const inFirst = new Set(first);
  const firstOnly = first.filter((w) => !inSecond.has(w));
  const secondOnly = second.filter((w) => !inFirst.has(w));
  const shared = first.filter((w) => inSecond.has(w));
  const hold = (words: string[], cap = Infinity) => {
    const order = rng.permutation(words.length);
    const n = Math.min(cap, Math.round(words.length * o.heldOutFraction));
    const picked = Array.from(order, (i) => words[i]);
    return { test: picked.slice(0, n), train: picked.slice(n) };
  };
  const f = hold(firstOnly);
  const s = hold(secondOnly);
  const sh = hold(shared, o.sharedTestWords);
  const mix = (a: string[], b: string[]) => {
    const all = [...a, ...b];
    return Array.from(rng.permutation(all.length), (i) => all[i]);
  };
  return {
    firstTrain: mix(sh.train, f.train),
    secondTrain: mix(sh.train, s.train),
    test: { firstOnly: f.test, secondOnly: s.test, shared: sh.test },
    counts: { firstOnly: firstOnly.length, secondOnly: secondOnly.length, shared: shared.length },
  };
}

/** Bits per character on each held-out set at one point of the stream. */
export interface DialectPoint {
  /** Words of the second dialect streamed so far. */
  words: number;
  firstOnly: number;
  secondOnly: number;
  shared: number;
  /** Bits per character on the stream itself since the previous point, predicted before learning (prequential). */
  stream: number | null;
  /** Neuromodulated only: the mean gate on second-only and on shared words since the previous point. */
  gateSecondOnly?: number | null;
  gateShared?: number | null;
}

export interface DialectMethodResult {
  curve: DialectPoint[];
  /** Over the whole stream, predicted before learning. */
  streamBitsPerChar: number;
}

export interface DialectSeedResult {
  seed: number;
  words: {
    firstTrain: number;
    secondStream: number;
    test: { firstOnly: number; secondOnly: number; shared: number };
  };
  pretrainLoss: number[];
  methods: Record<string, DialectMethodResult>;
  seconds: number;
}

class RunningStats {
  mean: number;
  variance: number;
  constructor(
    values: number[],
    readonly rate: number,
  ) {
    this.mean = values.reduce((a, b) => a + b, 0) / values.length;
    this.variance = values.reduce((a, b) => a + (b - this.mean) ** 2, 0) / values.length;
  }
  z(x: number) {
    return (x - this.mean) / Math.sqrt(this.variance + 1e-12);
  }
  observe(x: number) {
    const d = x - this.mean;
    this.mean += this.rate * d;
    this.variance = (1 - this.rate) * (this.variance + this.rate * d * d);
  }
}

/** A <- decay A + rate/rows sum_r gate_r h_r (y_r - p_r)^T: the local rule of the readout's fast weights. */
function fastWeightUpdate(
  model: CharPredictor,
  hidden: Float32Array,
  probs: Float32Array,
  targets: Int32Array,
  gates: Float32Array,
  rate: number,
  decay: number,
) {
  const H = model.options.hiddenUnits;
  const rows = gates.length;
  const A = model.fast;
  for (let i = 0; i < A.length; i++) A[i] *= decay;
  const scale = rate / rows;
  const err = new Float32Array(SYMBOLS);
  for (let r = 0; r < rows; r++) {
    const g = gates[r] * scale;
    if (g === 0) continue;
    for (let s = 0; s < SYMBOLS; s++) err[s] = (s === targets[r] ? 1 : 0) - probs[r * SYMBOLS + s];
    for (let u = 0; u < H; u++) {
      const a = hidden[r * H + u] * g;
      if (a === 0) continue;
      const off = u * SYMBOLS;
      for (let s = 0; s < SYMBOLS; s++) A[off + s] += a * err[s];
    }
  }
  model.fastInUse = true;
}

/**
 * One seed: a predictor learns the first dialect's words, then each method meets the second dialect's words as a
 * stream (every batch predicted before any learning on it), measured on held-out words of each kind as it goes.
 */
export function runDialectSeed(
  first: readonly string[],
  second: readonly string[],
  o: DialectOptions,
  seed: number,
  methods: readonly DialectMethod[] = DIALECT_METHODS,
): DialectSeedResult {
  const t0 = performance.now();
  const split = splitDialects(first, second, o, seed);
  const firstTrain = o.pretrain.maxWords ? split.firstTrain.slice(0, o.pretrain.maxWords) : split.firstTrain;
  const streamWords = o.stream.maxWords ? split.secondTrain.slice(0, o.stream.maxWords) : split.secondTrain;
  const k = o.contextChars;
  const base = new CharPredictor({ contextChars: k, hiddenUnits: o.hiddenUnits }, seed);
  const { losses } = pretrain(base, encodeWords(firstTrain, k), { ...o.pretrain, seed });
  const tests = {
    firstOnly: encodeWords(split.test.firstOnly, k),
    secondOnly: encodeWords(split.test.secondOnly, k),
    shared: encodeWords(split.test.shared, k),
  };
  const stream = encodeWords(streamWords, k);
  const firstSet = new Set(first);
  const secondOnly = new Set(second.filter((w) => !firstSet.has(w)));
  const isSecondOnly = streamWords.map((w) => secondOnly.has(w));
  const wordStart = new Int32Array(streamWords.length + 1);
  streamWords.forEach((w, i) => (wordStart[i + 1] = wordStart[i] + w.length + 1));
  // The expected surprisal and its spread, from words of the first dialect the predictor has learnt.
  const calibration = encodeWords(firstTrain.slice(-1000), k);
  const calibrationBits = surprisalBits(
    base.forward(calibration, 0, calibration.count).logits,
    calibration.targets,
    0,
  );
  const batches = Math.ceil(streamWords.length / o.stream.wordsPerBatch);
  const evalAt = new Set(
    Array.from({ length: o.stream.evalPoints }, (_, i) =>
      Math.round(((i + 1) * batches) / o.stream.evalPoints),
    ),
  );
  const measure = (m: CharPredictor) => ({
    firstOnly: m.bitsPerChar(tests.firstOnly),
    secondOnly: m.bitsPerChar(tests.secondOnly),
    shared: m.bitsPerChar(tests.shared),
  });
  const start = measure(base);
  const results: Record<string, DialectMethodResult> = {};
  for (const method of methods) {
    const model = new CharPredictor(base.options, seed).copyFrom(base);
    const optimizer = method === 'finetune' ? new Adam({ lr: o.finetune.learningRate }) : null;
    const stats = new RunningStats(calibrationBits, o.neuromodulation.statsRate);
    const surpriseFactor = (z: number) => 1 + Math.max(0, Math.min(z, o.neuromodulation.maxFactor));
    // The factor is divided by its running mean, so the surprise moves plasticity to surprising characters and
    // times without raising the fast weights' mean rate over fast-weights' (a fair comparison of the two).
    let meanFactor =
      calibrationBits.reduce((a, x) => a + surpriseFactor(stats.z(x)), 0) / calibrationBits.length;
    const curve: DialectPoint[] = [{ words: 0, ...start, stream: null }];
    let windowBits = 0;
    let windowChars = 0;
    let totalBits = 0;
    const gateSums = { secondOnly: [0, 0], shared: [0, 0] };
    for (let b = 0; b < batches; b++) {
      const w0 = b * o.stream.wordsPerBatch;
      const w1 = Math.min(streamWords.length, w0 + o.stream.wordsPerBatch);
      const from = wordStart[w0];
      const to = wordStart[w1];
      const { hidden, logits } = model.forward(stream, from, to);
      const bits = surprisalBits(logits, stream.targets, from);
      const sum = bits.reduce((a, x) => a + x, 0);
      windowBits += sum;
      windowChars += bits.length;
      totalBits += sum;
      if (method === 'finetune') gradientStep(model, optimizer!, stream, from, to);
      else if (method === 'fast-weights' || method === 'neuromodulated') {
        const gates = new Float32Array(to - from).fill(1);
        let rate = o.fastWeights.learningRate;
        if (method === 'neuromodulated') {
          rate = o.neuromodulation.learningRate;
          bits.forEach((x, r) => {
            const factor = surpriseFactor(stats.z(x));
            stats.observe(x);
            meanFactor += o.neuromodulation.statsRate * (factor - meanFactor);
            const gate = factor / meanFactor;
            gates[r] = gate;
            const acc = isSecondOnly[stream.wordOf[from + r]] ? gateSums.secondOnly : gateSums.shared;
            acc[0] += gate;
            acc[1]++;
          });
        }
        fastWeightUpdate(
          model,
          hidden.data,
          softmaxRows(logits),
          stream.targets.subarray(from, to),
          gates,
          rate,
          o.fastWeights.decay,
        );
      }
      if (evalAt.has(b + 1)) {
        const gate = (acc: number[]) => (acc[1] ? acc[0] / acc[1] : null);
        curve.push({
          words: w1,
          ...measure(model),
          stream: windowChars ? windowBits / windowChars : null,
          ...(method === 'neuromodulated'
            ? { gateSecondOnly: gate(gateSums.secondOnly), gateShared: gate(gateSums.shared) }
            : {}),
        });
        windowBits = windowChars = 0;
        gateSums.secondOnly = [0, 0];
        gateSums.shared = [0, 0];
      }
    }
    results[method] = { curve, streamBitsPerChar: totalBits / stream.count };
  }
  return {
    seed,
    words: {
      firstTrain: firstTrain.length,
      secondStream: streamWords.length,
      test: {
        firstOnly: tests.firstOnly.words,
        secondOnly: tests.secondOnly.words,
        shared: tests.shared.words,
      },
    },
    pretrainLoss: losses,
    methods: results,
    seconds: (performance.now() - t0) / 1000,
  };
}
