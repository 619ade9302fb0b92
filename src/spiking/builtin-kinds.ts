/** The built-in plasticity rules and modulator sources, by the names descriptions use: one line each. */
import { ConfigError } from '../util/errors.js';
import {
  createPlasticityRule,
  parameterNames,
  registerModulatorKind,
  registerPlasticityRule,
} from './registries.js';
import {
  InhibitoryStdp,
  PairStdp,
  RewardModulatedStdp,
  TripletStdp,
  type InhibitoryStdpParameters,
  type PairStdpParameters,
  type TripletStdpParameters,
} from './stdp.js';
import { TaylorRule, type TaylorRuleParameters } from './taylor.js';
import { EventTaylorRule, type EventTaylorRuleParameters } from './taylor-event.js';
import {
  HeterosynapticCompetition,
  RuleChain,
  SynapticScaling,
  type SynapticScalingParameters,
} from './homeostasis.js';
import { StructuralPlasticity, type StructuralPlasticityParameters } from './structural.js';
import { ConstantModulator, ScheduledModulator } from './modulators.js';

const pairStdp = parameterNames<PairStdpParameters>()(
  'aPlus',
  'aMinus',
  'tauPlusMs',
  'tauMinusMs',
  'wMax',
  'bounds',
  'pairing',
  'sameStep',
);
// The descriptions carry numbers; each constructor validates them and names the field.
type Params = Record<string, unknown>;
const as = <T>(p: Params) => p as unknown as T;

registerPlasticityRule({
  kind: 'pair-stdp',
  description: 'pair-based STDP with exponential traces (Song, Miller & Abbott 2000)',
  parameters: pairStdp,
  create: (p) => new PairStdp(as<PairStdpParameters>(p)),
});
registerPlasticityRule({
  kind: 'reward-modulated-stdp',
  description: 'STDP eligibility gated by a modulatory signal (Izhikevich 2007; Fremaux & Gerstner 2016)',
  parameters: [...pairStdp, 'tauEligibilityMs', 'eta', 'modulatorName'],
  create: ({ tauEligibilityMs, eta, modulatorName, ...pair }) =>
    new RewardModulatedStdp(as<PairStdpParameters>(pair), tauEligibilityMs as number, eta as number, {
      modulatorName: modulatorName as string | undefined,
    }),
});
registerPlasticityRule({
  kind: 'inhibitory-stdp',
  description: 'inhibitory plasticity towards a target rate (Vogels et al. 2011)',
  parameters: parameterNames<InhibitoryStdpParameters>()('eta', 'tauMs', 'targetRateHz', 'wMax'),
  create: (p) => new InhibitoryStdp(as<InhibitoryStdpParameters>(p)),
});
registerPlasticityRule({
  kind: 'triplet-stdp',
  description: 'triplet STDP (Pfister & Gerstner 2006)',
  parameters: parameterNames<TripletStdpParameters>()(
    'a2Plus',
    'a3Plus',
    'a2Minus',
    'a3Minus',
    'tauPlusMs',
    'tauMinusMs',
    'tauXMs',
    'tauYMs',
    'wMax',
  ),
  create: (p) => new TripletStdp(as<TripletStdpParameters>(p)),
});
registerPlasticityRule({
  kind: 'taylor',
  description: 'a polynomial (Taylor-expanded) rule in local variables and a third factor',
  parameters: parameterNames<TaylorRuleParameters>()(
    'terms',
    'tauPreMs',
    'tauPostMs',
    'tauEligibilityMs',
    'wMax',
    'modulatorName',
    'adaptiveScaling',
  ),
  create: (p) => new TaylorRule(as<TaylorRuleParameters>(p)),
});
registerPlasticityRule({
  kind: 'taylor-event',
  description: 'the Taylor rule in spikes, traces and a filtered reward signal, computed event-driven',
  parameters: parameterNames<EventTaylorRuleParameters>()(
    'terms',
    'tauPreMs',
    'tauPostMs',
    'tauModulatorMs',
    'wMax',
    'modulatorName',
  ),
  create: (p) => new EventTaylorRule(as<EventTaylorRuleParameters>(p)),
});
registerPlasticityRule({
  kind: 'synaptic-scaling',
  description: 'multiplicative scaling of each neuron’s inputs towards a target rate (Turrigiano 2008)',
  parameters: parameterNames<SynapticScalingParameters>()('targetRateHz', 'tauRateMs', 'eta', 'everyMs'),
  create: (p) => new SynapticScaling(as<SynapticScalingParameters>(p)),
});
registerPlasticityRule({
  kind: 'heterosynaptic-competition',
  description: 'caps each neuron’s total input weight, taking back the excess from all its synapses',
  parameters: ['maxTotal', 'rate'],
  create: (p) => new HeterosynapticCompetition(p.maxTotal as number, p.rate as number | undefined),
});
registerPlasticityRule({
  kind: 'structural',
  description: 'prunes weak synapses and grows new ones within a budget',
  parameters: parameterNames<StructuralPlasticityParameters>()(
    'pruneBelow',
    'budget',
    'growWeight',
    'everyMs',
    'seed',
  ),
  create: (p) => new StructuralPlasticity(as<StructuralPlasticityParameters>(p)),
});
registerPlasticityRule({
  kind: 'rule-chain',
  description: 'several rules on one projection, stepped in order',
  parameters: ['rules'],
  create: ({ rules }) => {
    if (!Array.isArray(rules))
      throw new ConfigError('rules', `expected a list of rule descriptions, found ${JSON.stringify(rules)}`);
    return new RuleChain(rules.map((r, i) => createPlasticityRule(r, `rules.${i}`)));
  },
});

registerModulatorKind({
  kind: 'constant',
  description: 'a signal held at a value (changed by the caller between runs)',
  parameters: ['name', 'value'],
  create: ({ name, value = 0 }) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ConfigError('value', `expected a finite number, found ${JSON.stringify(value)}`);
    return new ConstantModulator(name as string, value);
  },
});
registerModulatorKind({
  kind: 'schedule',
  description: 'a piecewise-constant signal from [tMs, value] points',
  parameters: ['name', 'points'],
  create: (p) => new ScheduledModulator(p.name as string, p.points as [number, number][]),
});
