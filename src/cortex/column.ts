import { freemem } from 'node:os';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { V1_CLASS_COUNT, type V1ConnectionRule, type V1Tables } from './tables.js';

/** Billeh et al. 2020's core: 51,978 neurons within 400 um of the column axis. */
export const CORE_NEURONS = 51_978;
export const CORE_RADIUS_UM = 400;
/** Billeh's full model (core plus periphery). */
export const FULL_NEURONS = 230_924;

/** Cortical depth of each layer below the pia (um), approximately as in Billeh et al. 2020's column. */
export const LAYER_DEPTHS_UM: Record<string, [number, number]> = {
  L1: [0, 100],
  'L2/3': [100, 310],
  L4: [310, 430],
  L5: [430, 650],
  L6: [650, 850],
};

export interface ColumnOptions {
  /** Total neurons (about 1k to 230k); class proportions are the core's. */
  neurons: number;
  seed: number;
  /** Connection candidates farther than this many sigmas are not considered (3: the tail beyond holds e^-9 of the rule's mass). */
  cutoffSigmas?: number;
  /**
   * Below the core's size, raise connection probabilities (capped at 1) so each class pair's mean in-degree is the
   * core's, and scale weights by what the cap leaves missing, so each neuron's expected input stays the core's
   * (default true).
   */
  keepInDegrees?: boolean;
  /** Refuse a network whose estimated memory exceeds this many bytes (default: free memory). */
  memoryLimitBytes?: number;
}

/** The neurons of one class: positions, depth and preferred direction, one entry per neuron. */
export interface ColumnClass {
  id: number;
  key: string;
  name: string;
  ei: 'E' | 'I';
  size: number;
  /** Horizontal position in the column's disk and depth below the pia (um). */
  xUm: Float32Array;
  yUm: Float32Array;
  depthUm: Float32Array;
  /** Preferred direction of motion (deg, [0, 360)); its orientation is the direction modulo 180. */
  tuningDeg: Float32Array;
}

/** The connections of one class pair, as lists aligned by synapse (indices within each class). */
export interface ColumnPathway {
  pre: number;
  post: number;
  preIndex: Int32Array;
  postIndex: Int32Array;
  /** Weight magnitude (pA): base weight x synapses per connection x orientation factor x weightScale. */
  weightPa: Float32Array;
  delayMs: number;
  excitatory: boolean;
  /** Synapses in all (3-7 per connection, folded into the weights). */
  synapses: number;
  /** The factor on the connection probability, and on the weights, that keeps the core's in-degree and input. */
  probabilityScale: number;
  weightScale: number;
  /** Expected mean in-degree of this pair in the core and in this network (connections, not synapses). */
  coreInDegree: number;
  expectedInDegree: number;
}

export interface V1Column {
  neurons: number;
  seed: number;
  radiusUm: number;
  classes: ColumnClass[];
  pathways: ColumnPathway[];
}

/** Class sizes for `neurons` in the core's proportions (largest remainders, at least one per class). */
export function classSizes(tables: V1Tables, neurons: number): number[] {
  const total = tables.classes.reduce((s, c) => s + c.nCore, 0);
  const exact = tables.classes.map((c) => (c.nCore / total) * neurons);
  const sizes = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = neurons - sizes.reduce((s, n) => s + n, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) sizes[order[k][1]]++;
  // At a few dozen neurons the one-per-class floor can overshoot: take the excess from the largest classes.
  for (; left < 0; left++) sizes[sizes.indexOf(Math.max(...sizes))]--;
  return sizes;
}

/** The disk radius that keeps the core's density: 400 um at 51,978 neurons. */
export function columnRadiusUm(neurons: number): number {
  return CORE_RADIUS_UM * Math.sqrt(neurons / CORE_NEURONS);
}

/** Whether a pair is connected at all: a probability in the connection table and a weight in Billeh's. */
function connected(tables: V1Tables, pre: number, post: number): boolean {
  const k = pre * V1_CLASS_COUNT + post;
  return tables.connections[k].aLiterature > 0 && tables.synapses[k].nNonzero > 0;
}

/** The orientation term of Billeh's rule: B1 + G dphi over dphi in [0, 90] deg, mean 1; 1 without B_ratio. */
function orientationTerm(rule: V1ConnectionRule): { b1: number; g: number; max: number } {
  if (rule.bRatio === null) return { b1: 1, g: 0, max: 1 };
  const b1 = 2 / (1 + rule.bRatio);
  const b2 = rule.bRatio * b1;
  return { b1, g: (b2 - b1) / 90, max: Math.max(b1, b2) };
}

/**
 * Expected mean in-degree of a pair whose pre and post neurons are uniform in a disk of `radiusUm`: nPre times the
 * mean connection probability over the distance distribution of two uniform points in a disk and over uniform
 * orientation differences, with the probability scaled by `scale` and capped at 1.
 */
export function expectedInDegree(
  rule: V1ConnectionRule,
  nPre: number,
  radiusUm: number,
  scale: number,
  cutoffSigmas = 3,
): number {
  const o = orientationTerm(rule);
  const dMax = Math.min(2 * radiusUm, cutoffSigmas * rule.sigmaUm);
  const steps = 512;
  const angles = 16;
  let mean = 0;
  for (let s = 0; s < steps; s++) {
    const d = ((s + 0.5) / steps) * dMax;
    const u = d / (2 * radiusUm);
    const density = ((4 * d) / (Math.PI * radiusUm * radiusUm)) * (Math.acos(u) - u * Math.sqrt(1 - u * u));
    const radial = scale * rule.pPeak * Math.exp(-((d / rule.sigmaUm) ** 2));
    let p = 0;
    for (let a = 0; a < angles; a++) p += Math.min(1, radial * (o.b1 + o.g * ((a + 0.5) / angles) * 90));
    mean += density * (p / angles) * (dMax / steps);
  }
  return nPre * mean;
}

/** The probability scale in [1, inf) that gives `target` (capped: the largest reachable), by bisection on log scale. */
function scaleForInDegree(
  rule: V1ConnectionRule,
  nPre: number,
  radiusUm: number,
  target: number,
  cutoff: number,
) {
  const at = (s: number) => expectedInDegree(rule, nPre, radiusUm, s, cutoff);
  if (at(1) >= target) return 1;
  let lo = 0;
  let hi = Math.log(1e6);
  if (at(Math.exp(hi)) <= target) return Math.exp(hi);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (at(Math.exp(mid)) < target) lo = mid;
    else hi = mid;
  }
  return Math.exp(hi);
}

/** Bytes the column and its network take per synapse and per neuron (builder lists, CSR, state). */
const BYTES_PER_SYNAPSE = 12 + 10 + 8;
const BYTES_PER_NEURON = 200;

/**
 * Builds the column: neurons of the 17 classes placed uniformly in a disk (the core's density) within their layers,
 * each with a preferred direction; connections by Billeh's rule P = pPeak exp(-(r/sigma)^2) (B1 + G dphi), r the
 * horizontal distance and dphi the orientation difference, sampled per postsynaptic neuron over a spatial grid with
 * thinning (cost grows with synapses, not neurons squared); 3-7 synapses per connected pair folded into its weight;
 * weights scaled by exp(-(ddir/sigma_w)^2) of the direction difference (Billeh's direction rules, without the E->E
 * phase term). Deterministic in `seed`.
 */
export function buildV1Column(tables: V1Tables, opts: ColumnOptions): V1Column {
  const { neurons, seed } = opts;
  if (!Number.isInteger(neurons) || neurons < V1_CLASS_COUNT || neurons > 2 * FULL_NEURONS)
    throw new ConfigError(
      'neurons',
      `expected an integer from ${V1_CLASS_COUNT} to ${2 * FULL_NEURONS}, found ${neurons}`,
    );
  const cutoff = opts.cutoffSigmas ?? 3;
  if (!(cutoff >= 2 && cutoff <= 6))
    throw new ConfigError('cutoffSigmas', `expected a number in [2, 6], found ${cutoff}`);
  const keep = opts.keepInDegrees ?? true;
  const radiusUm = columnRadiusUm(neurons);
  const sizes = classSizes(tables, neurons);

  // Plan every pathway (scales, expected in-degrees) and refuse a network beyond memory before allocating.
  const plans: {
    pre: number;
    post: number;
    scale: number;
    weightScale: number;
    core: number;
    expected: number;
  }[] = [];
  let expectedSynapses = 0;
  for (let pre = 0; pre < V1_CLASS_COUNT; pre++)
    for (let post = 0; post < V1_CLASS_COUNT; post++) {
      if (!connected(tables, pre, post)) continue;
      const rule = tables.connections[pre * V1_CLASS_COUNT + post];
      const core = expectedInDegree(rule, tables.classes[pre].nCore, CORE_RADIUS_UM, 1, cutoff);
      const small = keep && neurons < CORE_NEURONS;
      const scale = small ? scaleForInDegree(rule, sizes[pre], radiusUm, core, cutoff) : 1;
      const expected = expectedInDegree(rule, sizes[pre], radiusUm, scale, cutoff);
      const weightScale = small && expected > 0 ? Math.max(1, core / expected) : 1;
      plans.push({ pre, post, scale, weightScale, core, expected });
      expectedSynapses += expected * sizes[post];
    }
  const need = expectedSynapses * BYTES_PER_SYNAPSE + neurons * BYTES_PER_NEURON;
  const limit = opts.memoryLimitBytes ?? freemem();
  if (need > limit)
    throw new NeuroplastError(
      `neurons: a ${neurons.toLocaleString('en')}-neuron column needs about ${(need / 2 ** 30).toFixed(2)} GiB (${Math.round(expectedSynapses).toLocaleString('en')} connections), only ${(limit / 2 ** 30).toFixed(2)} GiB free`,
    );

  const classes = tables.classes.map((c, id): ColumnClass => {
    const rng = new Rng(seed, 1 + id);
    const n = sizes[id];
    const [top, bottom] = LAYER_DEPTHS_UM[c.layer] ?? [0, 0];
    const xUm = new Float32Array(n);
    const yUm = new Float32Array(n);
    const depthUm = new Float32Array(n);
    const tuningDeg = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = radiusUm * Math.sqrt(rng.float());
      const phi = 2 * Math.PI * rng.float();
      xUm[i] = r * Math.cos(phi);
      yUm[i] = r * Math.sin(phi);
      depthUm[i] = top + (bottom - top) * rng.float();
      tuningDeg[i] = 360 * rng.float();
    }
    return { id, key: c.key, name: c.name, ei: c.ei, size: n, xUm, yUm, depthUm, tuningDeg };
  });

  const grids = classes.map((c) => new Grid(c, radiusUm));
  const pathways = plans.map((plan) =>
    samplePathway(
      tables,
      classes[plan.pre],
      classes[plan.post],
      grids[plan.pre],
      plan,
      cutoff,
      new Rng(seed, 100 + plan.pre * V1_CLASS_COUNT + plan.post),
    ),
  );
  return { neurons, seed, radiusUm, classes, pathways };
}

/** Square cells over the disk, each listing the class's neurons inside it. */
class Grid {
  static readonly CELL_UM = 40;
  readonly side: number;
  readonly start: Int32Array;
  readonly members: Int32Array;
  constructor(
    readonly cls: ColumnClass,
    readonly radiusUm: number,
  ) {
    this.side = Math.max(1, Math.ceil((2 * radiusUm) / Grid.CELL_UM));
    const cellOf = (i: number) => this.cell(cls.xUm[i], cls.yUm[i]);
    this.start = new Int32Array(this.side * this.side + 1);
    for (let i = 0; i < cls.size; i++) this.start[cellOf(i) + 1]++;
    for (let c = 0; c < this.side * this.side; c++) this.start[c + 1] += this.start[c];
    this.members = new Int32Array(cls.size);
    const fill = this.start.slice(0, -1);
    for (let i = 0; i < cls.size; i++) this.members[fill[cellOf(i)]++] = i;
  }
  coord(v: number): number {
    return Math.min(this.side - 1, Math.max(0, Math.floor((v + this.radiusUm) / Grid.CELL_UM)));
  }
  cell(x: number, y: number): number {
    return this.coord(y) * this.side + this.coord(x);
  }
}

/** A growable Int32/Float32 list. */
class Growable<T extends Int32Array | Float32Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

function samplePathway(
  tables: V1Tables,
  pre: ColumnClass,
  post: ColumnClass,
  grid: Grid,
  plan: { pre: number; post: number; scale: number; weightScale: number; core: number; expected: number },
  cutoffSigmas: number,
  rng: Rng,
): ColumnPathway {
  const k = plan.pre * V1_CLASS_COUNT + plan.post;
  const rule = tables.connections[k];
  const syn = tables.synapses[k];
  const o = orientationTerm(rule);
  const peak = plan.scale * rule.pPeak;
  const sigma2 = rule.sigmaUm * rule.sigmaUm;
  const cut = cutoffSigmas * rule.sigmaUm;
  const baseWeight = Math.abs(syn.weightMeanPa) * plan.weightScale;
  const sigmaW = syn.weightSigmaDeg;
  const nsynSpan = rule.nsynMax - rule.nsynMin;
  const same = plan.pre === plan.post;
  const preIndex = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  const postIndex = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  const weightPa = new Growable(new Float32Array(1024), (n) => new Float32Array(n));
  const h = Grid.CELL_UM;
  let synapses = 0;
  for (let j = 0; j < post.size; j++) {
    const xj = post.xUm[j];
    const yj = post.yUm[j];
    const tj = post.tuningDeg[j];
    const c0 = grid.coord(xj - cut);
    const c1 = grid.coord(xj + cut);
    const r0 = grid.coord(yj - cut);
    const r1 = grid.coord(yj + cut);
    for (let row = r0; row <= r1; row++) {
      const cy = row * h - grid.radiusUm;
      const dy = yj < cy ? cy - yj : yj > cy + h ? yj - cy - h : 0;
      for (let col = c0; col <= c1; col++) {
        const cell = row * grid.side + col;
        const first = grid.start[cell];
        const count = grid.start[cell + 1] - first;
        if (count === 0) continue;
        const cx = col * h - grid.radiusUm;
        const dx = xj < cx ? cx - xj : xj > cx + h ? xj - cx - h : 0;
        const rMin2 = dx * dx + dy * dy;
        if (rMin2 > cut * cut) continue;
        // Thinning: candidates at the cell's highest probability q (geometric skips), kept with p / q.
        const q = Math.min(1, peak * Math.exp(-rMin2 / sigma2) * o.max);
        const logMiss = q < 1 ? Math.log1p(-q) : 0;
        let at = -1;
        for (;;) {
          at += q < 1 ? 1 + Math.floor(Math.log(1 - rng.float()) / logMiss) : 1;
          if (at >= count) break;
          const i = grid.members[first + at];
          if (same && i === j) continue;
          const ddx = pre.xUm[i] - xj;
          const ddy = pre.yUm[i] - yj;
          const r2 = ddx * ddx + ddy * ddy;
          if (r2 > cut * cut) continue;
          const dirDiff = angularDistance(pre.tuningDeg[i], tj, 360);
          const oriDiff = Math.min(dirDiff, 180 - dirDiff);
          const p = Math.min(1, peak * Math.exp(-r2 / sigma2) * (o.b1 + o.g * oriDiff));
          if (rng.float() * q >= p) continue;
          const nsyn = rule.nsynMin + Math.floor(rng.float() * nsynSpan);
          synapses += nsyn;
          const tuning = sigmaW === null ? 1 : Math.exp(-((dirDiff / sigmaW) ** 2));
          preIndex.push(i);
          postIndex.push(j);
          weightPa.push(baseWeight * nsyn * tuning);
        }
      }
    }
  }
  return {
    pre: plan.pre,
    post: plan.post,
    preIndex: preIndex.done(),
    postIndex: postIndex.done(),
    weightPa: weightPa.done(),
    delayMs: syn.delayMeanMs,
    excitatory: tables.classes[plan.pre].ei === 'E',
    synapses,
    probabilityScale: plan.scale,
    weightScale: plan.weightScale,
    coreInDegree: plan.core,
    expectedInDegree: plan.expected,
  };
}

/** Distance between two angles on a circle of `period` degrees, in [0, period / 2]. */
function angularDistance(a: number, b: number, period: number): number {
  const d = Math.abs(a - b) % period;
  return Math.min(d, period - d);
}

/** What `neuroplast v1 describe` prints: the classes as built and the mean in-degree of each class pair. */
export interface ColumnDescription {
  neurons: number;
  radiusUm: number;
  connections: number;
  synapses: number;
  classes: { id: number; name: string; ei: 'E' | 'I'; count: number }[];
  pathways: {
    pre: string;
    post: string;
    connections: number;
    meanInDegree: number;
    expectedInDegree: number;
    coreInDegree: number;
    probabilityScale: number;
    weightScale: number;
    meanWeightPa: number;
    delayMs: number;
  }[];
}

export function describeColumn(column: V1Column): ColumnDescription {
  const round = (v: number, digits = 4) => Number(v.toPrecision(digits));
  return {
    neurons: column.neurons,
    radiusUm: round(column.radiusUm),
    connections: column.pathways.reduce((s, p) => s + p.preIndex.length, 0),
    synapses: column.pathways.reduce((s, p) => s + p.synapses, 0),
    classes: column.classes.map((c) => ({ id: c.id, name: c.name, ei: c.ei, count: c.size })),
    pathways: column.pathways.map((p) => ({
      pre: column.classes[p.pre].name,
      post: column.classes[p.post].name,
      connections: p.preIndex.length,
      meanInDegree: round(p.preIndex.length / column.classes[p.post].size),
      expectedInDegree: round(p.expectedInDegree),
      coreInDegree: round(p.coreInDegree),
      probabilityScale: round(p.probabilityScale),
      weightScale: round(p.weightScale),
      meanWeightPa: round(p.weightPa.reduce((s, w) => s + w, 0) / Math.max(1, p.weightPa.length)),
      delayMs: p.delayMs,
    })),
  };
}
