import { ConfigError } from '../util/errors.js';
import type { AdaptiveScaling, TaylorRuleParameters, TaylorTerm } from '../spiking/taylor.js';

/**
 * One signal a Taylor rule combines. A binary signal (a spike indicator) is its own square, so its powers stop at 1;
 * `maxPower` caps others (the reward trace enters at most linearly).
 */
export interface SignalSpec {
  name: string;
  binary?: boolean;
  maxPower?: number;
}

/** The rule-discovery study's five: spikes, their eligibility traces X <- X - dt/tau_E X + S, and the reward trace. */
export const SPIKING_SIGNALS: readonly SignalSpec[] = [
  { name: 'S_pre', binary: true },
  { name: 'S_post', binary: true },
  { name: 'X_pre' },
  { name: 'X_post' },
  { name: 'R', maxPower: 1 },
];

/** Rate-based rules (Oja, BCM): presynaptic rate x, postsynaptic rate y and the weight w. */
export const RATE_SIGNALS: readonly SignalSpec[] = [{ name: 'x' }, { name: 'y' }, { name: 'w' }];

/** Every monomial of order 1 to `maxOrder` in the signals, powers respecting binary signals and caps; by order. */
export function expandTerms(signals: readonly SignalSpec[], maxOrder = 3): number[][] {
  const cap = signals.map((s) => (s.binary ? 1 : (s.maxPower ?? maxOrder)));
  const out: number[][] = [];
  const walk = (i: number, powers: number[], order: number) => {
    if (i === signals.length) {
      if (order > 0) out.push([...powers]);
      return;
    }
    for (let e = 0; e <= Math.min(cap[i], maxOrder - order); e++) {
      powers.push(e);
      walk(i + 1, powers, order + e);
      powers.pop();
    }
  };
  walk(0, [], 0);
  const order = (p: number[]) => p.reduce((a, b) => a + b, 0);
  // Lowest order first; within an order, later signals (traces, reward) before spikes, as equations read.
  return out.sort((a, b) => order(a) - order(b) || cmpReverse(a, b));
}

function cmpReverse(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * The default pruned list of the spiking signals (25 terms): every term up to order 2, and the order-3 terms that
 * are a local pair times the reward trace (the three-factor terms). The study pruned its expansion to 25 terms
 * without publishing the list; this is ours, and any list can be given instead.
 */
export function threeFactorTerms(): number[][] {
  const r = SPIKING_SIGNALS.findIndex((s) => s.name === 'R');
  return expandTerms(SPIKING_SIGNALS, 3).filter((p) => {
    const order = p.reduce((a, b) => a + b, 0);
    return order <= 2 || (p[r] === 1 && order === 3);
  });
}

/** A term as text: `S_pre X_pre`, `X_post^2`. */
export function termName(powers: readonly number[], signals: readonly SignalSpec[]): string {
  return signals
    .map((s, i) => (powers[i] === 0 ? '' : powers[i] === 1 ? s.name : `${s.name}^${powers[i]}`))
    .filter((t) => t !== '')
    .join(' ');
}

/** How coefficients are shared between synapse types. */
export type CoefficientSharing = 'synapse-type' | 'pre-type' | 'post-type' | 'shared';
export const COEFFICIENT_SHARING: readonly CoefficientSharing[] = [
  'synapse-type',
  'pre-type',
  'post-type',
  'shared',
];

export interface RuleGenomeSpec {
  /** Default: the spiking five. */
  signals?: SignalSpec[];
  /** The term list (powers in signal order); default the 25 three-factor terms for the spiking signals, else all to order 3. */
  terms?: number[][];
  neuronTypes: string[];
  /** [pre, post] pairs; default every ordered pair of neuron types. */
  synapseTypes?: [string, string][];
  coefficientSharing?: CoefficientSharing;
  /**
   * One group per term: terms of a group share their coefficient within a synapse type (gates stay per term). Default:
   * every term its own group. `spikingTermGroups` gives the trigger x order grouping.
   */
  termGroups?: number[];
  /** A binary gate per term, shared by every synapse type (default true). */
  gates?: boolean;
  coefficientRange?: [number, number];
  /** Eligibility-trace time constants per neuron type, evolved in this range (ms), when the signals have traces. */
  tauEligibilityMs?: [number, number];
  /** The reward trace's time constant, evolved in this range (ms), when the signals have R. */
  tauRewardMs?: [number, number];
}

/** A decoded genome: what a network needs to run the rule. */
export interface DecodedRule {
  /** Per term: whether its global gate is open. */
  gates: boolean[];
  /** Per synapse type (`pre->post`), the effective coefficient of each term (0 where the gate is shut). */
  coefficients: Record<string, number[]>;
  tauEligibilityMs: Record<string, number>;
  tauRewardMs: number | null;
}

interface Segment {
  start: number;
  length: number;
}

/** Groups the spiking terms by what triggers them (every step, a presynaptic spike, a postsynaptic spike) and order. */
export function spikingTermGroups(terms: readonly number[][]): number[] {
  return terms.map((p) => {
    const trigger = p[0] > 0 ? 1 : p[1] > 0 ? 2 : 0;
    const order = p.reduce((a, b) => a + b, 0);
    return trigger * 3 + Math.min(order, 3) - 1;
  });
}

export const synapseTypeKey = (pre: string, post: string) => `${pre}->${post}`;

/**
 * A Taylor-expanded plasticity rule as a vector of real genes, per synapse type (Confavreux et al. 2020; the
 * rule-discovery study of Ye et al. 2026): global binary gates per term (a gene above 1/2 opens the gate),
 * coefficients per synapse type or shared, eligibility time constants per neuron type and the reward trace's time
 * constant. The layout is fixed by the spec, so a gene vector and its spec are the whole rule (`toJSON`).
 */
export class RuleGenome {
  readonly signals: readonly SignalSpec[];
  readonly terms: readonly number[][];
  readonly neuronTypes: readonly string[];
  readonly synapseTypes: readonly [string, string][];
  readonly sharing: CoefficientSharing;
  readonly groups: readonly number[];
  readonly groupCount: number;
  /** The coefficient rows: one per synapse type, pre type, post type, or one. */
  readonly rowKeys: readonly string[];
  readonly low: number[] = [];
  readonly high: number[] = [];
  private readonly gateSeg: Segment;
  private readonly coefSeg: Segment;
  private readonly tauESeg: Segment;
  private readonly tauRSeg: Segment;

  constructor(
    readonly spec: RuleGenomeSpec,
    where = 'genome',
  ) {
    this.signals = spec.signals ?? SPIKING_SIGNALS;
    checkSignals(this.signals, `${where}.signals`);
    const spiking = spec.signals === undefined;
    this.terms = spec.terms ?? (spiking ? threeFactorTerms() : expandTerms(this.signals, 3));
    checkTerms(this.terms, this.signals, `${where}.terms`);
    if (!Array.isArray(spec.neuronTypes) || spec.neuronTypes.length === 0)
      throw new ConfigError(
        `${where}.neuronTypes`,
        `expected at least one name, found ${JSON.stringify(spec.neuronTypes)}`,
      );
    const dup = spec.neuronTypes.find((t, i) => spec.neuronTypes.indexOf(t) !== i);
    if (dup !== undefined)
      throw new ConfigError(`${where}.neuronTypes`, `${JSON.stringify(dup)} is named twice`);
    this.neuronTypes = spec.neuronTypes;
    this.synapseTypes =
      spec.synapseTypes ??
      spec.neuronTypes.flatMap((a) => spec.neuronTypes.map((b) => [a, b] as [string, string]));
    const known = new Set(this.neuronTypes);
    this.synapseTypes.forEach(([a, b], i) => {
      for (const t of [a, b])
        if (!known.has(t))
          throw new ConfigError(
            `${where}.synapseTypes[${i}]`,
            `expected neuron types of neuronTypes, found ${JSON.stringify(t)}`,
          );
    });
    this.sharing = spec.coefficientSharing ?? 'synapse-type';
    if (!COEFFICIENT_SHARING.includes(this.sharing))
      throw new ConfigError(
        `${where}.coefficientSharing`,
        `expected one of ${COEFFICIENT_SHARING.join(', ')}, found ${JSON.stringify(this.sharing)}`,
      );
    this.groups = spec.termGroups ?? this.terms.map((_, i) => i);
    if (this.groups.length !== this.terms.length || this.groups.some((g) => !Number.isInteger(g) || g < 0))
      throw new ConfigError(
        `${where}.termGroups`,
        `expected one group index >= 0 per term (${this.terms.length}), found ${JSON.stringify(this.groups)}`,
      );
    this.groupCount = new Set(this.groups).size;
    // Groups renumbered 0..groupCount-1 in order of first appearance.
    const renumber = new Map<number, number>();
    for (const g of this.groups) if (!renumber.has(g)) renumber.set(g, renumber.size);
    this.groups = this.groups.map((g) => renumber.get(g)!);
    this.rowKeys =
      this.sharing === 'synapse-type'
        ? this.synapseTypes.map(([a, b]) => synapseTypeKey(a, b))
        : this.sharing === 'pre-type'
          ? [...new Set(this.synapseTypes.map(([a]) => a))]
          : this.sharing === 'post-type'
            ? [...new Set(this.synapseTypes.map(([, b]) => b))]
            : ['all'];
    const [cLo, cHi] = range(spec.coefficientRange ?? [-1, 1], `${where}.coefficientRange`, -Infinity);
    const hasTraces = this.signals.some((s) => s.name === 'X_pre' || s.name === 'X_post');
    const hasReward = this.signals.some((s) => s.name === 'R');
    const [eLo, eHi] = range(spec.tauEligibilityMs ?? [1, 150], `${where}.tauEligibilityMs`, 0);
    const [rLo, rHi] = range(spec.tauRewardMs ?? [1, 150], `${where}.tauRewardMs`, 0);
    const push = (n: number, lo: number, hi: number): Segment => {
      const seg = { start: this.low.length, length: n };
      for (let i = 0; i < n; i++) {
        this.low.push(lo);
        this.high.push(hi);
      }
      return seg;
    };
    this.gateSeg = push(spec.gates === false ? 0 : this.terms.length, 0, 1);
    this.coefSeg = push(this.rowKeys.length * this.groupCount, cLo, cHi);
    this.tauESeg = push(hasTraces ? this.neuronTypes.length : 0, eLo, eHi);
    this.tauRSeg = push(hasReward ? 1 : 0, rLo, rHi);
  }

  /** The number of genes (the rule's parameter count). */
  get size(): number {
    return this.low.length;
  }

  /** The parameter count by part. */
  get parts(): { gates: number; coefficients: number; tauEligibility: number; tauReward: number } {
    return {
      gates: this.gateSeg.length,
      coefficients: this.coefSeg.length,
      tauEligibility: this.tauESeg.length,
      tauReward: this.tauRSeg.length,
    };
  }

  /** The row of coefficients a synapse type reads. */
  private rowOf(pre: string, post: string): number {
    const key =
      this.sharing === 'synapse-type'
        ? synapseTypeKey(pre, post)
        : this.sharing === 'pre-type'
          ? pre
          : this.sharing === 'post-type'
            ? post
            : 'all';
    return this.rowKeys.indexOf(key);
  }

  decode(genes: readonly number[], where = 'genes'): DecodedRule {
    if (genes.length !== this.size)
      throw new ConfigError(where, `expected ${this.size} genes for this genome, found ${genes.length}`);
    const gates = this.terms.map((_, t) =>
      this.gateSeg.length === 0 ? true : genes[this.gateSeg.start + t] > 0.5,
    );
    const coefficients: Record<string, number[]> = {};
    for (const [pre, post] of this.synapseTypes) {
      const row = this.rowOf(pre, post);
      coefficients[synapseTypeKey(pre, post)] = this.terms.map((_, t) =>
        gates[t] ? genes[this.coefSeg.start + row * this.groupCount + this.groups[t]] : 0,
      );
    }
    const tauEligibilityMs: Record<string, number> = {};
    if (this.tauESeg.length > 0)
      this.neuronTypes.forEach((n, i) => (tauEligibilityMs[n] = genes[this.tauESeg.start + i]));
    return {
      gates,
      coefficients,
      tauEligibilityMs,
      tauRewardMs: this.tauRSeg.length > 0 ? genes[this.tauRSeg.start] : null,
    };
  }

  /**
   * The rule as text, largest terms first: one synapse type's, or the mean over synapse types. With
   * `coefficients: false`, the structure alone (`dW = X_post + S_pre X_pre`), as the study prints rules.
   */
  equation(
    rule: DecodedRule,
    opts: { synapseType?: [string, string]; coefficients?: boolean; digits?: number } = {},
  ): string {
    const keys = opts.synapseType ? [synapseTypeKey(...opts.synapseType)] : Object.keys(rule.coefficients);
    const c = this.terms.map(
      (_, t) => keys.reduce((s, k) => s + (rule.coefficients[k]?.[t] ?? 0), 0) / keys.length,
    );
    const digits = opts.digits ?? 2;
    // Terms that print as 0.00 are counted, not listed (with `coefficients: false`, every non-zero term is listed).
    const shown = (v: number) =>
      v !== 0 && (opts.coefficients === false || Math.abs(v) >= 0.5 * 10 ** -digits);
    const hidden = c.filter((v) => v !== 0 && !shown(v)).length;
    const order = c
      .map((v, t) => ({ v, t }))
      .filter((e) => shown(e.v))
      .sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.t - b.t);
    const rest =
      hidden > 0
        ? ` (+ ${hidden} term${hidden > 1 ? 's' : ''} under ${(0.5 * 10 ** -digits).toFixed(digits + 1)})`
        : '';
    if (order.length === 0) return `dW = 0${rest}`;
    const parts = order.map(({ v, t }, i) => {
      const name = termName(this.terms[t], this.signals);
      if (opts.coefficients === false) return `${i === 0 ? '' : '+ '}${name}`;
      const sign = v < 0 ? '-' : i === 0 ? '' : '+';
      return `${sign}${i === 0 ? '' : ' '}${Math.abs(v).toFixed(digits)} ${name}`;
    });
    return `dW = ${parts.join(' ')}${rest}`;
  }

  /** Active terms (open gates with a non-zero coefficient somewhere): the study's complexity objective. */
  activeTerms(rule: DecodedRule): number {
    return this.terms.filter((_, t) => Object.values(rule.coefficients).some((c) => c[t] !== 0)).length;
  }

  /**
   * The plasticity library's Taylor rule for one synapse type: S_pre, S_post, X_pre, X_post and R map to the
   * simulator's pre, post, xPre, xPost and modulator (the network supplies the reward trace as that modulator).
   * `learningRate` scales every coefficient. Dale's law (a projection's sign is its receptor), the type's weight
   * bound `wMax` and `adaptiveScaling` of the updates act outside the rule, in the simulator.
   */
  taylorRule(
    rule: DecodedRule,
    pre: string,
    post: string,
    opts: { wMax: number; learningRate?: number; modulatorName?: string; adaptiveScaling?: AdaptiveScaling },
  ): TaylorRuleParameters {
    const names = this.signals.map((s) => s.name);
    const slot: Record<string, number> = { S_pre: 0, S_post: 1, X_pre: 2, X_post: 3, R: 5 };
    const unknown = names.find((n) => !(n in slot));
    if (unknown !== undefined)
      throw new ConfigError(
        'genome.signals',
        `a spiking Taylor rule takes S_pre, S_post, X_pre, X_post and R; found ${unknown}`,
      );
    const key = synapseTypeKey(pre, post);
    const c = rule.coefficients[key];
    if (!c) throw new ConfigError('genome.synapseTypes', `the genome has no synapse type ${key}`);
    const lr = opts.learningRate ?? 1;
    const terms: TaylorTerm[] = [];
    this.terms.forEach((p, t) => {
      if (c[t] === 0) return;
      const powers = [0, 0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number, number];
      p.forEach((e, i) => (powers[slot[names[i]]] += e));
      terms.push({ powers, coefficient: lr * c[t] });
    });
    return {
      terms,
      tauPreMs: rule.tauEligibilityMs[pre] ?? 20,
      tauPostMs: rule.tauEligibilityMs[post] ?? 20,
      wMax: opts.wMax,
      ...(opts.modulatorName ? { modulatorName: opts.modulatorName } : {}),
      ...(opts.adaptiveScaling ? { adaptiveScaling: opts.adaptiveScaling } : {}),
    };
  }

  /** Refuses a network whose synapse types the genome does not cover, naming the first missing one. */
  checkFits(networkSynapseTypes: readonly [string, string][], where = 'network'): void {
    const have = new Set(this.synapseTypes.map(([a, b]) => synapseTypeKey(a, b)));
    for (const [a, b] of networkSynapseTypes)
      if (!have.has(synapseTypeKey(a, b)))
        throw new ConfigError(
          `${where}.synapseTypes`,
          `the genome has no rule for ${synapseTypeKey(a, b)} (it covers ${have.size} synapse types)`,
        );
  }

  /** The genome as JSON: its spec and genes (what `RuleGenome.fromJSON` reloads). */
  toJSON(genes: readonly number[]): RuleGenomeFile {
    if (genes.length !== this.size)
      throw new ConfigError('genes', `expected ${this.size} genes, found ${genes.length}`);
    return { format: 'neuroplast-rule-genome', version: 1, spec: this.spec, genes: [...genes] };
  }

  static fromJSON(file: unknown, where = 'genome'): { genome: RuleGenome; genes: number[] } {
    const f = file as Partial<RuleGenomeFile> | null;
    if (f?.format !== 'neuroplast-rule-genome' || f.version !== 1)
      throw new ConfigError(
        `${where}.format`,
        `expected "neuroplast-rule-genome" version 1, found ${JSON.stringify(f?.format)} ${JSON.stringify(f?.version)}`,
      );
    const genome = new RuleGenome(f.spec as RuleGenomeSpec, `${where}.spec`);
    const genes = f.genes;
    if (
      !Array.isArray(genes) ||
      genes.length !== genome.size ||
      genes.some((g) => typeof g !== 'number' || !Number.isFinite(g))
    )
      throw new ConfigError(
        `${where}.genes`,
        `expected ${genome.size} finite numbers, found ${Array.isArray(genes) ? `${genes.length} values` : JSON.stringify(genes)}`,
      );
    genes.forEach((g, i) => {
      if (g < genome.low[i] || g > genome.high[i])
        throw new ConfigError(
          `${where}.genes[${i}]`,
          `expected a value in [${genome.low[i]}, ${genome.high[i]}], found ${g}`,
        );
    });
    return { genome, genes };
  }
}

export interface RuleGenomeFile {
  format: 'neuroplast-rule-genome';
  version: 1;
  spec: RuleGenomeSpec;
  genes: number[];
}

function range(r: unknown, where: string, min: number): [number, number] {
  if (
    !Array.isArray(r) ||
    r.length !== 2 ||
    !r.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    !(r[0] < r[1]) ||
    r[0] < min
  )
    throw new ConfigError(
      where,
      `expected [low, high] with ${min === -Infinity ? '' : `${min} <= `}low < high, found ${JSON.stringify(r)}`,
    );
  return [r[0], r[1]];
}

function checkSignals(signals: readonly SignalSpec[], where: string): void {
  if (!Array.isArray(signals) || signals.length === 0)
    throw new ConfigError(where, `expected at least one signal, found ${JSON.stringify(signals)}`);
  const seen = new Set<string>();
  signals.forEach((s, i) => {
    if (typeof s?.name !== 'string' || s.name === '' || seen.has(s.name))
      throw new ConfigError(`${where}[${i}].name`, `expected a new name, found ${JSON.stringify(s?.name)}`);
    seen.add(s.name);
  });
}

function checkTerms(terms: readonly number[][], signals: readonly SignalSpec[], where: string): void {
  if (!Array.isArray(terms) || terms.length === 0)
    throw new ConfigError(where, `expected at least one term, found ${JSON.stringify(terms)}`);
  const seen = new Set<string>();
  terms.forEach((p, i) => {
    if (
      !Array.isArray(p) ||
      p.length !== signals.length ||
      p.some((e) => !Number.isInteger(e) || e < 0) ||
      p.every((e) => e === 0)
    )
      throw new ConfigError(
        `${where}[${i}]`,
        `expected ${signals.length} non-negative integer powers, not all 0 (${signals.map((s) => s.name).join(', ')}), found ${JSON.stringify(p)}`,
      );
    signals.forEach((s, k) => {
      if (s.binary && p[k] > 1)
        throw new ConfigError(
          `${where}[${i}]`,
          `${s.name} is binary (its square is itself): expected a power of at most 1, found ${p[k]}`,
        );
    });
    const key = p.join(',');
    if (seen.has(key)) throw new ConfigError(`${where}[${i}]`, `${termName(p, signals)} is listed twice`);
    seen.add(key);
  });
}
