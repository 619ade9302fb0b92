import { Rng, type RngState } from '../../util/rng.js';
import { ConfigError, DataFormatError, NeuroplastError } from '../../util/errors.js';
import {
  readStateDir,
  stateArray,
  stateNumber,
  stateObject,
  stateRng,
  writeStateDir,
  type StateFormat,
} from '../saved-state.js';
import { DiehlCookCellGroup } from './cells.js';
import { PoissonPresentation } from './input.js';
import { diehlCookParameters, type DiehlCookOverrides, type DiehlCookParameters } from './parameters.js';

/** exp(-k dt / tau) for k = 0..n-1 and 0 beyond: a nearest-spike trace read from the steps since the spike. */
function traceTable(tauMs: number, dtMs: number): Float64Array {
  const n = Math.ceil((40 * tauMs) / dtMs) + 1;
  const t = Float64Array.from({ length: n + 1 }, (_, k) => Math.exp((-k * dtMs) / tauMs));
  t[n] = 0;
  return t;
}

/**
 * Everything needed to continue a run exactly: float32 arrays (weights, thresholds, cell state, refractory steps
 * left, steps since each synapse's last arrival and each neuron's last spike), the generator and the step counter.
 */
export interface DiehlCookState {
  arrays: Record<string, Float32Array>;
  rng: RngState;
  step: number;
}

/** A saved Diehl & Cook network: the directory format of saved-state.ts under its own format name. */
export const DIEHL_COOK_FORMAT: StateFormat = {
  format: 'neuroplast-diehl-cook',
  formatVersion: 1,
  what: 'saved Diehl & Cook network',
};

/** Result of one image: excitatory spike counts during the accepted presentation (a buffer the next presentation
 * reuses), and what it took. */
export interface Presentation {
  counts: Int32Array;
  /** Input spikes drawn for the accepted presentation. */
  inputSpikes: number;
  intensity: number;
  presentations: number;
}

/**
 * Unsupervised digit learning with STDP (Diehl & Cook 2015, "Unsupervised learning of digit recognition using
 * spike-timing-dependent plasticity"), with the parameters of the authors' published Brian code:
 *
 *   input   784 Poisson trains, rate = pixel / 8 * intensity Hz (intensity 2: up to 63.75 Hz), 350 ms per image,
 *           then 150 ms without input; fewer than `minSpikes` excitatory spikes -> intensity += 1, present again.
 *   E cells tau_m dv/dt = (vRest - v) + ge (eExc - v) + gi (eInh - v), tau_ge = 1 ms, tau_gi = 2 ms (ge, gi in
 *           units of the leak conductance); spike when v > vThresh + theta - thetaOffset; theta += thetaPlus per
 *           spike and decays with tau_theta = 1e7 ms (an adaptive threshold: intrinsic plasticity).
 *   I cells the same equations with their own constants; E_j -> I_j one to one (weight 10.4),
 *           I_j -> every E_k, k != j (weight 17): lateral inhibition, soft winner-take-all.
 *   STDP    on input->E only, nearest-spike traces (each trace is set to 1 on a spike and decays):
 *           pre spike:  w -= nuPre * post1;   post spike: w += nuPost * pre * post2 (post2 read before its reset);
 *           w clipped to [0, wMax]; before each presentation every E cell's input weights are scaled to sum to
 *           `columnSum` (weight normalisation).
 *
 * Integration follows the original (forward Euler at dt 0.5 ms) for v, ge and gi, except that a membrane step
 * whose rate dt (1 + ge + gi) / tau_m exceeds `eulerMaxRate` (0.1) is taken exactly: with strong inhibition Euler
 * overshoots past the reversal potential, and can diverge and silence the network for good. The traces are
 * evaluated exactly from the step of each neuron's last spike, so they cost nothing between spikes. Input spikes
 * are drawn as exact Poisson processes (exponential intervals, placed on the step grid), so the input costs work
 * per spike, not per input per step. The original's random input delays (up to 10 ms) are an option
 * (`inputDelayMaxMs`): a spike then reaches each target, and its plasticity, at its own arrival step, with the pre
 * trace kept per synapse. They are off by default, as in BindsNET: with them, accuracy after 20000 images measured
 * lower than without (the figures are in docs/spiking.md, Diehl & Cook: "Input delays").
 *
 * The network: input weights, adaptive thresholds and the simulation of one image at a time.
 */
export class DiehlCookNetwork {
  readonly params: DiehlCookParameters;
  /** Input -> excitatory weights, row-major [inputSize x neurons]. Float32 state, so checkpoints are exact. */
  readonly weights: Float32Array;
  /** Adaptive threshold theta per excitatory neuron (mV). */
  readonly theta: Float32Array;
  private readonly exc: DiehlCookCellGroup;
  private readonly inh: DiehlCookCellGroup;
  private readonly input: PoissonPresentation;
  private rng: Rng;
  /** Global step counter (presentations and rests); nearest-spike traces are read from it. */
  private t = 0;
  /** Step of the last spike arrival per input synapse, and of the last spike per excitatory neuron. */
  private readonly lastArrival: Float64Array;
  private readonly lastPost: Float64Array;
  /** Delay of each input synapse in steps; its targets sorted by delay, and where each delay's run starts. */
  private readonly delay: Float32Array;
  private readonly delaySteps: number;
  private readonly delayTarget: Int32Array;
  private readonly delayStart: Int32Array;
  private readonly preTrace: Float64Array;
  private readonly post1Trace: Float64Array;
  private readonly post2Trace: Float64Array;
  private readonly counts: Int32Array;
  private readonly post1: Float64Array;
  private readonly rates: Float64Array;
  private readonly columnSums: Float64Array;

  constructor(overrides: DiehlCookOverrides = {}, seed = 0) {
    const p = (this.params = diehlCookParameters(overrides));
    const n = p.neurons;
    this.rng = new Rng(seed, 21);
    const init = new Rng(seed, 22);
    this.weights = Float32Array.from(
      { length: p.inputSize * n },
      () => p.initWeightMin + (p.initWeightMax - p.initWeightMin) * init.float(),
    );
    this.theta = new Float32Array(n).fill(p.thetaInitMv);
    this.exc = new DiehlCookCellGroup('exc', n, p.excitatory, p.dtMs, p.eulerMaxRate, {
      theta: this.theta,
      offsetMv: p.thetaOffsetMv,
    });
    this.inh = new DiehlCookCellGroup('inh', n, p.inhibitory, p.dtMs, p.eulerMaxRate);
    this.lastArrival = new Float64Array(p.inputSize * n).fill(-1e9);
    this.lastPost = new Float64Array(n).fill(-1e9);
    const D = (this.delaySteps = Math.round(p.inputDelayMaxMs / p.dtMs));
    const delayRng = new Rng(seed, 23);
    this.delay = Float32Array.from({ length: p.inputSize * n }, () => Math.round(delayRng.float() * D));
    this.delayTarget = new Int32Array(p.inputSize * n);
    this.delayStart = new Int32Array(p.inputSize * (D + 2));
    this.indexDelays();
    this.preTrace = traceTable(p.tauPreMs, p.dtMs);
    this.post1Trace = traceTable(p.tauPost1Ms, p.dtMs);
    this.post2Trace = traceTable(p.tauPost2Ms, p.dtMs);
    this.counts = new Int32Array(n);
    this.post1 = new Float64Array(n);
    this.rates = new Float64Array(p.inputSize);
    this.input = new PoissonPresentation(p.presentMs, p.dtMs);
    this.columnSums = new Float64Array(n);
  }

  /** Counting sort of each input's targets by delay, so a spike's arrivals are contiguous runs per delay. */
  private indexDelays(): void {
    const { neurons: n, inputSize } = this.params;
    const D = this.delaySteps;
    const starts = this.delayStart.fill(0);
    for (let i = 0; i < inputSize; i++) {
      const base = i * (D + 2);
      for (let j = 0; j < n; j++) starts[base + this.delay[i * n + j] + 1]++;
      starts[base] = i * n;
      for (let d = 0; d <= D; d++) starts[base + d + 1] += starts[base + d];
      const fill = starts.slice(base, base + D + 1);
      for (let j = 0; j < n; j++) this.delayTarget[fill[this.delay[i * n + j]]++] = j;
    }
  }

  /** Scales each excitatory neuron's input weights to sum to `columnSum`. */
  normalize(): void {
    const { weights: w } = this;
    const { neurons: n, inputSize, columnSum } = this.params;
    const sums = this.columnSums.fill(0);
    for (let i = 0; i < inputSize; i++) for (let j = 0; j < n; j++) sums[j] += w[i * n + j];
    for (let j = 0; j < n; j++) sums[j] = sums[j] > 0 ? columnSum / sums[j] : 0;
    for (let i = 0; i < inputSize; i++) for (let j = 0; j < n; j++) w[i * n + j] *= sums[j];
  }

  /**
   * Presents one image (`pixels`, 0..255, `inputSize` long) as in the paper: normalise (when learning), 350 ms of
   * Poisson input, 150 ms rest; repeated at a higher intensity while the network answers with too few spikes.
   * With `learn` false the weights and thresholds are frozen (the paper's labelling and test phases).
   */
  present(pixels: ArrayLike<number>, learn: boolean): Presentation {
    const p = this.params;
    if (pixels.length !== p.inputSize)
      throw new ConfigError('diehl-cook image', `expected ${p.inputSize} pixels, found ${pixels.length}`);
    let intensity = p.inputIntensity;
    let presentations = 0;
    let inputSpikes = 0;
    for (;;) {
      presentations++;
      if (learn) this.normalize();
      for (let i = 0; i < p.inputSize; i++) this.rates[i] = (pixels[i] / 8) * intensity;
      inputSpikes = this.input.draw(this.rates, this.rng);
      const spikes = this.simulate(this.input.steps, true, learn);
      this.simulate(Math.round(p.restMs / p.dtMs), false, learn);
      if (spikes >= p.minSpikes || intensity + 1 > p.maxIntensity) break;
      intensity += 1;
    }
    return { counts: this.counts, inputSpikes, intensity, presentations };
  }

  /**
   * Simulates `steps` steps: with input (a presentation, whose excitatory spikes are counted) or without (the
   * rest, whose spikes still drive inhibition and plasticity, and in which delayed input spikes still arrive).
   * Returns the excitatory spikes counted.
   */
  private simulate(steps: number, input: boolean, learn: boolean): number {
    const p = this.params;
    const n = p.neurons;
    const { weights: w, exc, inh, counts, lastArrival, lastPost, post1, theta } = this;
    const { nuPre, nuPost, wMax, thetaPlusMv, excToInhWeight, inhToExcWeight } = p;
    const { preTrace, post1Trace, post2Trace, delayTarget, delayStart } = this;
    const inputSize = p.inputSize;
    const { start, inputs: events, steps: presentSteps } = this.input;
    const D = this.delaySteps;
    if (input) counts.fill(0);
    let total = 0;
    for (let s = 0; s < steps; s++) {
      const t = this.t++;
      exc.step();
      inh.step();
      const excSpikes = exc.spikeCount;
      const inhSpikes = inh.spikeCount;
      // Input spikes arriving now (sent d steps ago): transmitted with the weight they find, then depressed by
      // the post trace (on_pre); the synapse's pre trace restarts.
      const at = input ? s : presentSteps + s;
      let post1Ready = false;
      for (let d = 0; d <= D; d++) {
        const sent = at - d;
        if (sent < 0 || sent >= presentSteps) continue;
        const e0 = start[sent];
        const e1 = start[sent + 1];
        if (e1 === e0) continue;
        const ge = exc.ge;
        if (learn && !post1Ready) {
          for (let j = 0; j < n; j++) post1[j] = post1Trace[Math.min(t - lastPost[j], post1Trace.length - 1)];
          post1Ready = true;
        }
        for (let e = e0; e < e1; e++) {
          const i = events[e];
          const row = i * n;
          const k0 = delayStart[i * (D + 2) + d];
          const k1 = delayStart[i * (D + 2) + d + 1];
          if (learn) {
            for (let k = k0; k < k1; k++) {
              const j = delayTarget[k];
              const wij = w[row + j];
              ge[j] += wij;
              const x = wij - nuPre * post1[j];
              w[row + j] = x > 0 ? x : 0;
              lastArrival[row + j] = t;
            }
          } else for (let k = k0; k < k1; k++) ge[delayTarget[k]] += w[row + delayTarget[k]];
        }
      }
      if (excSpikes > 0) {
        const spikes = exc.spikeBuf;
        const ge = inh.ge;
        for (let k = 0; k < excSpikes; k++) {
          const j = spikes[k];
          if (input) counts[j]++;
          ge[j] += excToInhWeight;
          if (!learn) continue;
          theta[j] += thetaPlusMv;
          // on_post: potentiation by each synapse's pre trace, gated by the slow post trace read before its reset.
          const post2 = post2Trace[Math.min(t - lastPost[j], post2Trace.length - 1)];
          if (post2 > 0) {
            const last = preTrace.length - 1;
            const gain = nuPost * post2;
            for (let i = 0; i < inputSize; i++) {
              const pre = preTrace[Math.min(t - lastArrival[i * n + j], last)];
              if (pre === 0) continue;
              const x = w[i * n + j] + gain * pre;
              w[i * n + j] = x < wMax ? x : wMax;
            }
          }
          lastPost[j] = t;
        }
        total += excSpikes;
      }
      if (inhSpikes > 0) {
        const spikes = inh.spikeBuf;
        const gi = exc.gi;
        for (let k = 0; k < inhSpikes; k++) {
          const j = spikes[k];
          for (let q = 0; q < n; q++) if (q !== j) gi[q] += inhToExcWeight;
        }
      }
    }
    if (learn) {
      // theta's decay (tau 1e7 ms) is below float resolution per step: applied once per stretch, exactly.
      const decay = Math.exp(-(steps * p.dtMs) / p.tauThetaMs);
      for (let j = 0; j < n; j++) theta[j] *= decay;
    }
    return input ? total : 0;
  }

  /** Fresh cell state (v at rest, no conductance, no traces): used at the start of each frozen-phase chunk. */
  resetState(): void {
    this.exc.reset();
    this.inh.reset();
    this.lastArrival.fill(-1e9);
    this.lastPost.fill(-1e9);
  }

  reseed(seed: number, stream: number): void {
    this.rng = new Rng(seed, stream);
  }

  /** Steps since each last spike, capped where every trace has decayed to 0 (exact in float32). */
  private since(last: Float64Array): Float32Array {
    const cap = Math.max(this.preTrace.length, this.post1Trace.length, this.post2Trace.length);
    return Float32Array.from(last, (l) => Math.min(this.t - l, cap));
  }

  private stateArrays(): Record<string, Float32Array | Int32Array> {
    const { exc, inh } = this;
    return {
      weights: this.weights,
      delaySteps: this.delay,
      theta: this.theta,
      excV: exc.v,
      excGe: exc.ge,
      excGi: exc.gi,
      excRefractory: exc.refractory,
      inhV: inh.v,
      inhGe: inh.ge,
      inhGi: inh.gi,
      inhRefractory: inh.refractory,
    };
  }

  state(): DiehlCookState {
    const arrays: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(this.stateArrays())) arrays[k] = Float32Array.from(v);
    arrays.stepsSinceArrival = this.since(this.lastArrival);
    arrays.stepsSincePost = this.since(this.lastPost);
    return { arrays, rng: this.rng.getState(), step: this.t };
  }

  /** Restores a state from `state()`, so the run continues exactly as if it had not stopped. */
  restore(s: DiehlCookState): void {
    const check = (name: string, length: number) => {
      const src = s.arrays[name];
      if (!src || src.length !== length)
        throw new ConfigError(
          `diehl-cook state.${name}`,
          `expected ${length} values (${this.params.inputSize} inputs, ${this.params.neurons} neurons), found ${src ? src.length : 'none'}`,
        );
      return src;
    };
    const targets = this.stateArrays();
    for (const [name, target] of Object.entries(targets)) check(name, target.length);
    const arrival = check('stepsSinceArrival', this.lastArrival.length);
    const post = check('stepsSincePost', this.lastPost.length);
    for (let k = 0; k < this.delay.length; k++)
      if (!(
        Number.isInteger(s.arrays.delaySteps[k]) &&
        s.arrays.delaySteps[k] >= 0 &&
        s.arrays.delaySteps[k] <= this.delaySteps
      ))
        throw new ConfigError(
          `diehl-cook state.delaySteps[${k}]`,
          `expected an integer in [0, ${this.delaySteps}], found ${s.arrays.delaySteps[k]}`,
        );
    for (const [name, target] of Object.entries(targets)) target.set(s.arrays[name]);
    this.indexDelays();
    this.t = s.step;
    this.lastArrival.set(Float64Array.from(arrival, (x) => s.step - x));
    this.lastPost.set(Float64Array.from(post, (x) => s.step - x));
    this.rng = Rng.fromState(s.rng);
  }

  /**
   * Saves the parameters and `state()` into directory `dir` (network.json and a SHA-256-checked arrays file,
   * written atomically, as `saveNetwork` does), so that `DiehlCookNetwork.load` continues the run exactly.
   */
  async save(dir: string): Promise<void> {
    const s = this.state();
    await writeStateDir(dir, DIEHL_COOK_FORMAT, {
      params: this.params,
      step: s.step,
      rng: s.rng,
      state: s.arrays,
    });
  }

  /** Loads a network saved by `save`; refusals are one line naming the file and the field. */
  static async load(dir: string): Promise<DiehlCookNetwork> {
    const { file, manifest } = await readStateDir(dir, DIEHL_COOK_FORMAT);
    const top = `${file}:`;
    const step = stateNumber(manifest, 'step', top, 'count');
    const rng = stateRng(manifest, 'rng', top);
    const saved = stateObject(manifest, 'state', top);
    const arrays: Record<string, Float32Array> = {};
    for (const k of Object.keys(saved)) arrays[k] = stateArray(saved, k, 'float32', null, `${top} state`);
    try {
      const net = new DiehlCookNetwork(stateObject(manifest, 'params', top) as DiehlCookOverrides, 0);
      net.restore({ arrays, rng, step });
      return net;
    } catch (err) {
      if (err instanceof NeuroplastError && !(err instanceof DataFormatError))
        throw new DataFormatError(file, err.message);
      throw err;
    }
  }
}
