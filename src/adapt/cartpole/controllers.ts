import { ConfigError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import type { LifGroup, LifParameters } from '../../spiking/neurons/index.js';
import type { PoissonGroup } from '../../spiking/inputs.js';
import { Network } from '../../spiking/network.js';
import type { Projection } from '../../spiking/projection.js';
import { RewardModulatedStdp } from '../../spiking/stdp.js';

/** The cart-pole's observation: x, xDot, theta, thetaDot, each scaled (see `CartPole.observation`). */
export const OBSERVATION_SIZE = 4;

/**
 * Something that drives the cart. Each step `act` gets the observation and the reward of the previous step (0 on
 * the first step of an episode) and returns an action in [-1, 1] (the force as a fraction of its magnitude).
 * `endEpisode`, when present, receives the episode's last observation and reward (the failure signal, or the last
 * step's reward when the episode ran out of steps) and does not act.
 */
export interface Controller {
  readonly name: string;
  startEpisode(rng: Rng): void;
  act(observation: Float32Array, reward: number): number;
  endEpisode?(observation: Float32Array, reward: number, failed: boolean): void;
}

function checkHidden(hidden: number, where: string): void {
  if (!Number.isInteger(hidden) || hidden < 1)
    throw new ConfigError(`${where}.hidden`, `expected an integer >= 1, found ${JSON.stringify(hidden)}`);
}

function checkGenome(genome: ArrayLike<number>, size: number, where: string): void {
  if (genome.length !== size)
    throw new ConfigError(`${where}.genome`, `expected ${size} genes, found ${genome.length}`);
  for (let i = 0; i < size; i++)
    if (!Number.isFinite(genome[i]))
      throw new ConfigError(`${where}.genome[${i}]`, `expected a finite number, found ${genome[i]}`);
}

/** Genes of a fixed network with `hidden` units: W1 (hidden x 4), b1, W2 (hidden), b2. */
export function fixedNetworkGenomeSize(hidden: number): number {
  checkHidden(hidden, 'fixedNetwork');
  return hidden * OBSERVATION_SIZE + hidden + hidden + 1;
}

/**
 * A multilayer perceptron 4 -> hidden (tanh) -> 1 (tanh) whose weights and biases are the genome: it does not
 * change during life. Genome layout: W1 row by row (hidden unit j's 4 input weights at 4 j), then b1, W2, b2.
 */
export class FixedNetworkController implements Controller {
  readonly name = 'fixed';
  private readonly genome: Float64Array;
  private readonly hiddenActivity: Float64Array;

  constructor(
    genome: ArrayLike<number>,
    readonly hidden: number,
  ) {
    checkGenome(genome, fixedNetworkGenomeSize(hidden), 'fixedNetwork');
    this.genome = Float64Array.from(genome);
    this.hiddenActivity = new Float64Array(hidden);
  }

  startEpisode(): void {}

  act(observation: Float32Array, _reward = 0): number {
    const g = this.genome;
    const h = this.hidden;
    const b1 = h * OBSERVATION_SIZE;
    const w2 = b1 + h;
    let out = g[w2 + h];
    for (let j = 0; j < h; j++) {
      let sum = g[b1 + j];
      for (let i = 0; i < OBSERVATION_SIZE; i++) sum += g[j * OBSERVATION_SIZE + i] * observation[i];
      this.hiddenActivity[j] = Math.tanh(sum);
      out += g[w2 + j] * this.hiddenActivity[j];
    }
    return Math.tanh(out);
  }
}

/** Coefficients per synapse of the ABCD rule, in genome order. */
export const HEBBIAN_COEFFICIENTS = ['eta', 'A', 'B', 'C', 'D'] as const;

/** Genes of a Hebbian network with `hidden` units: 5 coefficients for each of its 4 hidden + hidden synapses. */
export function hebbianGenomeSize(hidden: number): number {
  checkHidden(hidden, 'hebbianNetwork');
  return HEBBIAN_COEFFICIENTS.length * (OBSERVATION_SIZE * hidden + hidden);
}

export interface HebbianNetworkOptions {
  /** Initial weights are uniform in [-initialWeight, initialWeight] (Najarro & Risi: 0.1). */
  initialWeight?: number;
  /**
   * Divide each layer's weights by their largest magnitude after every update, as Najarro & Risi's code does for
   * every environment but the Bullet ones (default true): it keeps the weights bounded whatever the rule.
   */
  normaliseWeights?: boolean;
}

/**
 * The random network with synapse-specific Hebbian rules of Najarro & Risi (2020, "Meta-learning through Hebbian
 * plasticity in random networks"): 4 -> hidden (tanh) -> 1 (tanh), no biases. At the start of every episode the
 * weights are drawn anew, uniform in [-0.1, 0.1]; after each step every synapse changes by the ABCD rule
 *   delta w_ij = eta_ij (A_ij o_i o_j + B_ij o_i + C_ij o_j + D_ij)
 * with o_i the presynaptic and o_j the postsynaptic activity of that step (the observation for the first layer),
 * then each layer is divided by its largest |w| (see `normaliseWeights`). Only the coefficients are the genome:
 * synapse k's five coefficients sit at 5 k .. 5 k + 4 in the order eta, A, B, C, D; the first layer's synapses come
 * first, numbered k = j * 4 + i (post j, pre i), then the second layer's (k = 4 hidden + j).
 */
export class HebbianNetworkController implements Controller {
  readonly name = 'hebbian';
  /** Weights, layer 1 (hidden x 4, row j = post unit j) and layer 2 (hidden): public for inspection and tests. */
  readonly inputWeights: Float64Array;
  readonly outputWeights: Float64Array;
  /** The activities of the last step: observation, hidden units, output. */
  readonly inputActivity = new Float64Array(OBSERVATION_SIZE);
  readonly hiddenActivity: Float64Array;
  outputActivity = 0;
  private readonly coefficients: Float64Array;
  private readonly initialWeight: number;
  private readonly normaliseWeights: boolean;

  constructor(
    genome: ArrayLike<number>,
    readonly hidden: number,
    options: HebbianNetworkOptions = {},
  ) {
    checkGenome(genome, hebbianGenomeSize(hidden), 'hebbianNetwork');
    this.coefficients = Float64Array.from(genome);
    this.initialWeight = options.initialWeight ?? 0.1;
    if (!(this.initialWeight > 0) || !Number.isFinite(this.initialWeight))
      throw new ConfigError(
        'hebbianNetwork.initialWeight',
        `expected a finite number > 0, found ${JSON.stringify(options.initialWeight)}`,
      );
    this.normaliseWeights = options.normaliseWeights ?? true;
    this.inputWeights = new Float64Array(OBSERVATION_SIZE * hidden);
    this.outputWeights = new Float64Array(hidden);
    this.hiddenActivity = new Float64Array(hidden);
  }

  startEpisode(rng: Rng): void {
    const a = this.initialWeight;
    for (const w of [this.inputWeights, this.outputWeights])
      for (let k = 0; k < w.length; k++) w[k] = -a + 2 * a * rng.float();
  }

  /** The action from the current weights, then the Hebbian update with this step's activities. */
  act(observation: Float32Array, _reward = 0): number {
    const h = this.hidden;
    this.inputActivity.set(observation.subarray(0, OBSERVATION_SIZE));
    let out = 0;
    for (let j = 0; j < h; j++) {
      let sum = 0;
      for (let i = 0; i < OBSERVATION_SIZE; i++)
        sum += this.inputWeights[j * OBSERVATION_SIZE + i] * this.inputActivity[i];
      this.hiddenActivity[j] = Math.tanh(sum);
      out += this.outputWeights[j] * this.hiddenActivity[j];
    }
    this.outputActivity = Math.tanh(out);
    this.update();
    return this.outputActivity;
  }

  private update(): void {
    const c = this.coefficients;
    const n = HEBBIAN_COEFFICIENTS.length;
    const change = (w: Float64Array, at: number, k: number, pre: number, post: number) => {
      const o = n * k;
      w[at] += c[o] * (c[o + 1] * pre * post + c[o + 2] * pre + c[o + 3] * post + c[o + 4]);
    };
    const h = this.hidden;
    for (let j = 0; j < h; j++)
      for (let i = 0; i < OBSERVATION_SIZE; i++) {
        const k = j * OBSERVATION_SIZE + i;
        change(this.inputWeights, k, k, this.inputActivity[i], this.hiddenActivity[j]);
      }
    const offset = OBSERVATION_SIZE * h;
    for (let j = 0; j < h; j++)
      change(this.outputWeights, j, offset + j, this.hiddenActivity[j], this.outputActivity);
    if (this.normaliseWeights) for (const w of [this.inputWeights, this.outputWeights]) divideByLargest(w);
  }
}

function divideByLargest(w: Float64Array): void {
  let largest = 0;
  for (let k = 0; k < w.length; k++) largest = Math.max(largest, Math.abs(w[k]));
  // A layer that went to zero stays zero rather than becoming NaN.
  if (largest > 0) for (let k = 0; k < w.length; k++) w[k] /= largest;
}

export interface SpikingControllerOptions {
  /** Seeds the network's weights and Poisson inputs. */
  seed: number;
  /** Gaussian receptive fields per observation variable, centres evenly over [-1, 1] (default 7). */
  inputsPerVariable?: number;
  /** Peak rate of an input neuron at its field's centre (default 100 Hz). */
  maxInputRateHz?: number;
  /** LIF neurons in each of the two action populations, push left and push right (default 10). */
  neuronsPerAction?: number;
  /** Simulated time per control step: the cart-pole's step (default 20 ms). */
  controlStepMs?: number;
  /** The simulator's step (default 1 ms). */
  simulationStepMs?: number;
  /** A difference of this many Hz between the populations' mean rates (right - left) is full force (default 40). */
  actionRateScaleHz?: number;
  /** Decay of the synaptic eligibility (default 50 ms: about the last two control steps). */
  eligibilityTimeConstantMs?: number;
  /** Gain of the third factor on the weights (pA per unit of TD error per unit of eligibility; default 4). */
  actorLearningRate?: number;
  /** Step size of the critic, divided by the squared norm of the features (default 0.2). */
  criticLearningRate?: number;
  /** Discount of the critic's values per control step (default 0.95). */
  discount?: number;
  /** Weight of the fixed inhibition between the two populations (pA; default 30, 0 for none). */
  lateralInhibitionPa?: number;
}

/** The action neurons: current-based LIF, membrane time constant 20 ms, 16 mV from rest to threshold. */
const ACTION_NEURON: LifParameters = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -70,
  vThreshMv: -54,
  vResetMv: -70,
  refractoryMs: 2,
  synapse: 'current',
  tauExcMs: 5,
  tauInhMs: 5,
};

/**
 * A spiking actor that learns during life by a three-factor rule, on the repository's simulator (`Network`, stepped
 * one control step at a time). Each observation variable is coded by a row of Poisson input neurons with Gaussian
 * receptive fields (population code); every input projects to two populations of LIF neurons, push left and push
 * right, which inhibit each other; the action is the difference of their mean rates over the control step, scaled
 * by `actionRateScaleHz` and clipped to [-1, 1]. The input synapses carry reward-modulated STDP
 * (`RewardModulatedStdp`: pair STDP writes a decaying eligibility per synapse, and a third factor gates its
 * conversion into weight change; Izhikevich 2007, Florian 2007). The third factor is a TD error, as in Fremaux,
 * Sprekeler & Gerstner (2013), here from a linear critic over the same receptive fields (the adaptive critic
 * element of Barto, Sutton & Anderson 1983): delta = r + discount V(s') - V(s), with the cart-pole's reward of 0
 * while balanced and -1 at failure, V(s') = 0 after a failure.
 *
 * Timing: after each control step the TD error of the step just taken is delivered as a one-simulation-step pulse
 * with the inputs silent, so it meets the eligibility of the spikes that chose that action (and, decayed, of the
 * step before) and not that of the next one. The weights and the critic persist across episodes (the controller
 * learns over its life); `startEpisode` only resets the membranes, synaptic currents and eligibilities.
 */
/** Every option SpikingThreeFactorController takes (anything else is refused). */
export const SPIKING_CONTROLLER_OPTIONS = [
  'seed',
  'inputsPerVariable',
  'maxInputRateHz',
  'neuronsPerAction',
  'controlStepMs',
  'simulationStepMs',
  'actionRateScaleHz',
  'eligibilityTimeConstantMs',
  'actorLearningRate',
  'criticLearningRate',
  'discount',
  'lateralInhibitionPa',
] as const;

export class SpikingThreeFactorController implements Controller {
  readonly name = 'spiking';
  readonly network: Network;
  readonly inputs: PoissonGroup;
  readonly actions: LifGroup;
  readonly rule: RewardModulatedStdp;
  readonly inputProjection: Projection;
  /** The critic's weights: one per receptive field, then a bias. */
  readonly criticWeights: Float64Array;
  /** The TD error of the last step (0 before the first). */
  lastTdError = 0;
  private readonly fieldsPerVariable: number;
  private readonly fieldWidth: number;
  private readonly maxInputRateHz: number;
  private readonly neuronsPerAction: number;
  private readonly controlStepMs: number;
  private readonly actionRateScaleHz: number;
  private readonly criticLearningRate: number;
  private readonly discount: number;
  private features: Float64Array;
  private previousFeatures: Float64Array;
  private hasPrevious = false;
  private leftSpikes = 0;
  private rightSpikes = 0;

  constructor(options: SpikingControllerOptions) {
    const where = 'spikingController';
    const get = (key: keyof SpikingControllerOptions, fallback: number, integer = false, zeroOk = false) => {
      const v = options[key] ?? fallback;
      if (
        typeof v !== 'number' ||
        !Number.isFinite(v) ||
        (zeroOk ? v < 0 : v <= 0) ||
        (integer && !Number.isInteger(v))
      )
        throw new ConfigError(
          `${where}.${key}`,
          `expected a finite ${integer ? 'integer' : 'number'} ${zeroOk ? '>= 0' : '> 0'}, found ${JSON.stringify(v)}`,
        );
      return v;
    };
    for (const key of Object.keys(options))
      if (!(SPIKING_CONTROLLER_OPTIONS as readonly string[]).includes(key))
        throw new ConfigError(
          `${where}.${key}`,
          `expected one of ${SPIKING_CONTROLLER_OPTIONS.join(', ')}; found an unknown option`,
        );
    if (!Number.isInteger(options.seed) || options.seed < 0)
      throw new ConfigError(
        `${where}.seed`,
        `expected an integer >= 0, found ${JSON.stringify(options.seed)}`,
      );
    this.fieldsPerVariable = get('inputsPerVariable', 7, true);
    if (this.fieldsPerVariable < 2)
      throw new ConfigError(
        `${where}.inputsPerVariable`,
        `expected at least 2, found ${this.fieldsPerVariable}`,
      );
    this.fieldWidth = (0.6 * 2) / (this.fieldsPerVariable - 1);
    this.maxInputRateHz = get('maxInputRateHz', 100);
    this.neuronsPerAction = get('neuronsPerAction', 10, true);
    this.controlStepMs = get('controlStepMs', 20);
    const dtMs = get('simulationStepMs', 1);
    this.actionRateScaleHz = get('actionRateScaleHz', 40);
    const tauEligibilityMs = get('eligibilityTimeConstantMs', 50);
    const actorLearningRate = get('actorLearningRate', 4, false, true);
    this.criticLearningRate = get('criticLearningRate', 0.2, false, true);
    this.discount = get('discount', 0.95);
    const inhibitionPa = get('lateralInhibitionPa', 30, false, true);

    const inputCount = OBSERVATION_SIZE * this.fieldsPerVariable;
    this.features = new Float64Array(inputCount);
    this.previousFeatures = new Float64Array(inputCount);
    this.criticWeights = new Float64Array(inputCount + 1);
    const net = (this.network = new Network(dtMs));
    this.inputs = net.poisson('inputs', inputCount, 0, options.seed);
    const n = this.neuronsPerAction;
    this.actions = net.lif('actions', 2 * n, ACTION_NEURON);
    const wMaxPa = 80;
    // Eligibility only: this rule's STDP changes the tags, the third factor the weights.
    this.rule = new RewardModulatedStdp(
      { aPlus: 1, aMinus: 0.5, tauPlusMs: 20, tauMinusMs: 20, wMax: wMaxPa },
      tauEligibilityMs,
      actorLearningRate,
    );
    this.inputProjection = net.connect(this.inputs, this.actions, {
      connector: { kind: 'all-to-all' },
      weight: (rng) => wMaxPa * (0.25 + 0.5 * rng.float()),
      receptor: 'exc',
      seed: options.seed,
      plasticity: this.rule,
    });
    if (inhibitionPa > 0) {
      const left = net.subgroup(this.actions, 0, n, 'push-left');
      const right = net.subgroup(this.actions, n, 2 * n, 'push-right');
      for (const [from, to] of [
        [left, right],
        [right, left],
      ])
        net.connect(from, to, {
          connector: { kind: 'all-to-all' },
          weight: inhibitionPa,
          receptor: 'inh',
          seed: 0,
        });
    }
    net.operation(
      () => {
        for (const i of this.actions.spikes) {
          if (i < n) this.leftSpikes++;
          else this.rightSpikes++;
        }
      },
      { when: 'end' },
    );
  }

  /** The critic's value of a feature vector. */
  value(features: Float64Array): number {
    const w = this.criticWeights;
    let v = w[features.length];
    for (let k = 0; k < features.length; k++) v += w[k] * features[k];
    return v;
  }

  /** Gaussian receptive fields: centres evenly over [-1, 1] per variable, the observation clipped to [-1.5, 1.5]. */
  encode(observation: Float32Array, out: Float64Array = this.features): Float64Array {
    const m = this.fieldsPerVariable;
    for (let v = 0; v < OBSERVATION_SIZE; v++) {
      const o = Math.max(-1.5, Math.min(1.5, observation[v]));
      for (let k = 0; k < m; k++) {
        const d = (o - (-1 + (2 * k) / (m - 1))) / this.fieldWidth;
        out[v * m + k] = Math.exp(-0.5 * d * d);
      }
    }
    return out;
  }

  startEpisode(): void {
    this.actions.v.fill(ACTION_NEURON.eLeakMv);
    this.actions.exc.fill(0);
    this.actions.inh.fill(0);
    this.actions.refractory.fill(0);
    // The rule's state (pair traces, eligibility) is views of its arrays: nothing of the last episode carries over.
    for (const state of Object.values(this.rule.saveState()))
      if (ArrayBuffer.isView(state)) (state as Float32Array).fill(0);
    this.rule.traces.fill(0);
    this.hasPrevious = false;
    this.lastTdError = 0;
  }

  act(observation: Float32Array, reward: number): number {
    this.encode(observation);
    if (this.hasPrevious)
      this.learn(reward + this.discount * this.value(this.features) - this.value(this.previousFeatures));
    for (let k = 0; k < this.features.length; k++)
      this.inputs.rateHz[k] = this.maxInputRateHz * this.features[k];
    this.leftSpikes = 0;
    this.rightSpikes = 0;
    this.network.run(this.controlStepMs);
    [this.previousFeatures, this.features] = [this.features, this.previousFeatures];
    this.hasPrevious = true;
    const perNeuronS = this.neuronsPerAction * (this.controlStepMs / 1000);
    const rateDifferenceHz = (this.rightSpikes - this.leftSpikes) / perNeuronS;
    return Math.max(-1, Math.min(1, rateDifferenceHz / this.actionRateScaleHz));
  }

  endEpisode(observation: Float32Array, reward: number, failed: boolean): void {
    if (!this.hasPrevious) return;
    const next = failed ? 0 : this.discount * this.value(this.encode(observation));
    this.learn(reward + next - this.value(this.previousFeatures));
    this.hasPrevious = false;
  }

  /** The critic's TD(0) step on the previous state, then the TD error as a pulse of the third factor. */
  private learn(tdError: number): void {
    this.lastTdError = tdError;
    const phi = this.previousFeatures;
    let norm = 1;
    for (let k = 0; k < phi.length; k++) norm += phi[k] * phi[k];
    const step = (this.criticLearningRate * tdError) / norm;
    for (let k = 0; k < phi.length; k++) this.criticWeights[k] += step * phi[k];
    this.criticWeights[phi.length] += step;
    this.inputs.rateHz.fill(0);
    this.rule.modulator = tdError / this.network.dtMs;
    this.network.run(this.network.dtMs);
    this.rule.modulator = 0;
  }
}
