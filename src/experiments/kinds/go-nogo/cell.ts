import {
  GradientActorCritic,
  SpikingActorCritic,
  isCorrect,
  runGoNoGo,
  type BlockMetrics,
  type GoNoGoTaskSpec,
} from '../../../neuromod/index.js';
import { neuromodulationOf, type GoNoGoConfig, type Learner } from './config.js';

/** One run: a learner under a condition with a seed. */
export interface GoNoGoCell {
  config: GoNoGoConfig;
  learner: Learner;
  condition: string;
  seed: number;
}

/** What a finished cell records (cells/<learner>-<condition>-s<seed>.json). */
export interface GoNoGoCellSummary {
  kind: 'go-nogo-cell';
  learner: Learner;
  condition: string;
  seed: number;
  blocks: BlockMetrics[];
  /** Per trial: H(A|C) over the criterion window, noradrenaline's level, the temperature. */
  entropy: number[];
  noradrenaline: number[];
  temperature: number[];
  /** Per trial, each modulator's level (0 where removed) and the actor's plasticity rate (older cells lack them). */
  levels?: Record<string, number[]>;
  plasticityRate?: number[];
  /** Per trial, 1 when the action was right (older cells lack it). */
  correct?: number[];
  seconds: number;
}

export const taskOf = (cfg: GoNoGoConfig): GoNoGoTaskSpec => cfg.task;

const round = (xs: ArrayLike<number>) => Array.from(xs, (x) => Number(x.toFixed(5)));

export async function runGoNoGoCell(cell: GoNoGoCell): Promise<GoNoGoCellSummary> {
  const { config: cfg, learner, condition, seed } = cell;
  const task = taskOf(cfg);
  const t0 = performance.now();
  const r = runGoNoGo({
    task,
    agent: (system, s) =>
      learner === 'spiking'
        ? new SpikingActorCritic(task, system, s, cfg.agents.spiking)
        : new GradientActorCritic(task, system, s, cfg.agents.gradient),
    neuromodulation: neuromodulationOf(cfg, condition),
    seed,
    changeProbability: cfg.changeProbability,
    criterion: cfg.criterion,
    entropyWindow: cfg.criterion.window,
  });
  return {
    kind: 'go-nogo-cell',
    learner,
    condition,
    seed,
    blocks: r.blocks,
    entropy: round(r.entropy),
    noradrenaline: round(r.trace.map((t) => t.noradrenaline)),
    temperature: round(r.trace.map((t) => t.temperature)),
    levels: Object.fromEntries(
      Object.keys(r.trace[0]?.levels ?? {}).map((name) => [name, round(r.trace.map((t) => t.levels[name]))]),
    ),
    plasticityRate: round(r.trace.map((t) => t.plasticityRate)),
    correct: r.records.map((t) => (isCorrect(t) ? 1 : 0)),
    seconds: (performance.now() - t0) / 1000,
  };
}
