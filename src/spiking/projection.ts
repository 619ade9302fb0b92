import { Rng } from '../util/rng.js';
import { freemem } from 'node:os';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { requireNonNegative, requireProbability } from './params.js';

/** How presynaptic neurons connect to postsynaptic ones. */
export type Connector =
  | { kind: 'all-to-all'; allowSelf?: boolean }
  | { kind: 'one-to-one' }
  | { kind: 'fixed-probability'; p: number; allowSelf?: boolean }
  | { kind: 'fixed-in-degree'; k: number; allowSelf?: boolean }
  | {
      kind: 'list';
      pre: ArrayLike<number>;
      post: ArrayLike<number>;
      /** Per synapse, aligned with pre/post: weights and delays (ms) that replace the options' `weight` and `delayMs`. */
      weights?: ArrayLike<number>;
      delaysMs?: ArrayLike<number>;
    };

export interface ProjectionOptions {
  connector: Connector;
  /** Synaptic weight (nS for conductance targets, pA for current targets), one value or one per synapse. */
  weight: number | ((rng: Rng) => number);
  /** Transmission delay, rounded to whole steps; 0 delivers within the step the spike happens. */
  delayMs?: number | ((rng: Rng) => number);
  /**
   * Which receptor of the target the spikes increment: `exc`, `inh`, or the name of one of the target's
   * `receptors` (a model with more ports, e.g. `GlifPscGroup`). `Network.connect` refuses a name the target lacks.
   */
  receptor: string;
  seed: number;
  /** Whether source and target are the same group (self-connections are then excluded unless allowed). */
  recurrent?: boolean;
}

/**
 * A sparse projection in CSR form (rows = presynaptic neurons): for each source neuron, its targets, weights and
 * integer delays. Spike propagation is event driven: only the rows of neurons that spiked are visited.
 */
export class Projection {
  // Replaced (not mutated in size) by `rewire`, so rules re-read them every step.
  rowStart: Int32Array;
  post: Int32Array;
  weight: Float32Array;
  /** Per synapse, in steps, at most maxDelaySteps; edited in place, a change takes effect at the next `run`. */
  delaySteps: Uint16Array;
  maxDelaySteps: number;
  /** Bumped by every `rewire`; rules with per-synapse state compare it to know their state is stale. */
  version = 0;

  constructor(
    readonly name: string,
    readonly sourceSize: number,
    readonly targetSize: number,
    readonly dtMs: number,
    readonly options: ProjectionOptions,
    /** When source and target are views of one group: whether pre i and post j are the same neuron. */
    sameNeuron?: (i: number, j: number) => boolean,
  ) {
    const rng = new Rng(options.seed, 11);
    const c = options.connector;
    Projection.checkMemory(name, Projection.expectedSynapses(c, sourceSize, targetSize));
    if (c.kind === 'list') {
      // Straight into the CSR arrays (a stable counting sort by presynaptic neuron): lists reach tens of millions.
      [this.rowStart, this.post, this.weight, this.delaySteps, this.maxDelaySteps] = listToCsr(
        name,
        c,
        sourceSize,
        targetSize,
        dtMs,
        options,
        rng,
      );
      return;
    }
    const rows: number[][] = Array.from({ length: sourceSize }, () => []);
    const self = (i: number, j: number) =>
      !('allowSelf' in c && c.allowSelf) && (sameNeuron ? sameNeuron(i, j) : !!options.recurrent && i === j);
    switch (c.kind) {
      case 'all-to-all':
        for (let i = 0; i < sourceSize; i++)
          for (let j = 0; j < targetSize; j++) if (!self(i, j)) rows[i].push(j);
        break;
      case 'one-to-one':
        if (sourceSize !== targetSize)
          throw new ConfigError(
            `${name}.connector`,
            `one-to-one needs equal sizes, found ${sourceSize} -> ${targetSize}`,
          );
        for (let i = 0; i < sourceSize; i++) rows[i].push(i);
        break;
      case 'fixed-probability':
        requireProbability(`${name}.connector`, 'p', c.p);
        for (let i = 0; i < sourceSize; i++)
          for (let j = 0; j < targetSize; j++) if (!self(i, j) && rng.float() < c.p) rows[i].push(j);
        break;
      case 'fixed-in-degree': {
        const available = options.recurrent && !c.allowSelf ? sourceSize - 1 : sourceSize;
        if (!Number.isInteger(c.k) || c.k < 0 || c.k > available)
          throw new ConfigError(
            `${name}.connector.k`,
            `expected an integer in [0, ${available}], found ${c.k}`,
          );
        for (let j = 0; j < targetSize; j++) {
          const chosen = new Set<number>();
          while (chosen.size < c.k) {
            const i = rng.int(sourceSize);
            if (!self(i, j)) chosen.add(i);
          }
          for (const i of [...chosen].sort((a, b) => a - b)) rows[i].push(j);
        }
        break;
      }
    }
    const n = rows.reduce((s, r) => s + r.length, 0);
    this.rowStart = new Int32Array(sourceSize + 1);
    this.post = new Int32Array(n);
    this.weight = new Float32Array(n);
    this.delaySteps = new Uint16Array(n);
    let at = 0;
    let maxDelay = 0;
    for (let i = 0; i < sourceSize; i++) {
      this.rowStart[i] = at;
      for (const j of rows[i]) {
        this.post[at] = j;
        this.weight[at] = checkedWeight(
          name,
          at,
          typeof options.weight === 'number' ? options.weight : options.weight(rng),
        );
        const d =
          options.delayMs === undefined
            ? 0
            : typeof options.delayMs === 'number'
              ? options.delayMs
              : options.delayMs(rng);
        const steps = delayToSteps(name, at, d, dtMs);
        this.delaySteps[at] = steps;
        if (steps > maxDelay) maxDelay = steps;
        at++;
      }
    }
    this.rowStart[sourceSize] = at;
    this.maxDelaySteps = maxDelay;
  }

  get synapseCount(): number {
    return this.post.length;
  }

  private rowIndex: Int32Array | null = null;
  private columnIndex: { start: Int32Array; synapses: Int32Array; pre: Int32Array } | null = null;

  /**
   * Synapse indices grouped by postsynaptic neuron (a CSC view of the CSR arrays, built on first use), with each
   * entry's presynaptic neuron beside it (`pre[c]`, so a column is read without jumping through the rows).
   */
  columns(): { start: Int32Array; synapses: Int32Array; pre: Int32Array } {
    if (!this.columnIndex) {
      const start = new Int32Array(this.targetSize + 1);
      for (const j of this.post) start[j + 1]++;
      for (let j = 0; j < this.targetSize; j++) start[j + 1] += start[j];
      const synapses = new Int32Array(this.synapseCount);
      const pre = new Int32Array(this.synapseCount);
      const fill = start.slice(0, this.targetSize);
      for (let i = 0; i < this.sourceSize; i++)
        for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++) {
          const c = fill[this.post[k]]++;
          synapses[c] = k;
          pre[c] = i;
        }
      this.columnIndex = { start, synapses, pre };
    }
    return this.columnIndex;
  }

  /**
   * Structural change: keeps the synapses with keep[k] = 1 and adds new ones (rows stay grouped by presynaptic
   * neuron, in ascending target order). Delays must stay within the current ring buffer.
   */
  private rewireListeners: (() => void)[] = [];

  /** Calls `listener` before every rewiring (a rule that updates weights lazily brings them up to date). */
  onBeforeRewire(listener: () => void): void {
    this.rewireListeners.push(listener);
  }

  rewire(
    keep: Uint8Array,
    additions: { pre: number; post: number; weight: number; delaySteps?: number }[],
  ): void {
    for (const listener of this.rewireListeners) listener();
    if (keep.length !== this.synapseCount)
      throw new RangeError(
        `${this.name}.rewire: keep has ${keep.length} entries, projection has ${this.synapseCount}`,
      );
    const rows: { post: number; weight: number; delay: number }[][] = Array.from(
      { length: this.sourceSize },
      () => [],
    );
    for (let i = 0; i < this.sourceSize; i++)
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++)
        if (keep[k]) rows[i].push({ post: this.post[k], weight: this.weight[k], delay: this.delaySteps[k] });
    for (const a of additions) {
      if (a.pre < 0 || a.pre >= this.sourceSize || a.post < 0 || a.post >= this.targetSize)
        throw new RangeError(`${this.name}.rewire: synapse ${a.pre} -> ${a.post} is outside the projection`);
      const delay = a.delaySteps ?? 0;
      if (delay > this.maxDelaySteps)
        throw new RangeError(
          `${this.name}.rewire: delay ${delay} steps exceeds the buffer of ${this.maxDelaySteps}`,
        );
      rows[a.pre].push({ post: a.post, weight: a.weight, delay });
    }
    const n = rows.reduce((t, r) => t + r.length, 0);
    const rowStart = new Int32Array(this.sourceSize + 1);
    const post = new Int32Array(n);
    const weight = new Float32Array(n);
    const delaySteps = new Uint16Array(n);
    let at = 0;
    for (let i = 0; i < this.sourceSize; i++) {
      rowStart[i] = at;
      for (const syn of rows[i].sort((x, y) => x.post - y.post)) {
        post[at] = syn.post;
        weight[at] = syn.weight;
        delaySteps[at] = syn.delay;
        at++;
      }
    }
    rowStart[this.sourceSize] = at;
    Object.assign(this, { rowStart, post, weight, delaySteps });
    this.rowIndex = null;
    this.columnIndex = null;
    this.version++;
  }

  /**
   * Weight normalisation (as in Diehl & Cook 2015): scales each postsynaptic neuron's incoming weights so they sum
   * to `total` (neurons with no input weight are left alone).
   */
  normalizeIncoming(total: number): void {
    const { start, synapses } = this.columns();
    for (let j = 0; j < this.targetSize; j++) {
      let sum = 0;
      for (let c = start[j]; c < start[j + 1]; c++) sum += this.weight[synapses[c]];
      if (sum <= 0) continue;
      const k = total / sum;
      for (let c = start[j]; c < start[j + 1]; c++) this.weight[synapses[c]] *= k;
    }
  }

  /** Multiplies each postsynaptic neuron's incoming weights by its factor (synaptic scaling). */
  scaleIncoming(factors: Float32Array): void {
    const { start, synapses } = this.columns();
    for (let j = 0; j < this.targetSize; j++)
      for (let c = start[j]; c < start[j + 1]; c++) this.weight[synapses[c]] *= factors[j];
  }

  /** The presynaptic neuron of synapse k (an index built on first use). */
  rowOf(k: number): number {
    return this.rows()[k];
  }

  /** The presynaptic neuron of every synapse (built on first use, rebuilt after rewiring). */
  rows(): Int32Array {
    if (!this.rowIndex) {
      this.rowIndex = new Int32Array(this.synapseCount);
      for (let i = 0; i < this.sourceSize; i++) this.rowIndex.fill(i, this.rowStart[i], this.rowStart[i + 1]);
    }
    return this.rowIndex;
  }

  /** Bytes a projection of this many synapses needs while it is built (row lists) and after (CSR arrays). */
  static estimateBytes(synapses: number): number {
    return synapses * (4 + 4 + 2 + 16);
  }

  static expectedSynapses(c: Connector, sourceSize: number, targetSize: number): number {
    switch (c.kind) {
      case 'all-to-all':
        return sourceSize * targetSize;
      case 'one-to-one':
        return sourceSize;
      case 'fixed-probability':
        return c.p * sourceSize * targetSize;
      case 'fixed-in-degree':
        return c.k * targetSize;
      case 'list':
        return c.pre.length;
    }
  }

  /** Fails before allocating when the estimate exceeds the memory free now, saying both. */
  static checkMemory(name: string, synapses: number, freeBytes = freemem()): void {
    const need = Projection.estimateBytes(synapses);
    if (need > freeBytes)
      throw new NeuroplastError(
        `${name}: about ${(need / 2 ** 30).toFixed(2)} GiB needed for ${Math.round(synapses).toLocaleString('en')} synapses, only ${(freeBytes / 2 ** 30).toFixed(2)} GiB free`,
      );
  }
}

function checkedWeight(name: string, k: number, w: number): number {
  requireNonNegative(`${name}`, `weight[${k}] (the receptor gives the sign, Dale's law)`, w);
  return w;
}

function delayToSteps(name: string, k: number, delayMs: number, dtMs: number): number {
  requireNonNegative(`${name}`, `delayMs[${k}]`, delayMs);
  const steps = Math.round(delayMs / dtMs);
  if (steps > 65535)
    throw new ConfigError(`${name}.delayMs`, `delay of ${steps} steps exceeds the 65535-step buffer`);
  return steps;
}

/**
 * The CSR arrays of a list connector: synapses grouped by presynaptic neuron, in list order within a row; per-synapse
 * weights and delays from the list when it has them, else from the options (drawn in CSR order).
 */
function listToCsr(
  name: string,
  c: Extract<Connector, { kind: 'list' }>,
  sourceSize: number,
  targetSize: number,
  dtMs: number,
  options: ProjectionOptions,
  rng: Rng,
): [Int32Array, Int32Array, Float32Array, Uint16Array, number] {
  const n = c.pre.length;
  for (const [field, arr] of [
    ['post', c.post],
    ['weights', c.weights],
    ['delaysMs', c.delaysMs],
  ] as const)
    if (arr !== undefined && arr.length !== n)
      throw new ConfigError(`${name}.connector`, `pre (${n}) and ${field} (${arr.length}) differ in length`);
  const rowStart = new Int32Array(sourceSize + 1);
  for (let k = 0; k < n; k++) {
    const i = c.pre[k];
    const j = c.post[k];
    if (!Number.isInteger(i) || i < 0 || i >= sourceSize || !Number.isInteger(j) || j < 0 || j >= targetSize)
      throw new ConfigError(
        `${name}.connector[${k}]`,
        `synapse ${i} -> ${j} is outside ${sourceSize} x ${targetSize}`,
      );
    rowStart[i + 1]++;
  }
  for (let i = 0; i < sourceSize; i++) rowStart[i + 1] += rowStart[i];
  const order = new Int32Array(n);
  const fill = rowStart.slice(0, sourceSize);
  for (let k = 0; k < n; k++) order[fill[c.pre[k]]++] = k;
  const post = new Int32Array(n);
  const weight = new Float32Array(n);
  const delaySteps = new Uint16Array(n);
  let maxDelay = 0;
  for (let at = 0; at < n; at++) {
    const k = order[at];
    post[at] = c.post[k];
    weight[at] = checkedWeight(
      name,
      at,
      c.weights ? c.weights[k] : typeof options.weight === 'number' ? options.weight : options.weight(rng),
    );
    const d = c.delaysMs
      ? c.delaysMs[k]
      : options.delayMs === undefined
        ? 0
        : typeof options.delayMs === 'number'
          ? options.delayMs
          : options.delayMs(rng);
    const steps = delayToSteps(name, at, d, dtMs);
    delaySteps[at] = steps;
    if (steps > maxDelay) maxDelay = steps;
  }
  return [rowStart, post, weight, delaySteps, maxDelay];
}
