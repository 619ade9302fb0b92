import { Rng } from '../../util/rng.js';
import { NeuromodulatorySystem, type NeuromodulationOptions } from '../system.js';
import { OutcomeSurprise } from '../surprise.js';
import type { GoNoGoAgent } from './agent.js';
import {
  blockMetrics,
  conditionalActionEntropy,
  DEFAULT_CRITERION,
  type BlockMetrics,
  type Criterion,
  type TrialRecord,
} from './metrics.js';
import { drawTrials, outcomeOf, validateTask, type GoNoGoTaskSpec, type Trial } from './task.js';

export interface GoNoGoRunOptions {
  task: GoNoGoTaskSpec;
  /** Builds the learner around the run's modulatory system. */
  agent: (system: NeuromodulatorySystem, seed: number) => GoNoGoAgent;
  neuromodulation: NeuromodulationOptions;
  seed: number;
  /** The predictive module's change probability per trial (its volatility prior). */
  changeProbability: number;
  criterion?: Criterion;
  entropyWindow?: number;
  /** Called after each trial's learning (to look at the agent between trials). */
  afterTrial?: (trial: Trial, agent: GoNoGoAgent) => void;
}

/** Per trial, what the modulators did (for the curves). */
export interface ModulationTrace {
  tdError: number;
  surprise: number;
  noradrenaline: number;
  temperature: number;
  plasticityRate: number;
  /** Every modulator's level after the trial (0 for a removed one), by name. */
  levels: Record<string, number>;
}

export interface GoNoGoRunResult {
  records: TrialRecord[];
  blocks: BlockMetrics[];
  entropy: Float64Array;
  trace: ModulationTrace[];
}

/**
 * One learner through a Go/No-Go task: per trial the agent acts, the task gives the outcome, a predictive module
 * (Bayes-factor surprise at the outcome given cue and action) gives the surprise, and the agent learns from
 * R, delta = R - V, the surprise, the punishment and |delta|.
 */
export function runGoNoGo(o: GoNoGoRunOptions): GoNoGoRunResult {
  validateTask(o.task);
  const system = new NeuromodulatorySystem(o.neuromodulation);
  const agent = o.agent(system, o.seed);
  const trials = drawTrials(o.task, new Rng(o.seed, 81));
  const outcomes = new Rng(o.seed, 83);
  const predictor = new OutcomeSurprise({ outcomes: 3, changeProbability: o.changeProbability });
  const records: TrialRecord[] = [];
  const trace: ModulationTrace[] = [];
  for (const trial of trials) {
    const { action, value } = agent.act(trial);
    const outcome = outcomeOf(o.task, trial, action, outcomes);
    const stimulus = trial.visual + trial.auditory;
    const surprise = predictor.observe(`${stimulus}|${action}`, outcome + 1).bayesFactor;
    const tdError = outcome - value;
    agent.learn({
      reward: Math.max(0, outcome),
      punishment: Math.max(0, -outcome),
      tdError,
      surprise,
      predictionError: Math.abs(tdError),
    });
    records.push({ block: trial.block, stimulus, isGo: trial.isGo, action, outcome });
    o.afterTrial?.(trial, agent);
    trace.push({
      tdError,
      surprise,
      noradrenaline: system.read('noradrenaline'),
      temperature: system.target('temperature'),
      plasticityRate: system.target('plasticity_rate', 'actor'),
      levels: Object.fromEntries([...system.modulators.keys()].map((name) => [name, system.read(name)])),
    });
  }
  return {
    records,
    blocks: blockMetrics(records, o.task, o.criterion ?? DEFAULT_CRITERION),
    entropy: conditionalActionEntropy(records, o.entropyWindow ?? DEFAULT_CRITERION.window),
    trace,
  };
}
