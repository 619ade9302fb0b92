import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fitV1Weights, loadLgnTables, loadV1Tables, type V1FittedWeights } from '../../../cortex/index.js';
import {
  clusterRules,
  evaluateV1Rule,
  paperBestRule,
  v1RuleProblem,
  type RuleFamily,
  type V1RuleEvaluation,
} from '../../../discovery/index.js';
import { evaluationSeed, poolEvaluator, queueEvaluator, type Evaluator } from '../../../evolution/index.js';
import { writeFileAtomic } from '../../../util/fsx.js';
import { Rng } from '../../../util/rng.js';
import type { TaskRunContext } from '../../task-kind.js';
import type { EvolutionExperimentConfig } from '../evolution/config.js';
import { runEvolutionExperiment } from '../evolution/run.js';
import { v1RuleProblemOptions, type V1RulesConfig } from './config.js';

/** The module that registers the problem, for worker threads and queue workers. */
const PROBLEM_MODULE = 'package:discovery/index.js';
/** Where an evaluation's seed comes from (hashed with the run's seed into 32 bits). */
const RANDOM_PHASE = 0x52414e44;
const REEVALUATION_PHASE = 0x52455645;
const OBJECTIVES = [
  'accuracy',
  'active_terms',
  'max_rate_hz',
  'synchrony',
  'rate_deviation',
  'wasserstein_hz',
];

export interface RuleRecord {
  /** Where the rule came from: `random/INDEX`, `SEARCH/front/K`, `paper`, `none`. */
  source: string;
  equation: string;
  accuracy: number;
  objectives: Record<string, number>;
  genes: number[];
}

export interface ReevaluatedRule {
  source: string;
  equation: string;
  /** Mean over the re-evaluations (seeds), and each. */
  accuracy: number;
  accuracies: number[];
  objectives: Record<string, number>;
  /** The readout pool's rate late in the gray delay (Hz, mean over seeds): persistent firing. */
  delayPoolHz: number;
  runaways: number;
}

export interface V1RulesSummary extends Record<string, unknown> {
  kind: 'v1-rules';
  name: string;
  seed: number;
  neurons: number;
  genes: number;
  /** Every evaluation of the run, resumed parts included. */
  evaluations: number;
  /** This session's wall time. */
  seconds: number;
  /** Random rules evaluated per second in this session (null when it evaluated none). */
  evaluations_per_second: number | null;
  random_rules: {
    n: number;
    mean_accuracy: number;
    best_accuracy: number;
    runaway: number;
    /** Over the rules that did not run away (a stopped run scores 0, where a saturated network would say "change"). */
    mean_accuracy_without_runaway: number;
  };
  pareto: { source: string; equation: string; accuracy: number; objectives: Record<string, number> }[];
  best_accuracy: number;
  best_rule: ReevaluatedRule | null;
  paper_rule: ReevaluatedRule;
  no_plasticity: ReevaluatedRule;
  scale_accuracy: Record<string, number>;
  few_shot: Record<string, number>;
  heterogeneity: {
    shared: number;
    per_type: number;
    seeds: number[];
    shared_by_seed: number[];
    per_type_by_seed: number[];
  } | null;
  families: RuleFamily[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** The genes of random genome `index` of a run (drawn from the run's seed, so they need not be stored). */
export function randomGenes(
  low: readonly number[],
  high: readonly number[],
  seed: number,
  index: number,
): number[] {
  const rng = new Rng(seed, 40_000 + index);
  return low.map((lo, i) => lo + rng.float() * (high[i] - lo));
}

/** Lines of a JSON-lines file that parse, the rest (a line cut by a kill) dropped and the file rewritten. */
async function readLines<T>(path: string): Promise<T[]> {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  const lines = (await fsp.readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  for (const line of lines)
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      break;
    }
  if (out.length !== lines.length)
    await writeFileAtomic(path, out.map((r) => JSON.stringify(r) + '\n').join(''));
  return out;
}

export async function runV1Rules(cfg: V1RulesConfig, ctx: TaskRunContext): Promise<V1RulesSummary> {
  const started = Date.now();
  const log = (line: string) => {
    if (!ctx.quiet) process.stderr.write(line + '\n');
  };
  const dir = ctx.runDir.path;
  const [tables, lgnTables] = await Promise.all([loadV1Tables(), loadLgnTables()]);
  const t = cfg.task;
  const setup = { ...cfg, seed: cfg.seed };
  let evaluations = 0;

  /** Fitted weights per size, once per run. */
  const fitted = async (neurons: number): Promise<V1FittedWeights> => {
    const path = join(dir, `fit-${neurons}.json`);
    if (existsSync(path)) return ctx.runDir.readJson<V1FittedWeights>(path);
    const w = fitV1Weights(tables, lgnTables, setup, neurons, (iteration, error) => {
      log(`fit ${neurons}: iteration ${iteration}, error ${error.toFixed(3)}`);
      ctx.runDir.appendMetric({ phase: 'fit', neurons, iteration, error });
    });
    const weights = { backgroundWeightPa: w.backgroundWeightPa, lgnWeightScale: w.lgnWeightScale };
    await ctx.runDir.writeJson(path, weights);
    return weights;
  };
  const problemOptions = (neurons: number, weights: V1FittedWeights, sharing = 'synapse-type') =>
    v1RuleProblemOptions(cfg, neurons, weights, sharing);
  const weights = await fitted(t.neurons);
  const options = problemOptions(t.neurons, weights);
  const problem = v1RuleProblem(options, 'task');
  const genome = problem.genome;
  const equation = (genes: number[]) => genome.equation(genome.decode(genes), { coefficients: false });
  const workers = Math.max(1, ctx.jobs ?? 1);
  const evaluator: (Evaluator & { close(): Promise<void> }) | null = ctx.evaluationQueue
    ? queueEvaluator({
        url: ctx.evaluationQueue,
        problem: { name: 'v1-change-detection', options, modules: [PROBLEM_MODULE] },
        runKey: `${cfg.name}/random/${ctx.configSha256 ?? ''}`,
      })
    : workers > 1
      ? poolEvaluator({ name: 'v1-change-detection', options, modules: [PROBLEM_MODULE] }, workers)
      : null;

  // 1. Random rules, in batches appended to random.jsonl (a resumed run continues after the last whole line).
  const randomPath = join(dir, 'random.jsonl');
  const random = await readLines<{ index: number; seed: number; objectives: number[] }>(randomPath);
  // The rate is measured on this session's random rules alone (resumed parts were timed in other sessions).
  const randomTimed = { evaluations: 0, seconds: 0 };
  try {
    const batch = Math.max(2, workers * 2);
    while (random.length < cfg.randomRules.count) {
      const from = random.length;
      const jobs = Array.from({ length: Math.min(batch, cfg.randomRules.count - from) }, (_, k) => {
        const index = from + k;
        return {
          id: `${cfg.name}/random/${index}`,
          x: randomGenes(problem.low, problem.high, cfg.seed, index),
          seed: evaluationSeed(cfg.seed, RANDOM_PHASE, index, 0),
        };
      });
      const batchStart = Date.now();
      const values = evaluator
        ? await evaluator.evaluate(problem, jobs)
        : await Promise.all(jobs.map((j) => problem.evaluate(j.x, j.seed)));
      randomTimed.seconds += (Date.now() - batchStart) / 1000;
      randomTimed.evaluations += jobs.length;
      const lines = jobs.map((j, k) => ({ index: from + k, seed: j.seed, objectives: values[k] }));
      await fsp.appendFile(randomPath, lines.map((l) => JSON.stringify(l) + '\n').join(''));
      random.push(...lines);
      log(
        `random rules: ${random.length}/${cfg.randomRules.count} (best accuracy so far ${Math.max(...random.map((r) => r.objectives[0])).toFixed(3)})`,
      );
      ctx.runDir.appendMetric({
        phase: 'random',
        done: random.length,
        accuracy: lines.map((l) => l.objectives[0]),
      });
    }
  } finally {
    await evaluator?.close();
  }
  evaluations += random.length;
  const randomAccuracy = random.map((r) => r.objectives[0]);

  // 2. The searches, and the heterogeneity comparison, as evolution searches (checkpointed per generation).
  const evolution = async (
    name: string,
    seed: number,
    searches: EvolutionExperimentConfig['searches'],
    sharing?: string,
  ) => {
    const evoCfg: EvolutionExperimentConfig = {
      name,
      seed,
      task: {
        kind: 'evolution',
        problem: 'v1-change-detection',
        problemOptions: sharing ? problemOptions(t.neurons, weights, sharing) : options,
        modules: [PROBLEM_MODULE],
      },
      searches,
      quick: { generations: 1 },
    };
    const s = await runEvolutionExperiment(evoCfg, ctx);
    for (const r of Object.values(s.searches)) evaluations += r.evaluations;
    return s;
  };
  const asSearch = (x: V1RulesConfig['searches'][string]) => ({
    strategy: x.strategy,
    strategyOptions: x.strategyOptions,
    problemOptions: {},
    termination: { generations: x.generations },
    repeats: x.repeats,
  });
  const searched = Object.keys(cfg.searches).length
    ? await evolution(
        cfg.name,
        cfg.seed,
        Object.fromEntries(Object.entries(cfg.searches).map(([k, x]) => [k, asSearch(x)])),
      )
    : null;
  const candidates: RuleRecord[] = [];
  const pareto: V1RulesSummary['pareto'] = [];
  for (const [name, s] of Object.entries(searched?.searches ?? {}))
    s.front.forEach((f, k) => {
      const record = {
        source: `${name}/front/${k}`,
        equation: equation(f.genes),
        accuracy: f.objectives.accuracy,
        objectives: f.objectives,
        genes: f.genes,
      };
      candidates.push(record);
      pareto.push({
        source: record.source,
        equation: record.equation,
        accuracy: record.accuracy,
        objectives: record.objectives,
      });
    });
  [...random]
    .sort((a, b) => b.objectives[0] - a.objectives[0] || a.index - b.index)
    .slice(0, cfg.scale.rules)
    .forEach((r) => {
      const genes = randomGenes(problem.low, problem.high, cfg.seed, r.index);
      candidates.push({
        source: `random/${r.index}`,
        equation: equation(genes),
        accuracy: r.objectives[0],
        objectives: Object.fromEntries(OBJECTIVES.map((o, k) => [o, r.objectives[k]])),
        genes,
      });
    });
  let heterogeneity: V1RulesSummary['heterogeneity'] = null;
  if (cfg.heterogeneity) {
    const h = cfg.heterogeneity;
    const best = (s: Awaited<ReturnType<typeof evolution>>) =>
      Math.max(...Object.values(s.searches).flatMap((r) => r.front.map((f) => f.objectives.accuracy)));
    const shared: number[] = [];
    const perType: number[] = [];
    for (const seed of h.seeds) {
      shared.push(
        best(
          await evolution(
            `${cfg.name}-shared-s${seed}`,
            seed,
            { [`shared-s${seed}`]: asSearch(h.search) },
            'shared',
          ),
        ),
      );
      perType.push(
        best(
          await evolution(`${cfg.name}-per-type-s${seed}`, seed, {
            [`per-type-s${seed}`]: asSearch(h.search),
          }),
        ),
      );
    }
    heterogeneity = {
      shared: mean(shared),
      per_type: mean(perType),
      seeds: h.seeds,
      shared_by_seed: shared,
      per_type_by_seed: perType,
    };
  }

  // 3. Re-evaluations (inline: they read more than the objectives), each result file written once.
  const prepared = await problem.prepared();
  const reevaluate = async (
    key: string,
    record: Pick<RuleRecord, 'source' | 'equation' | 'genes'>,
    run: (seed: number) => V1RuleEvaluation,
  ): Promise<ReevaluatedRule> => {
    const path = join(dir, 'reevaluations', `${key}.json`);
    if (existsSync(path)) {
      const done = await ctx.runDir.readJson<ReevaluatedRule>(path);
      evaluations += done.accuracies.length;
      return done;
    }
    const results = Array.from({ length: cfg.reevaluations }, (_, k) =>
      run(evaluationSeed(cfg.seed, REEVALUATION_PHASE, k, 0)),
    );
    evaluations += results.length;
    const ok = results.filter((r) => r.result);
    const out: ReevaluatedRule = {
      source: record.source,
      equation: record.equation,
      accuracy: mean(results.map((r) => r.objectives[0])),
      accuracies: results.map((r) => r.objectives[0]),
      objectives: Object.fromEntries(
        OBJECTIVES.map((o, k) => [o, mean(results.map((r) => r.objectives[k]))]),
      ),
      delayPoolHz: mean(ok.map((r) => r.result!.delayPoolHz)),
      runaways: results.length - ok.length,
    };
    await fsp.mkdir(join(dir, 'reevaluations'), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(out, null, 1) + '\n');
    log(`re-evaluated ${key} (${record.equation}): accuracy ${out.accuracy.toFixed(3)}`);
    ctx.runDir.appendMetric({ phase: 'reevaluation', key, accuracy: out.accuracy });
    return out;
  };
  const base =
    (genes: number[], task = problem.options.task) =>
    (seed: number) =>
      evaluateV1Rule(prepared, problem.options, genome.decode(genes), seed, task);
  const paper = paperBestRule(genome);
  const paperRule = await reevaluate(
    'paper',
    { source: 'paper', equation: equation(paper), genes: paper },
    base(paper),
  );
  const none = genome.low.map((lo, i) => (i < genome.parts.gates ? 0 : (lo + genome.high[i]) / 2));
  const noPlasticity = await reevaluate(
    'none',
    { source: 'none', equation: equation(none), genes: none },
    base(none),
  );
  const ranked = [...candidates].sort((a, b) => b.accuracy - a.accuracy || a.source.localeCompare(b.source));
  const top: { record: RuleRecord; re: ReevaluatedRule }[] = [];
  for (const record of ranked.slice(0, cfg.scale.rules))
    top.push({ record, re: await reevaluate(record.source.replace(/\//g, '-'), record, base(record.genes)) });
  top.sort((a, b) => b.re.accuracy - a.re.accuracy);
  const best = top[0] ?? null;

  // 4. Scale: the best rules at other sizes (each size fitted once).
  const scaleAccuracy: Record<string, number> = {};
  if (best) {
    scaleAccuracy[String(t.neurons)] = best.re.accuracy;
    for (const n of cfg.scale.neurons) {
      const w = await fitted(n);
      const p = v1RuleProblem(problemOptions(n, w), 'task');
      const prep = await p.prepared();
      const re = await reevaluate(`scale-${n}`, best.record, (seed) =>
        evaluateV1Rule(prep, p.options, genome.decode(best.record.genes), seed),
      );
      scaleAccuracy[String(n)] = re.accuracy;
    }
  }

  // 5. Few-shot: the best rule after a few plastic trials, against the network with plasticity off.
  const fewShot: Record<string, number> = {};
  if (best)
    for (const trials of cfg.fewShot) {
      const task = { ...problem.options.task, plasticTrials: trials };
      const re = await reevaluate(`few-shot-${trials}`, best.record, base(best.record.genes, task));
      fewShot[String(trials)] = re.accuracy;
    }
  if (best && cfg.fewShot.length) fewShot.off = noPlasticity.accuracy;

  // 6. Families of high-performing rules (gates and coefficients).
  const families = clusterRules(
    genome,
    candidates.filter((c) => c.accuracy >= Math.max(0.5, (best?.record.accuracy ?? 0) - 0.05)),
  );
  const seconds = (Date.now() - started) / 1000;
  return {
    kind: 'v1-rules',
    name: cfg.name,
    seed: cfg.seed,
    neurons: t.neurons,
    genes: genome.size,
    evaluations,
    seconds,
    evaluations_per_second: randomTimed.seconds > 0 ? randomTimed.evaluations / randomTimed.seconds : null,
    random_rules: {
      n: random.length,
      mean_accuracy: mean(randomAccuracy),
      best_accuracy: randomAccuracy.length ? Math.max(...randomAccuracy) : Number.NaN,
      runaway: random.filter((r) => r.objectives[2] >= t.maxRateHz).length,
      mean_accuracy_without_runaway: mean(
        random.filter((r) => r.objectives[2] < t.maxRateHz).map((r) => r.objectives[0]),
      ),
    },
    pareto,
    best_accuracy: best?.re.accuracy ?? Number.NaN,
    best_rule: best?.re ?? null,
    paper_rule: paperRule,
    no_plasticity: noPlasticity,
    scale_accuracy: scaleAccuracy,
    few_shot: fewShot,
    heterogeneity,
    families,
  };
}
