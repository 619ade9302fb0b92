import { html, type ReportView } from '../../../viz/index.js';
import { methodCurves, methodsTable } from '../../adapt-summary.js';
import type { TaskKind } from '../../task-kind.js';
import {
  cartPoleSchema,
  runCartPoleGrid,
  summarizeCartPoleRun,
  type CartPoleConfig,
  type CartPoleSummary,
} from './run.js';

/** `run --quick`: fewer seeds, shorter phases and episodes, fewer generations and practice episodes. */
export function quickCartPole(cfg: CartPoleConfig): CartPoleConfig {
  const q = cfg.quick ?? {
    seeds: cfg.seeds.slice(0, 2),
    episodesPerPhase: 5,
    generations: 5,
    practiceEpisodes: 50,
    maxSteps: 500,
  };
  const scale = q.maxSteps / cfg.task.maxSteps;
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    seeds: q.seeds,
    task: {
      ...cfg.task,
      maxSteps: q.maxSteps,
      phases: cfg.task.phases.map((p) => ({
        ...p,
        episodes: Math.min(p.episodes, q.episodesPerPhase),
        ...(p.within ? { within: { ...p.within, atStep: Math.round(p.within.atStep * scale) } } : {}),
      })),
      recovery: {
        criterionSteps: Math.round(cfg.task.recovery.criterionSteps * scale),
        window: Math.min(cfg.task.recovery.window, q.episodesPerPhase),
      },
    },
    evolution: {
      fixed: {
        ...cfg.evolution.fixed,
        generations: Math.min(cfg.evolution.fixed.generations, q.generations),
      },
      hebbian: {
        ...cfg.evolution.hebbian,
        generations: Math.min(cfg.evolution.hebbian.generations, q.generations),
      },
    },
    spiking: { ...cfg.spiking, practiceEpisodes: q.practiceEpisodes },
  };
}

export function describeCartPole(s: CartPoleSummary): string[] {
  const lines = s.runs.done < s.runs.total ? [`unfinished: ${s.runs.done} of ${s.runs.total} runs`] : [];
  lines.push(`${s.headline.metric} (of at most ${s.maxSteps}), mean ± std over seeds; per phase`);
  for (const [m, r] of Object.entries(s.methods))
    lines.push(
      `  ${m}\t${r.mean.toFixed(0)} ± ${r.std.toFixed(0)}\t${s.phases
        .map((p) => `${p.name} ${r.metrics[`balance_steps/${p.name}`]?.mean.toFixed(0) ?? '-'}`)
        .join(', ')}`,
    );
  return lines;
}

const cartPoleView: ReportView = {
  name: 'adapt-cartpole',
  matches: (run) => run.summary.kind === 'adapt-cartpole',
  async render(run) {
    const s = run.summary as unknown as CartPoleSummary;
    return {
      title: `neuroplast cart-pole with changing dynamics: ${s.name}`,
      body: html`<p>Phases (episodes from): ${s.phases
        .map(
          (p) =>
            `${p.name} (${p.firstEpisode}: ${JSON.stringify(p.params)}${p.within ? `, within ${JSON.stringify(p.within)}` : ''})`,
        )
        .join('; ')}.</p>
        ${methodsTable(s, 1)}
        ${methodCurves(s.curves, {
          title: 'steps balanced per episode over the schedule, mean over seeds',
          xLabel: 'episode',
          yLabel: 'steps',
        })}`,
    };
  },
};

/** Control with changing dynamics: evolved fixed weights, evolved Hebbian rules and a three-factor spiking actor. */
export const cartPoleTask: TaskKind<CartPoleConfig, CartPoleSummary> = {
  name: 'adapt-cartpole',
  description:
    'a cart-pole whose dynamics change: evolved fixed weights, evolved Hebbian rules, a three-factor spiking actor',
  schema: cartPoleSchema,
  quick: quickCartPole,
  parallel: () => true,
  run: runCartPoleGrid,
  partialSummary: (runPath, cfg) => summarizeCartPoleRun(runPath, cfg),
  describe: describeCartPole,
  reportViews: [cartPoleView],
};
