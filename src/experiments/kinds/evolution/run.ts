import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  igd,
  checkRedis,
  moduleUrl,
  fromCosts,
  poolEvaluator,
  problems,
  queueEvaluator,
  RuleGenome,
  runSearch,
  strategies,
  type Elite,
  type RuleGenomeSpec,
  type KnownProblem,
  type Problem,
  type RediscoveryProblem,
  type SearchCheckpoint,
} from '../../../evolution/index.js';
import { ConfigError, NeuroplastError } from '../../../util/errors.js';
import { exists, writeFileAtomic } from '../../../util/fsx.js';
import { checkCheckpointConfig, type TaskRunContext } from '../../task-kind.js';
import type { EvolutionExperimentConfig, EvolutionSearchConfig } from './config.js';

/** A member of a final front as summary.json and front.json record it. */
export interface FrontMember {
  objectives: Record<string, number>;
  equation?: string;
  genes: number[];
}

export interface SearchSummary {
  strategy: string;
  generations: number;
  evaluations: number;
  seconds: number;
  /** The rule found (rediscovery problems), as an equation, with its assessment against the true rule. */
  found?: { equation: string; objectives: Record<string, number>; assessment: Record<string, number> };
  trueEquation?: string;
  /** IGD of the front to a benchmark's known front. */
  igd?: number;
  hypervolume?: number;
  front: FrontMember[];
  /** A rule problem's genome layout: with a member's genes, its coefficients per synapse type (the fronts view). */
  genome?: RuleGenomeSpec;
}

export interface EvolutionSummary extends Record<string, unknown> {
  kind: 'evolution';
  name: string;
  seed: number;
  problem: string;
  workers: number;
  searches: Record<string, SearchSummary>;
}

const CHECKPOINT_FORMAT = 'neuroplast-evolution-checkpoint';

const isRediscovery = (p: Problem): p is RediscoveryProblem =>
  typeof (p as RediscoveryProblem).assess === 'function';
const hasGenome = (p: Problem): p is Problem & { genome: RuleGenome } =>
  (p as { genome?: unknown }).genome instanceof RuleGenome;
const isKnown = (p: Problem): p is KnownProblem => typeof (p as KnownProblem).front === 'function';

function objectivesOf(problem: Problem, e: Elite): Record<string, number> {
  const values = fromCosts(e.costs.mean, problem.objectives);
  return Object.fromEntries(problem.objectives.map((o, k) => [o.name, values[k]]));
}

/** The rule a search found: one objective, the best; several, the simplest accepted or the most accurate. */
function chooseFound(elites: Elite[], search: EvolutionSearchConfig): Elite {
  const byError = [...elites].sort((a, b) => a.costs.mean[0] - b.costs.mean[0]);
  if (elites[0].costs.mean.length === 1 || search.acceptError === undefined) return byError[0];
  const accepted = byError
    .filter((e) => e.costs.mean[0] <= search.acceptError!)
    .sort((a, b) => a.costs.mean[1] - b.costs.mean[1] || a.costs.mean[0] - b.costs.mean[0]);
  return accepted[0] ?? byError[0];
}

async function readCheckpoint(path: string, ctx: TaskRunContext): Promise<SearchCheckpoint | undefined> {
  if (!(await exists(path))) return undefined;
  let parsed: { format?: unknown; configSha256?: unknown; checkpoint?: SearchCheckpoint };
  try {
    parsed = JSON.parse(await fsp.readFile(path, 'utf8'));
  } catch (err) {
    throw new NeuroplastError(`${path}: not a readable checkpoint (${(err as Error).message})`);
  }
  if (parsed.format !== CHECKPOINT_FORMAT || !parsed.checkpoint)
    throw new NeuroplastError(
      `${path}: not an evolution checkpoint (format ${JSON.stringify(parsed.format)})`,
    );
  checkCheckpointConfig(path, parsed.configSha256, ctx);
  return parsed.checkpoint;
}

/**
 * Runs each named search in turn: a checkpoint after every generation (checkpoints/NAME.json, atomic) and a line
 * in metrics.jsonl (best objectives, hypervolume); a finished search writes searches/NAME.json (its summary and
 * final population), so a resumed run skips it and continues the unfinished one from its last generation exactly.
 */
export async function runEvolutionExperiment(
  cfg: EvolutionExperimentConfig,
  ctx: TaskRunContext,
): Promise<EvolutionSummary> {
  const { runDir } = ctx;
  for (const m of cfg.task.modules) await import(moduleUrl(m));
  // Everything that can be refused is refused before any evaluation.
  const built = Object.entries(cfg.searches).map(([name, search]) => {
    const where = `searches.${name}`;
    const problemOptions = { ...cfg.task.problemOptions, ...search.problemOptions };
    const problem = problems.get(cfg.task.problem, 'task.problem')(problemOptions, `${where}.problemOptions`);
    const strategy = strategies.get(search.strategy, `${where}.strategy`)(
      search.strategyOptions,
      `${where}.strategyOptions`,
    );
    const m = problem.objectives.length;
    if (strategy.objectives === 'single' && m !== 1)
      throw new ConfigError(
        `${where}.strategy`,
        `${search.strategy} optimises one objective; the problem has ${m} here`,
      );
    if (strategy.objectives === 'multi' && m < 2)
      throw new ConfigError(
        `${where}.strategy`,
        `${search.strategy} needs several objectives; the problem has ${m} here`,
      );
    if (search.referencePoint && search.referencePoint.length !== m)
      throw new ConfigError(
        `${where}.referencePoint`,
        `expected ${m} values, found ${search.referencePoint.length}`,
      );
    return { name, search, problem, strategy, problemOptions };
  });
  if (ctx.evaluationQueue) await checkRedis(ctx.evaluationQueue);
  await fsp.mkdir(join(runDir.path, 'searches'), { recursive: true });
  const workers = Math.max(1, ctx.jobs ?? 1);
  const summaries: Record<string, SearchSummary> = {};
  for (const { name, search, problem, strategy, problemOptions } of built) {
    const resultPath = join(runDir.path, 'searches', `${name}.json`);
    if (ctx.resume && (await exists(resultPath))) {
      summaries[name] = JSON.parse(await fsp.readFile(resultPath, 'utf8')).summary as SearchSummary;
      continue;
    }
    const checkpointPath = join(runDir.checkpointDir, `${name}.json`);
    const resumeFrom = ctx.resume ? await readCheckpoint(checkpointPath, ctx) : undefined;
    if (ctx.resume)
      await runDir.trimMetrics(
        (r) => r.search !== name || Number(r.generation) <= (resumeFrom?.generation ?? 0),
      );
    const ref = { name: cfg.task.problem, options: problemOptions, modules: cfg.task.modules };
    const evaluator = ctx.evaluationQueue
      ? queueEvaluator({
          url: ctx.evaluationQueue,
          problem: ref,
          runKey: `${cfg.name}/${name}/${ctx.configSha256 ?? ''}`,
        })
      : workers > 1
        ? poolEvaluator(ref, workers)
        : undefined;
    const started = Date.now();
    let result;
    try {
      result = await runSearch({
        problem,
        strategy,
        seed: cfg.seed,
        termination: search.termination,
        repeats: search.repeats,
        referencePoint: search.referencePoint,
        runId: `${cfg.name}/${name}`,
        evaluator,
        resumeFrom,
        onGeneration: async (record, checkpoint) => {
          await writeFileAtomic(
            checkpointPath,
            JSON.stringify({ format: CHECKPOINT_FORMAT, configSha256: ctx.configSha256, checkpoint }) + '\n',
          );
          const { best, ...rest } = record;
          runDir.appendMetric({
            search: name,
            ...rest,
            ...Object.fromEntries(Object.entries(best).map(([k, v]) => [`best_${k}`, v])),
          });
          if (!ctx.quiet) {
            const best = Object.entries(record.best)
              .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
              .join(', ');
            process.stderr.write(
              `[${name}] generation ${record.generation}: ${best} (${record.evaluations} evaluations)\n`,
            );
          }
          ctx.onCheckpoint?.(record.generation);
        },
      });
    } finally {
      await evaluator?.close();
    }
    const elites = result.elites;
    const equation = (genes: number[]) => (isRediscovery(problem) ? problem.equation(genes) : undefined);
    const summary: SearchSummary = {
      strategy: search.strategy,
      generations: result.checkpoint.generation,
      evaluations: result.checkpoint.evaluations,
      seconds: (Date.now() - started) / 1000,
      front: elites.map((e) => ({
        objectives: objectivesOf(problem, e),
        equation: equation(e.x),
        genes: e.x,
      })),
      ...(hasGenome(problem) ? { genome: problem.genome.spec } : {}),
    };
    if (result.history.at(-1)?.hypervolume !== undefined)
      summary.hypervolume = result.history.at(-1)!.hypervolume;
    if (isRediscovery(problem) && elites.length > 0) {
      const found = chooseFound(elites, search);
      summary.found = {
        equation: problem.equation(found.x),
        objectives: objectivesOf(problem, found),
        assessment: problem.assess(found.x),
      };
      summary.trueEquation = problem.trueEquation();
    } else if (isKnown(problem))
      summary.igd = igd(
        elites.map((e) => e.costs.mean),
        problem.front(500),
      );
    await writeFileAtomic(
      resultPath,
      JSON.stringify({ summary, population: result.checkpoint.state }, null, 1) + '\n',
    );
    summaries[name] = summary;
  }
  const out: EvolutionSummary = {
    kind: 'evolution',
    name: cfg.name,
    seed: cfg.seed,
    problem: cfg.task.problem,
    workers,
    searches: summaries,
  };
  // The checks other tools read: each assessed figure at the top level, the worst over the searches.
  for (const s of Object.values(summaries))
    for (const [k, v] of Object.entries(s.found?.assessment ?? {}))
      out[k] = Math.max(typeof out[k] === 'number' ? (out[k] as number) : -Infinity, v);
  return out;
}
