import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { mlp, type Sequential } from '../../engine/index.js';
import { SGD, type Optimizer } from '../../optim/index.js';
import { modulateLearningRates, sampleIndex, softmaxPolicy } from '../gradient.js';
import type { NeuromodulatorySystem } from '../system.js';
import type { LearnerSignals } from '../signals.js';
import type { GoNoGoAgent } from './agent.js';
import type { GoNoGoTaskSpec, Trial } from './task.js';
import { DEFAULT_MODULE_SWITCHING, OutcomeModules, type ModuleSwitchingParameters } from './modules.js';

export interface GradientAgentParameters extends ModuleSwitchingParameters {
  /** Hidden units of actor and critic (0: linear in the cues, each cue's association learned on its own). */
  hidden: number;
  lrActor: number;
  lrCritic: number;
  /** The update's duration on the modulators' clock (ms per trial). */
  msPerTrial: number;
}

/** With `modules` above 1, each module is an actor and a critic (see `ModuleSwitchingParameters`). */
export const DEFAULT_GRADIENT_AGENT: GradientAgentParameters = {
  hidden: 0,
  lrActor: 0.3,
  lrCritic: 0.1,
  msPerTrial: 700,
  ...DEFAULT_MODULE_SWITCHING,
};

/** One module's networks. */
interface Module {
  actor: Sequential;
  critic: Sequential;
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
  private readonly switching: OutcomeModules;
  private readonly init: Rng;
  private readonly hidden: number[];
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
    this.hidden = p.hidden > 0 ? [p.hidden] : [];
    this.modules.push(this.newModule());
    this.switching = new OutcomeModules(p, this.cueIndex.size, 2);
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
    };
  }

  /** The active module's actor (and critic). */
  get actor(): Sequential {
    return this.modules[this.switching.active].actor;
  }

  private get critic(): Sequential {
    return this.modules[this.switching.active].critic;
  }

  /** Which module acts (0 without modules). */
  get activeModule(): number {
    return this.switching.active;
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
    const present = Uint8Array.from(this.x, (v) => (v !== 0 ? 1 : 0));
    const change = this.switching.observeTrial(present, this.last!.action, signals, this.system);
    if (change === 'created') this.modules.push(this.newModule());
  }

  /** The policy of the last `act`: [P(No-Go), P(Go)]. */
  get lastPolicy(): Readonly<Float64Array> {
    return this.policy;
  }
}
