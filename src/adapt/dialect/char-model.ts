import {
  Dense,
  ReLU,
  Sequential,
  ensureTensor,
  softmaxCrossEntropy,
  tensor,
  type Tensor,
} from '../../engine/index.js';
import { Adam } from '../../optim/index.js';
import { Rng } from '../../util/rng.js';

/** Symbols: 0 is the word's start (as input) or its end (as target); 1..26 are the letters a..z. */
export const SYMBOLS = 27;
const LETTER_A = 'a'.charCodeAt(0);

/**
 * Every next-character prediction of a list of words: for each position of each word (and the end after its last
 * letter), the `contextChars` symbols before it (start-padded) and the symbol to predict.
 */
export interface EncodedWords {
  contextChars: number;
  count: number;
  /** [count, contextChars] symbol ids. */
  contexts: Uint8Array;
  targets: Int32Array;
  /** The word each prediction belongs to (index into the encoded list). */
  wordOf: Int32Array;
  words: number;
}

export function encodeWords(words: readonly string[], contextChars: number): EncodedWords {
  const count = words.reduce((n, w) => n + w.length + 1, 0);
  const contexts = new Uint8Array(count * contextChars);
  const targets = new Int32Array(count);
  const wordOf = new Int32Array(count);
  let at = 0;
  words.forEach((w, wi) => {
    const ids = Array.from(w, (c) => c.charCodeAt(0) - LETTER_A + 1);
    for (let pos = 0; pos <= ids.length; pos++) {
      for (let k = 0; k < contextChars; k++) {
        const src = pos - contextChars + k;
        contexts[at * contextChars + k] = src >= 0 ? ids[src] : 0;
      }
      targets[at] = pos < ids.length ? ids[pos] : 0;
      wordOf[at] = wi;
      at++;
    }
  });
  return { contextChars, count, contexts, targets, wordOf, words: words.length };
}

export interface CharModelOptions {
  contextChars: number;
  hiddenUnits: number;
}

/**
 * A character-level next-character predictor (Bengio et al. 2003's window model on one-hot characters): the last
 * `contextChars` characters, one-hot, through one ReLU layer to a softmax over the 27 symbols. Optional fast
 * weights add `h A` to the logits (Ba et al. 2016's fast weights, here on the readout: a second, quickly changing
 * and decaying matrix beside the slow one).
 */
export class CharPredictor {
  readonly body: Sequential;
  readonly head: Sequential;
  readonly inputs: number;
  /** [hiddenUnits, SYMBOLS], the same layout as the readout's weight. */
  readonly fast: Float32Array;
  /** Whether the fast weights may be non-zero (the forward pass skips them until then). */
  fastInUse = false;
  /** d(loss)/d(logits) of the last gradient step, kept so that steps do not allocate it. */
  lossGradient: Tensor | null = null;
  private input: Tensor | null = null;

  constructor(
    readonly options: CharModelOptions,
    seed: number,
  ) {
    this.inputs = options.contextChars * SYMBOLS;
    this.body = new Sequential(
      [new Dense('hidden', this.inputs, options.hiddenUnits), new ReLU('hidden_relu')],
      [this.inputs],
    );
    this.head = new Sequential([new Dense('readout', options.hiddenUnits, SYMBOLS)], [options.hiddenUnits]);
    this.head.needsInputGradient = true;
    const rng = new Rng(seed, 11);
    this.body.init(rng);
    this.head.init(rng);
    this.fast = new Float32Array(options.hiddenUnits * SYMBOLS);
  }

  params() {
    return [...this.body.params(), ...this.head.params()];
  }

  /** Copies another predictor's slow weights and fast weights into this one. */
  copyFrom(other: CharPredictor): this {
    const mine = this.params();
    other.params().forEach((p, i) => mine[i].value.set(p.value));
    this.fast.set(other.fast);
    this.fastInUse = other.fastInUse;
    return this;
  }

  /** Forward on predictions [from, to) of `set`: the hidden activity and the logits (fast weights included). */
  forward(set: EncodedWords, from: number, to: number): { hidden: Tensor; logits: Tensor } {
    const rows = to - from;
    if (!this.input || this.input.shape[0] !== rows) this.input = tensor([rows, this.inputs]);
    const x = this.input.data;
    x.fill(0);
    const k = set.contextChars;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < k; c++) x[r * this.inputs + c * SYMBOLS + set.contexts[(from + r) * k + c]] = 1;
    const hidden = this.body.forward(this.input, true);
    const logits = this.head.forward(hidden, true);
    if (!this.fastInUse) return { hidden, logits };
    const h = hidden.data;
    const H = this.options.hiddenUnits;
    const z = logits.data;
    for (let r = 0; r < rows; r++)
      for (let u = 0; u < H; u++) {
        const a = h[r * H + u];
        if (a === 0) continue;
        const off = u * SYMBOLS;
        for (let s = 0; s < SYMBOLS; s++) z[r * SYMBOLS + s] += a * this.fast[off + s];
      }
    return { hidden, logits };
  }

  /** Bits per character of every prediction of `set` (no learning). */
  bitsPerChar(set: EncodedWords, batch = 512): number {
    let bits = 0;
    for (let from = 0; from < set.count; from += batch) {
      const to = Math.min(set.count, from + batch);
      const { logits } = this.forward(set, from, to);
      bits += surprisalBits(logits, set.targets, from).reduce((a, b) => a + b, 0);
    }
    return bits / set.count;
  }
}

/** -log2 p(target) per row of the logits (targets read from `targets[offset + row]`). */
export function surprisalBits(logits: Tensor, targets: Int32Array, offset: number): number[] {
  const [rows, n] = logits.shape;
  const z = logits.data;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let s = 0; s < n; s++) max = Math.max(max, z[r * n + s]);
    let sum = 0;
    for (let s = 0; s < n; s++) sum += Math.exp(z[r * n + s] - max);
    out.push((Math.log(sum) + max - z[r * n + targets[offset + r]]) / Math.LN2);
  }
  return out;
}

/** Softmax probabilities of each row, in place of a copy. */
export function softmaxRows(logits: Tensor): Float32Array {
  const [rows, n] = logits.shape;
  const p = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let s = 0; s < n; s++) max = Math.max(max, logits.data[r * n + s]);
    let sum = 0;
    for (let s = 0; s < n; s++) sum += p[r * n + s] = Math.exp(logits.data[r * n + s] - max);
    for (let s = 0; s < n; s++) p[r * n + s] /= sum;
  }
  return p;
}

/** One gradient step of the slow weights on predictions [from, to) of `set` (mean cross-entropy). */
export function gradientStep(
  model: CharPredictor,
  optimizer: Adam,
  set: EncodedWords,
  from: number,
  to: number,
) {
  const { logits } = model.forward(set, from, to);
  const grad = (model.lossGradient = ensureTensor(model.lossGradient, [...logits.shape]));
  const { loss } = softmaxCrossEntropy(logits, set.targets.subarray(from, to), grad.data);
  model.body.zeroGrad();
  model.head.zeroGrad();
  const dh = model.head.backward(grad);
  model.body.backward(dh);
  optimizer.step(model.params());
  return loss;
}

/** Trains the slow weights on every prediction of `set`, `epochs` passes in a seeded random order. */
export function pretrain(
  model: CharPredictor,
  set: EncodedWords,
  opts: { epochs: number; batchSize: number; learningRate: number; seed: number },
): { losses: number[] } {
  const optimizer = new Adam({ lr: opts.learningRate });
  const rng = new Rng(opts.seed, 12);
  const order = new Uint32Array(set.count);
  const shuffled: EncodedWords = {
    ...set,
    contexts: new Uint8Array(set.contexts.length),
    targets: new Int32Array(set.count),
  };
  const losses: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    order.set(rng.permutation(set.count));
    const k = set.contextChars;
    order.forEach((src, i) => {
      shuffled.contexts.set(set.contexts.subarray(src * k, src * k + k), i * k);
      shuffled.targets[i] = set.targets[src];
    });
    let sum = 0;
    let batches = 0;
    for (let from = 0; from < set.count; from += opts.batchSize) {
      sum += gradientStep(model, optimizer, shuffled, from, Math.min(set.count, from + opts.batchSize));
      batches++;
    }
    losses.push(sum / batches);
  }
  return { losses };
}
