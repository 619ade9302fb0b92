import { z } from 'zod';
import {
  SpikingThreeFactorController,
  cartPoleProblem,
  checkPhases,
  controllerFromGenome,
  evolveController,
  phaseStarts,
  recoveryEpisodes,
  runEpisodes,
  type CartPoleParams,
  type DynamicsPhase,
  type EpisodeResult,
} from '../../../adapt/cartpole/index.js';
import { Rng } from '../../../util/rng.js';
import { mean } from '../../../util/stats.js';
import { experimentFields, refineDistinct, seedList, refineWith } from '../../config.js';
import { finishedCells, runCellGrid, type CellGrid } from '../../cell-grid.js';
import type { TaskRunContext } from '../../task-kind.js';
import { meanCurve, summarizeMethods, type AdaptSummaryBase } from '../../adapt-summary.js';

/** `-varied`: evolved on several bodies (`evolution.variedBodies`) instead of the first phase's alone. */
export const CARTPOLE_METHODS = ['fixed', 'hebbian', 'spiking', 'fixed-varied', 'hebbian-varied'] as const;
export type CartPoleMethod = (typeof CARTPOLE_METHODS)[number];

const positiveInt = z.number().int().positive();
const paramsSchema = z.record(z.string(), z.number());
const phaseSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name of letters, digits and dashes'),
  episodes: positiveInt.max(100_000),
  params: paramsSchema.default({}),
  within: z.strictObject({ atStep: z.number().int().min(0), params: paramsSchema }).optional(),
});
const evolutionSchema = z.strictObject({
  strategy: z.enum(['sep-cma-es', 'openai-es']),
  generations: positiveInt.max(10_000),
  populationSize: positiveInt.max(10_000),
  /** Episodes per evaluation, on the first phase's dynamics. */
  episodes: positiveInt.max(1000),
  hidden: positiveInt.max(256),
});

export const cartPoleSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('adapt-cartpole'),
      maxSteps: positiveInt.max(1_000_000),
      /** The schedule every controller meets, in order; the first is the dynamics it was made for. */
      phases: z.array(phaseSchema).min(2),
      /** A phase counts as recovered at the first run of `window` episodes averaging `criterionSteps`. */
      recovery: z.strictObject({ criterionSteps: positiveInt, window: positiveInt }),
    }),
    methods: z
      .array(z.enum(CARTPOLE_METHODS))
      .min(1)
      .default([...CARTPOLE_METHODS]),
    seeds: seedList,
    /** How the fixed network and the Hebbian rules are found (on the first phase's dynamics). */
    evolution: z.strictObject({
      fixed: evolutionSchema,
      hebbian: evolutionSchema,
      /** The bodies the -varied methods are evolved on (changes to the standard dynamics), each for `episodes`. */
      variedBodies: z.array(paramsSchema).min(1).optional(),
    }),
    /** The spiking actor practises this many episodes of the first phase before the schedule; its options. */
    spiking: z
      .strictObject({
        practiceEpisodes: z.number().int().min(0),
        options: z.record(z.string(), z.number()).default({}),
      })
      .default({ practiceEpisodes: 200, options: {} }),
    quick: z
      .strictObject({
        seeds: seedList,
        episodesPerPhase: positiveInt,
        generations: positiveInt,
        practiceEpisodes: z.number().int().min(0),
        maxSteps: positiveInt,
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    refineDistinct(ctx, cfg.methods, 'methods', 'method');
    refineDistinct(
      ctx,
      cfg.task.phases.map((p) => p.name),
      'task.phases',
      'phase name',
    );
    refineWith(ctx, [], () => checkPhases(phasesOf(cfg), 'task.phases'));
    refineWith(ctx, [], () =>
      (cfg.evolution.variedBodies ?? []).forEach((b, i) =>
        checkPhases([{ episodes: 1, params: b as Partial<CartPoleParams> }], `evolution.variedBodies.${i}`),
      ),
    );
    if (cfg.methods.some((m) => m.endsWith('-varied')) && !cfg.evolution.variedBodies)
      ctx.addIssue({
        code: 'custom',
        path: ['evolution', 'variedBodies'],
        message: 'expected a list of bodies for the -varied methods, found none',
      });
    if ('seed' in cfg.spiking.options)
      ctx.addIssue({
        code: 'custom',
        path: ['spiking', 'options', 'seed'],
        message: "expected no seed here (each run's seed seeds the actor), found one",
      });
    else refineWith(ctx, [], () => new SpikingThreeFactorController({ ...cfg.spiking.options, seed: 0 }));
    const { maxSteps, phases, recovery } = cfg.task;
    phases.forEach((p, i) => {
      if (p.within && p.within.atStep >= maxSteps)
        ctx.addIssue({
          code: 'custom',
          path: ['task', 'phases', i, 'within', 'atStep'],
          message: `expected a step before maxSteps (${maxSteps}), found ${p.within.atStep}`,
        });
      if (i > 0 && recovery.window > p.episodes)
        ctx.addIssue({
          code: 'custom',
          path: ['task', 'recovery', 'window'],
          message: `expected at most the episodes of phase ${p.name} (${p.episodes}), found ${recovery.window}`,
        });
    });
    if (recovery.criterionSteps > maxSteps)
      ctx.addIssue({
        code: 'custom',
        path: ['task', 'recovery', 'criterionSteps'],
        message: `expected at most maxSteps (${maxSteps}), found ${recovery.criterionSteps}`,
      });
  });

export type CartPoleConfig = z.output<typeof cartPoleSchema>;

export const phasesOf = (cfg: Pick<CartPoleConfig, 'task'>): DynamicsPhase[] =>
  cfg.task.phases.map((p) => ({
    episodes: p.episodes,
    params: p.params as Partial<CartPoleParams>,
    ...(p.within
      ? { within: { atStep: p.within.atStep, params: p.within.params as Partial<CartPoleParams> } }
      : {}),
  }));

export interface CartPoleCell {
  config: CartPoleConfig;
  method: CartPoleMethod;
  seed: number;
}

export interface CartPoleCellSummary {
  kind: 'adapt-cartpole-cell';
  method: CartPoleMethod;
  seed: number;
  /** Steps balanced per episode of the schedule. */
  steps: number[];
  /** Before the schedule: evolution's best fitness per generation, or the spiking actor's practice episodes. */
  preparation: { bestPerGeneration?: number[]; practiceSteps?: number[] };
  seconds: number;
}

export async function runCartPoleCell(cell: CartPoleCell): Promise<CartPoleCellSummary> {
  const { config: cfg, method, seed } = cell;
  const t0 = performance.now();
  const phases = phasesOf(cfg);
  const first = phases[0].params;
  const preparation: CartPoleCellSummary['preparation'] = {};
  let controller;
  if (method === 'spiking') {
    const spiking = new SpikingThreeFactorController({ ...cfg.spiking.options, seed });
    const practice = cfg.spiking.practiceEpisodes;
    preparation.practiceSteps = practice
      ? runEpisodes(
          spiking,
          [{ episodes: practice, params: first }],
          cfg.task.maxSteps,
          new Rng(seed, 22),
        ).map((r) => r.steps)
      : [];
    controller = spiking;
  } else {
    const kind = method.startsWith('fixed') ? 'fixed' : 'hebbian';
    const evo = cfg.evolution[kind];
    const problem = cartPoleProblem({
      controller: kind,
      hidden: evo.hidden,
      episodes: evo.episodes,
      maxSteps: cfg.task.maxSteps,
      ...(method.endsWith('-varied')
        ? { bodies: cfg.evolution.variedBodies as Partial<CartPoleParams>[] }
        : { params: first }),
    });
    const found = await evolveController(problem, { ...evo, seed, targetFitness: cfg.task.maxSteps });
    preparation.bestPerGeneration = found.bestPerGeneration;
    controller = controllerFromGenome(kind, evo.hidden, found.best);
  }
  const results = runEpisodes(controller, phases, cfg.task.maxSteps, new Rng(seed, 21));
  return {
    kind: 'adapt-cartpole-cell',
    method,
    seed,
    steps: results.map((r) => r.steps),
    preparation,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Per seed: mean steps per phase, episodes to recover after each change, steps kept after a change within episodes. */
export function cartPoleMetrics(cfg: CartPoleConfig, c: CartPoleCellSummary): Record<string, number> {
  const phases = cfg.task.phases;
  const starts = phaseStarts(phasesOf(cfg));
  const results: EpisodeResult[] = c.steps.map((steps) => ({ steps, balanced: steps === cfg.task.maxSteps }));
  const recovery = recoveryEpisodes(
    results,
    starts,
    cfg.task.recovery.criterionSteps,
    cfg.task.recovery.window,
  );
  const out: Record<string, number> = {
    balance_steps_after_change: mean(c.steps.slice(phases[0].episodes)),
    balance_steps_first: mean(c.steps.slice(0, phases[0].episodes)),
  };
  phases.forEach((p, i) => {
    const steps = c.steps.slice(starts[i], starts[i] + p.episodes);
    out[`balance_steps/${p.name}`] = mean(steps);
    // A phase never recovered counts its whole length (censored), so the mean is a lower bound.
    if (i > 0) out[`recovery_episodes/${p.name}`] = recovery[i] ?? p.episodes;
    if (p.within)
      out[`steps_after_within_change/${p.name}`] = mean(steps.map((s) => Math.max(0, s - p.within!.atStep)));
  });
  return out;
}

export interface CartPoleSummary extends AdaptSummaryBase {
  kind: 'adapt-cartpole';
  phases: {
    name: string;
    episodes: number;
    firstEpisode: number;
    params: Record<string, number>;
    within?: unknown;
  }[];
  maxSteps: number;
  /** Steps per episode over the schedule, mean over seeds, per method. */
  curves: Record<string, [number, number][]>;
}

function descriptions(cfg: CartPoleConfig): Record<string, string> {
  const d: Record<string, string> = {
    balance_steps_after_change: `mean steps balanced per episode (of at most ${cfg.task.maxSteps}) over every phase after the first`,
    balance_steps_first: 'mean steps balanced per episode on the dynamics the controller was made for',
  };
  for (const p of cfg.task.phases) {
    d[`balance_steps/${p.name}`] = `mean steps balanced per episode in phase ${p.name}`;
    d[`recovery_episodes/${p.name}`] =
      `episodes after the change to ${p.name} before ${cfg.task.recovery.window} episodes average ${cfg.task.recovery.criterionSteps} steps (the phase's length when never)`;
    if (p.within)
      d[`steps_after_within_change/${p.name}`] =
        `mean steps balanced after the change at step ${p.within.atStep}`;
  }
  return d;
}

export function summarizeCartPole(
  cfg: CartPoleConfig,
  cells: Map<string, CartPoleCellSummary>,
): CartPoleSummary {
  const starts = phaseStarts(phasesOf(cfg));
  const byMethod = Object.fromEntries(
    cfg.methods.map((m) => [
      m,
      cfg.seeds
        .map((s) => cells.get(cellName(m, s)))
        .filter((c): c is CartPoleCellSummary => c !== undefined),
    ]),
  );
  return {
    kind: 'adapt-cartpole',
    name: cfg.name,
    headline: {
      metric: 'balance_steps_after_change',
      description: descriptions(cfg).balance_steps_after_change,
      better: 'higher',
    },
    metricDescriptions: descriptions(cfg),
    methods: summarizeMethods(
      Object.fromEntries(
        Object.entries(byMethod).map(([m, cs]) => [m, cs.map((c) => cartPoleMetrics(cfg, c))]),
      ),
      'balance_steps_after_change',
    ),
    seeds: cfg.seeds,
    runs: { done: cells.size, total: cfg.seeds.length * cfg.methods.length },
    phases: cfg.task.phases.map((p, i) => ({
      name: p.name,
      episodes: p.episodes,
      firstEpisode: starts[i],
      params: p.params,
      ...(p.within ? { within: p.within } : {}),
    })),
    maxSteps: cfg.task.maxSteps,
    curves: Object.fromEntries(
      Object.entries(byMethod).map(([m, cs]) => [m, meanCurve(cs.map((c) => c.steps.map((y, x) => [x, y])))]),
    ),
  };
}

const cellName = (method: string, seed: number) => `${method}-s${seed}`;

function cartPoleGrid(cfg: CartPoleConfig): CellGrid<CartPoleCell, CartPoleCellSummary> {
  return {
    cells: cfg.seeds.flatMap((seed) => cfg.methods.map((method) => ({ config: cfg, method, seed }))),
    name: (c) => cellName(c.method, c.seed),
    run: runCartPoleCell,
    workerFile: new URL('./cell-worker.js', import.meta.url),
    metric: (c) => ({
      type: 'cell',
      method: c.method,
      seed: c.seed,
      balance_steps_after_change: cartPoleMetrics(cfg, c).balance_steps_after_change,
      seconds: c.seconds,
    }),
    nameOfMetric: (r) => (r.type === 'cell' ? cellName(String(r.method), Number(r.seed)) : null),
    progress: (c, s) =>
      `${c.method} seed ${c.seed}: mean steps after the first change ${cartPoleMetrics(cfg, s).balance_steps_after_change.toFixed(0)} (${s.seconds.toFixed(0)} s)`,
  };
}

export async function runCartPoleGrid(cfg: CartPoleConfig, ctx: TaskRunContext): Promise<CartPoleSummary> {
  return summarizeCartPole(cfg, await runCellGrid(cartPoleGrid(cfg), ctx));
}

export async function summarizeCartPoleRun(runPath: string, cfg: CartPoleConfig): Promise<CartPoleSummary> {
  return summarizeCartPole(cfg, await finishedCells(runPath, cartPoleGrid(cfg)));
}
