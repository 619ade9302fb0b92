import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import {
  Network,
  RewardModulatedStdp,
  type LifGroup,
  type LifParameters,
  type PoissonGroup,
} from '../../spiking/index.js';
import { connectNeuromodulation } from '../spiking.js';
import type { NeuromodulatorySystem } from '../system.js';
import type { LearnerSignals } from '../signals.js';
import type { GoNoGoAgent } from './agent.js';
import { GO, NO_GO, type GoNoGoTaskSpec, type Trial } from './task.js';
import { DEFAULT_MODULE_SWITCHING, OutcomeModules, type ModuleSwitchingParameters } from './modules.js';

/**
 * The spiking actor-critic's sizes, rates, weights and learning parameters (times in ms, currents in pA). With
 * `modules` above 1, each module has its own cue pools (and so its own cue synapses onto actor and critic);
 * only the active module's pools fire, so a switch gates the cues onto another set of associations.
 */
export interface SpikingAgentParameters extends ModuleSwitchingParameters {
  neuronsPerCue: number;
  cueOnRateHz: number;
  cueOffRateHz: number;
  /** Excitatory cells per action group, and inhibitory cells per action group. */
  actorExcitatory: number;
  actorInhibitory: number;
  /** Cells of each of the critic's two opponent populations (value up, value down). */
  criticExcitatory: number;
  /** One background Poisson input per actor cell. */
  noiseRateHz: number;
  noiseWeightPa: number;
  /**
   * Exploration: each action group gets a current drawn per trial from N(0, (explorationPa x temperature)^2), held
   * over the decision window (a fluctuation of its background drive), so the temperature sets how often the
   * weaker group wins.
   */
  explorationPa: number;
  /** A constant current into the critic cells, so that each population fires without cue input. */
  criticBiasPa: number;
  initialWeightPa: [number, number];
  wMaxPa: number;
  /** Excitatory to inhibitory within an action group, and inhibitory to the other group's excitatory cells. */
  excToInhPa: number;
  inhToOtherPa: number;
  decisionMs: number;
  learningMs: number;
  tauEligibilityMs: number;
  aPlus: number;
  tauPlusMs: number;
  etaActor: number;
  etaCritic: number;
  /** V = (rate of the value-up cells - rate of the value-down cells) / valueScaleHz, clipped to [-1, 1]. */
  valueScaleHz: number;
  /** Extra current per unit of gain above 1, and per unit of action inhibition (into the No-Go cells). */
  gainPa: number;
  inhibitionPa: number;
  lif: LifParameters;
}

export const DEFAULT_SPIKING_AGENT: SpikingAgentParameters = {
  neuronsPerCue: 20,
  cueOnRateHz: 40,
  cueOffRateHz: 2,
  actorExcitatory: 20,
  actorInhibitory: 5,
  criticExcitatory: 20,
  noiseRateHz: 200,
  noiseWeightPa: 60,
  explorationPa: 80,
  criticBiasPa: 150,
  initialWeightPa: [10, 20],
  wMaxPa: 40,
  excToInhPa: 80,
  inhToOtherPa: 400,
  decisionMs: 300,
  learningMs: 400,
  tauEligibilityMs: 500,
  aPlus: 1,
  tauPlusMs: 20,
  etaActor: 3e-3,
  etaCritic: 3e-3,
  valueScaleHz: 20,
  gainPa: 50,
  inhibitionPa: 50,
  lif: {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -70,
    vThreshMv: -50,
    vResetMv: -60,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 10,
  },
  ...DEFAULT_MODULE_SWITCHING,
};

/** The exploration drive outside the decision window. */
const NO_DRIVE = Object.freeze({ go: 0, noGo: 0 });

/**
 * A spiking actor-critic for Go/No-Go (after Fremaux, Sprekeler & Gerstner 2013, with the TD error as dopamine):
 * each cue is a pool of Poisson neurons firing at cueOnRateHz while shown; a Go and a No-Go group (excitatory and
 * inhibitory cells, each group's inhibitory cells silencing the other's excitatory ones) and a critic read all cue
 * pools through plastic synapses. Over the decision window the group whose excitatory cells fire more is the
 * action (a tie withholds) and the critic's net rate is the value V: its value-up cells' rate minus its value-down
 * cells' (opponent populations, so V can be negative while weights stay in [0, wMax]). Each trial ends at its outcome, so the TD error is
 * delta = R - V; dopamine's phasic response to it, times plasticity_rate at the group, is the third factor of
 * reward-modulated STDP (potentiation only: pre-before-post coincidences tag synapses, as Fremaux's TD-LTP) on the
 * cue synapses of the chosen group and of the value-up cells (-delta for the value-down cells); the other group's tags are cleared at the choice. A
 * per-trial random current into each action group, its spread set by the temperature, is the exploration.
 */
export class SpikingActorCritic implements GoNoGoAgent {
  readonly net: Network;
  readonly params: SpikingAgentParameters;
  private readonly cueIndex = new Map<string, number>();
  private readonly cues: PoissonGroup;
  private readonly go: LifGroup;
  private readonly noGo: LifGroup;
  private readonly criticUp: LifGroup;
  private readonly criticDown: LifGroup;
  private readonly rules: Record<'go' | 'noGo' | 'criticUp' | 'criticDown', RewardModulatedStdp>;
  private readonly groups: LifGroup[];
  private pending: LearnerSignals | undefined;
  private readonly explore: Rng;
  private readonly drive = { go: 0, noGo: 0 };
  private counting = false;
  private counts = { go: 0, noGo: 0, criticUp: 0, criticDown: 0 };
  private readonly switching: OutcomeModules;
  private readonly shown: Uint8Array;
  private lastAction = NO_GO;

  constructor(
    task: GoNoGoTaskSpec,
    readonly system: NeuromodulatorySystem,
    seed: number,
    params: Partial<SpikingAgentParameters> = {},
  ) {
    const p = { ...DEFAULT_SPIKING_AGENT, ...params };
    this.params = p;
    for (const key of ['decisionMs', 'learningMs', 'valueScaleHz', 'wMaxPa', 'tauEligibilityMs'] as const)
      if (!(p[key] > 0)) throw new ConfigError(`agent.${key}`, `expected a positive number, found ${p[key]}`);
    const rng = new Rng(seed, 71);
    this.explore = new Rng(seed, 73);
    const net = (this.net = new Network(1));
    [...task.cues.visual, ...task.cues.auditory].forEach((c, i) => this.cueIndex.set(c, i));
    this.switching = new OutcomeModules(p, this.cueIndex.size, 2);
    this.shown = new Uint8Array(this.cueIndex.size);
    this.cues = net.poisson(
      'cues',
      this.cueIndex.size * p.neuronsPerCue * p.modules,
      p.cueOffRateHz,
      rng.int(2 ** 31),
    );
    this.silenceCues();
    this.go = net.lif('go', p.actorExcitatory, p.lif);
    this.noGo = net.lif('nogo', p.actorExcitatory, p.lif);
    const criticLif = { ...p.lif, biasCurrentPa: p.criticBiasPa };
    this.criticUp = net.lif('critic_up', p.criticExcitatory, criticLif);
    this.criticDown = net.lif('critic_down', p.criticExcitatory, criticLif);
    const goInh = net.lif('go_inh', p.actorInhibitory, p.lif);
    const noGoInh = net.lif('nogo_inh', p.actorInhibitory, p.lif);
    this.groups = [this.go, this.noGo, this.criticUp, this.criticDown, goInh, noGoInh];
    const stdp = {
      aPlus: p.aPlus,
      aMinus: 0,
      tauPlusMs: p.tauPlusMs,
      tauMinusMs: p.tauPlusMs,
      wMax: p.wMaxPa,
    };
    const [w0, w1] = p.initialWeightPa;
    const weight = (r: Rng) => w0 + (w1 - w0) * r.float();
    const plastic = (target: LifGroup, eta: number, name: string) => {
      const rule = new RewardModulatedStdp(stdp, p.tauEligibilityMs, eta, { modulatorName: `da_${name}` });
      const s = rng.int(2 ** 31);
      net.connect(this.cues, target, {
        connector: { kind: 'all-to-all' },
        weight,
        receptor: 'exc',
        seed: s,
        plasticity: rule,
      });
      return rule;
    };
    this.rules = {
      go: plastic(this.go, p.etaActor, 'go'),
      noGo: plastic(this.noGo, p.etaActor, 'nogo'),
      criticUp: plastic(this.criticUp, p.etaCritic, 'critic_up'),
      criticDown: plastic(this.criticDown, p.etaCritic, 'critic_down'),
    };
    [this.go, this.noGo].forEach((target) => {
      const noise = net.poisson(`${target.name}_noise`, target.size, p.noiseRateHz, rng.int(2 ** 31));
      net.connect(noise, target, {
        connector: { kind: 'one-to-one' },
        weight: p.noiseWeightPa,
        receptor: 'exc',
        seed: 0,
      });
    });
    const fixed = (from: LifGroup, to: LifGroup, w: number, receptor: 'exc' | 'inh') =>
      net.connect(from, to, {
        connector: { kind: 'all-to-all' },
        weight: w,
        receptor,
        seed: rng.int(2 ** 31),
      });
    fixed(this.go, goInh, p.excToInhPa, 'exc');
    fixed(this.noGo, noGoInh, p.excToInhPa, 'exc');
    fixed(goInh, this.noGo, p.inhToOtherPa, 'inh');
    fixed(noGoInh, this.go, p.inhToOtherPa, 'inh');
    connectNeuromodulation(net, system, {
      signals: () => {
        const s = this.pending ?? {};
        this.pending = undefined;
        return s;
      },
      sources: [
        { name: 'da_go', ...this.dopamine('actor') },
        { name: 'da_nogo', ...this.dopamine('actor') },
        { name: 'da_critic_up', ...this.dopamine('critic') },
        // The value-down cells learn from -delta: a worse outcome than predicted strengthens their cue synapses.
        { name: 'da_critic_down', ...this.dopamine('critic'), sign: -1 },
      ],
      retention: [
        { rule: this.rules.go, where: 'actor' },
        { rule: this.rules.noGo, where: 'actor' },
        { rule: this.rules.criticUp, where: 'critic' },
        { rule: this.rules.criticDown, where: 'critic' },
      ],
    });
    // Gain (actor), action inhibition (No-Go cells) and the trial's exploration drive, as currents.
    net.operation(() => {
      const gain = (system.target('gain', 'actor') - 1) * p.gainPa;
      const drive = this.counting ? this.drive : NO_DRIVE;
      this.go.inputPa.fill(gain + drive.go);
      this.noGo.inputPa.fill(
        gain + drive.noGo + system.target('action_inhibition', 'actor') * p.inhibitionPa,
      );
    });
    net.operation(
      () => {
        if (!this.counting) return;
        this.counts.go += this.go.spikes.length;
        this.counts.noGo += this.noGo.spikes.length;
        this.counts.criticUp += this.criticUp.spikes.length;
        this.counts.criticDown += this.criticDown.spikes.length;
      },
      { when: 'end' },
    );
  }

  /** Dopamine's phasic response times plasticity_rate at `where`: a rule's third factor. */
  private dopamine(where: string) {
    return { modulator: 'dopamine', component: 'phasic', times: ['plasticity_rate'], where } as const;
  }

  act(trial: Trial): { action: number; value: number } {
    const p = this.params;
    // A new trial after a long interval: resting cells, no tags left.
    for (const g of this.groups) {
      g.v.fill(p.lif.eLeakMv);
      g.exc.fill(0);
      g.inh.fill(0);
    }
    for (const r of Object.values(this.rules)) r.traces.fill(0);
    const rates = this.cues.rateHz;
    const pool = this.cueIndex.size * p.neuronsPerCue;
    const first = this.switching.active * pool;
    this.silenceCues();
    this.shown.fill(0);
    const show = (cue: string, missed: boolean) => {
      if (missed) return;
      const i = this.cueIndex.get(cue)!;
      this.shown[i] = 1;
      rates.fill(p.cueOnRateHz, first + i * p.neuronsPerCue, first + (i + 1) * p.neuronsPerCue);
    };
    show(trial.visual, trial.missed.visual);
    show(trial.auditory, trial.missed.auditory);
    this.counts = { go: 0, noGo: 0, criticUp: 0, criticDown: 0 };
    const spread = p.explorationPa * this.system.target('temperature');
    this.drive.go = spread * this.explore.normal();
    this.drive.noGo = spread * this.explore.normal();
    this.counting = true;
    this.net.run(p.decisionMs);
    this.counting = false;
    const action = (this.lastAction = this.counts.go > this.counts.noGo ? GO : NO_GO);
    // Credit goes to the chosen action only.
    (action === GO ? this.rules.noGo : this.rules.go).traces.fill(0);
    const netHz =
      ((this.counts.criticUp - this.counts.criticDown) / p.criticExcitatory / p.decisionMs) * 1000;
    const value = Math.max(-1, Math.min(1, netHz / p.valueScaleHz));
    this.silenceCues();
    return { action, value };
  }

  learn(signals: LearnerSignals): void {
    this.pending = signals;
    this.net.run(this.params.learningMs);
    if (this.params.modules === 1) return;
    const change = this.switching.observeTrial(this.shown, this.lastAction, signals, this.system);
    if (change !== 'stayed') this.silenceCues();
  }

  /** Which module's cue pools fire (0 without modules). */
  get activeModule(): number {
    return this.switching.active;
  }

  /** Every cue pool of the active module at its off rate, the other modules' silent. */
  private silenceCues(): void {
    const p = this.params;
    const pool = this.cueIndex.size * p.neuronsPerCue;
    const rates = this.cues.rateHz;
    rates.fill(0);
    rates.fill(p.cueOffRateHz, this.switching.active * pool, (this.switching.active + 1) * pool);
  }

  /** Spike counts of the last decision window (for calibration and tests). */
  get lastCounts(): Readonly<{ go: number; noGo: number; criticUp: number; criticDown: number }> {
    return this.counts;
  }
}
