import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { mlp, type Sequential } from '../../engine/index.js';
import { SGD, type Optimizer } from '../../optim/index.js';
import { modulateLearningRates, sampleIndex, softmaxPolicy } from '../gradient.js';
import type { NeuromodulatorySystem } from '../system.js';
import type { LearnerSignals } from '../signals.js';
import type { GoNoGoAgent } from './agent.js';
import type { GoNoGoTaskSpec, Trial } from './task.js';

export interface GradientAgentParameters {
  /** Hidden units of actor and critic (0: linear in the cues, each cue's association learned on its own). */
  hidden: number;
  lrActor: number;
  lrCritic: number;
  /** The update's duration on the modulators' clock (ms per trial). */
  msPerTrial: number;
  /**
   * Modules (1: none). With more, each module is an actor, a critic and an outcome model, and a noradrenaline burst
   * (a surprise above noradrenaline's threshold) switches to the module whose outcome model best predicts the last
   * `switchWindow` trials, if its mean squared error is below `switchFit`, or else to a module not used yet (after
   * Barry & Gerstner 2024: more modules than rules keep the old rules).
   */
  modules: number;
  switchWindow: number;
  switchFit: number;
  /** The outcome models' learning rate (delta rule on the outcome of each cue and action). */
  outcomeLr: number;
}

export const DEFAULT_GRADIENT_AGENT: GradientAgentParameters = {
  hidden: 0,
  lrActor: 0.3,
  lrCritic: 0.1,
  msPerTrial: 700,
  modules: 1,
  switchWindow: 8,
  switchFit: 0.3,
  outcomeLr: 0.2,
};

/** One module: an actor and a critic, and what it has learned to expect of each cue and action. */
interface Module {
  actor: Sequential;
  critic: Sequential;
  outcome: Float64Array;
}

/**
 * A gradient-trained actor-critic with the spiking learner's modulators: the cues as a one-hot vector (a missed cue
 * is zeros) times gain, an actor (linear by default, its output biases fixed, like the spiking learner's cue
 * synapses) giving Go and No-Go preferences (action_inhibition added to No-Go's) chosen by a
 * softmax at the system's temperature, a critic MLP giving V; after the outcome, dopamine's phasic response to
 * delta = R - V trains the critic on
 * delta^2 / 2 and the actor on -delta log pi(a) (the policy gradient with the TD error as advantage, taken with
 * respect to the scaled preferences), each with SGD
 * at its lr times plasticity_rate at `actor` or `critic`.
 */
export class GradientActorCritic implements GoNoGoAgent {
  readonly params: GradientAgentParameters;
  private readonly cueIndex = new Map<string, number>();
  private readonly modules: Module[] = [];
  private active = 0;
  private readonly init: Rng;
  private readonly hidden: number[];
  private readonly recent: { x: Float32Array; action: number; outcome: number }[] = [];
  private readonly actorOptimizer: Optimizer;
  private readonly criticOptimizer: Optimizer;
  private readonly rng: Rng;
  private readonly x: Float32Array;
  private readonly policy = new Float64Array(2);
  private last: { action: number } | null = null;
  private readonly actorBias: string;

  constructor(
    task: GoNoGoTaskSpec,
    readonly system: NeuromodulatorySystem,
    seed: number,
    params: Partial<GradientAgentParameters> = {},
  ) {
    const p = (this.params = { ...DEFAULT_GRADIENT_AGENT, ...params });
    for (const key of ['lrActor', 'lrCritic', 'msPerTrial'] as const)
      if (!(p[key] > 0)) throw new ConfigError(`agent.${key}`, `expected a positive number, found ${p[key]}`);
    [...task.cues.visual, ...task.cues.auditory].forEach((c, i) => this.cueIndex.set(c, i));
    this.init = new Rng(seed, 91);
    if (!(Number.isInteger(p.hidden) && p.hidden >= 0))
      throw new ConfigError('agent.hidden', `expected an integer >= 0, found ${p.hidden}`);
    for (const key of ['modules', 'switchWindow'] as const)
      if (!(Number.isInteger(p[key]) && p[key] >= 1 && p[key] <= 1000))
        throw new ConfigError(`agent.${key}`, `expected an integer in [1, 1000], found ${p[key]}`);
    for (const key of ['switchFit', 'outcomeLr'] as const)
      if (!(p[key] > 0 && Number.isFinite(p[key])))
        throw new ConfigError(`agent.${key}`, `expected a positive number, found ${p[key]}`);
    this.hidden = p.hidden > 0 ? [p.hidden] : [];
    this.modules.push(this.newModule());
    this.actorBias = this.actor.params().at(-1)!.name;
    this.actorOptimizer = new SGD({ lr: p.lrActor });
    this.criticOptimizer = new SGD({ lr: p.lrCritic });
    this.rng = new Rng(seed, 93);
    this.x = new Float32Array(this.cueIndex.size);
  }

  /** A module's networks, initialised from the run's stream in the order modules are first used. */
  private newModule(): Module {
    return {
      actor: mlp([this.cueIndex.size], this.hidden, 2, 0).init(this.init),
      critic: mlp([this.cueIndex.size], this.hidden, 1, 0).init(this.init),
      outcome: new Float64Array(this.cueIndex.size * 2),
    };
  }

  /** The active module's actor (and critic). */
  get actor(): Sequential {
    return this.modules[this.active].actor;
  }

  private get critic(): Sequential {
    return this.modules[this.active].critic;
  }

  /** Which module acts (0 without modules). */
  get activeModule(): number {
    return this.active;
  }

  private expectedOutcome(m: Module, x: Float32Array, action: number): number {
    let e = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0) e += m.outcome[2 * i + action];
    return e;
  }

  /** After a burst: the module that best predicts the recent outcomes, or one not used yet. */
  private switchModule(): void {
    let best = -1;
    let bestError = Infinity;
    this.modules.forEach((m, k) => {
      if (k === this.active) return;
      let error = 0;
      for (const t of this.recent) error += (t.outcome - this.expectedOutcome(m, t.x, t.action)) ** 2;
      error /= this.recent.length;
      if (error < bestError) [best, bestError] = [k, error];
    });
    if (best >= 0 && bestError < this.params.switchFit) this.active = best;
    else if (this.modules.length < this.params.modules) {
      this.modules.push(this.newModule());
      this.active = this.modules.length - 1;
    }
  }

  private forward(model: Sequential, training: boolean): Float32Array {
    return model.forward({ shape: [1, this.x.length], data: this.x }, training).data;
  }

  act(trial: Trial): { action: number; value: number } {
    const gain = this.system.target('gain', 'actor');
    this.x.fill(0);
    if (!trial.missed.visual) this.x[this.cueIndex.get(trial.visual)!] = gain;
    if (!trial.missed.auditory) this.x[this.cueIndex.get(trial.auditory)!] = gain;
    const z = this.forward(this.actor, false);
    // Output 0 is No-Go, output 1 is Go (GO = 1).
    const prefs = [z[0] + this.system.target('action_inhibition', 'actor'), z[1]];
    softmaxPolicy(prefs, this.system.target('temperature'), this.policy);
    const action = sampleIndex(this.policy, this.rng);
    this.last = { action };
    return { action, value: this.forward(this.critic, false)[0] };
  }

  learn(signals: LearnerSignals): void {
    if (!this.last) throw new Error('learn before act');
    this.system.update(signals, this.params.msPerTrial);
    // Dopamine's phasic response carries the TD error to both networks (none when dopamine is removed).
    const delta = this.system.read('dopamine', 'phasic');
    // The critic: d(delta^2 / 2) / dV = -delta.
    this.critic.zeroGrad();
    const v = this.critic.forward({ shape: [1, this.x.length], data: this.x }, true);
    this.critic.backward({ shape: v.shape, data: Float32Array.of(-delta) });
    modulateLearningRates(this.criticOptimizer, this.critic, this.system, 'critic');
    this.criticOptimizer.step(this.critic.params());
    // The actor: the gradient of -delta log pi(a) with respect to the scaled preferences z / T, -delta (1[a = b] - pi_b)
    // (Sutton & Barto's preference update), so a high temperature explores without slowing learning.
    this.actor.zeroGrad();
    const z = this.actor.forward({ shape: [1, this.x.length], data: this.x }, true);
    const grad = new Float32Array(2);
    for (let b = 0; b < 2; b++) grad[b] = -delta * ((this.last.action === b ? 1 : 0) - this.policy[b]);
    this.actor.backward({ shape: z.shape, data: grad });
    modulateLearningRates(this.actorOptimizer, this.actor, this.system, 'actor');
    // The output biases stay at their initial values: a preference common to every cue would carry the punishment of
    // one cue to all of them.
    this.actorOptimizer.lrScales.set(this.actorBias, 0);
    this.actorOptimizer.step(this.actor.params());
    if (this.params.modules > 1) this.afterOutcome(signals);
    this.last = null;
  }

  /** The active module's outcome model learns the outcome; a noradrenaline burst may switch modules. */
  private afterOutcome(signals: LearnerSignals): void {
    const outcome = (signals.reward ?? 0) - (signals.punishment ?? 0);
    const x = Float32Array.from(this.x, (v) => (v !== 0 ? 1 : 0));
    const m = this.modules[this.active];
    const error = outcome - this.expectedOutcome(m, x, this.last!.action);
    for (let i = 0; i < x.length; i++)
      if (x[i] !== 0) m.outcome[2 * i + this.last!.action] += this.params.outcomeLr * error;
    this.recent.push({ x, action: this.last!.action, outcome });
    if (this.recent.length > this.params.switchWindow) this.recent.shift();
    const na = this.system.modulators.get('noradrenaline')!;
    if (!this.system.removed.has('noradrenaline') && (signals.surprise ?? 0) > na.params.surpriseThreshold)
      this.switchModule();
  }

  /** The policy of the last `act`: [P(No-Go), P(Go)]. */
  get lastPolicy(): Readonly<Float64Array> {
    return this.policy;
  }
}
