import { z } from 'zod';
import { experimentFields, refineDistinct, seedList } from '../../config.js';
import { getDatasetSpec } from '../../../data/index.js';
import {
  createStrategy,
  getStrategyKind,
  SCENARIOS,
  scenarioHeads,
  settingsFor,
  strategyNames,
  validateSplit,
  supportedScenarios,
  type Scenario,
} from '../../../continual/index.js';
import { ConfigError } from '../../../util/errors.js';
import { formatAmount, MODEL_BYTES, modelBudget, overBudget } from '../../../util/budget.js';

const positiveInt = z.number().int().positive();

/** The network, optimizer and schedule of every run (van de Ven & Tolias's per benchmark). */
const protocolSchema = z.strictObject({
  hidden: z.array(positiveInt).min(1),
  lr: z.number().positive(),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  iterationsPerContext: positiveInt,
  batchSize: positiveInt,
  /** Test samples per context evaluated (all when absent). */
  evalSamples: positiveInt.optional(),
});

/** A method's entry: `strategy` (the key when absent) and its settings, any of them given per scenario. */
const methodSchema = z.looseObject({ strategy: z.string().optional() });

/** Published accuracies (percent) shown beside the run's: reference[scenario][method]. */
const referenceSchema = z.strictObject({
  source: z.string(),
  acc: z.partialRecord(z.enum(SCENARIOS), z.record(z.string(), z.number().min(0).max(100))),
});

/** Widths of a config's network: inputs, hidden layers, outputs (the largest head of any scenario). */
function widths(cfg: ContinualConfigInput, classes: number): number[] {
  const t = cfg.task;
  const inputs =
    t.benchmark === 'permuted'
      ? t.padTo * t.padTo
      : getDatasetSpec(t.dataset).shape.reduce((a, b) => a * b, 1);
  const outputs = t.benchmark === 'permuted' ? classes * t.contexts : classes;
  return [inputs, ...cfg.protocol.hidden, outputs];
}

/**
 * Memory one cell needs, estimated from the network as the learner allocates it: parameters with gradients and Adam's
 * two moments; a method's copies (EWC's folded anchors, SI's six arrays, a teacher, a VAE of the same widths); its
 * sample sets (a replay memory, the Fisher's samples, a context's inputs) and the activations of an evaluation batch.
 */
export function cellBytes(
  cfg: ContinualConfigInput,
  strategy: string,
  settings: Record<string, unknown>,
  classes: number,
  trainCount: number,
): number {
  const w = widths(cfg, classes);
  const params = w.slice(1).reduce((n, out, i) => n + (w[i] + 1) * out, 0);
  const copies: Record<string, number> = {
    ewc: 3,
    online_ewc: 4,
    si: 6,
    lwf: 2,
    generative_replay: 8,
    neuromodulated: 14,
  };
  // Samples a method reads in at once: a context's training set (the Fisher's, or the memory's choice), the memory.
  const perContext =
    cfg.task.benchmark === 'permuted' ? trainCount : trainCount / (classes / cfg.task.classesPerContext);
  const fisher = Math.min(perContext, Number(settings.fisherSamples ?? Infinity));
  const samples =
    strategy === 'replay'
      ? perContext + Number(settings.budgetPerClass ?? 0) * w.at(-1)!
      : strategy === 'ewc' || strategy === 'online_ewc'
        ? fisher
        : 0;
  const activations = 1000 * w.reduce((a, b) => a + b, 0) * 3;
  return 4 * (params * (4 + (copies[strategy] ?? 0)) + samples * w[0] + activations);
}

export const continualSchema = z
  .strictObject({
    ...experimentFields,
    task: z.discriminatedUnion('benchmark', [
      z.strictObject({
        kind: z.literal('continual'),
        benchmark: z.literal('split'),
        dataset: z.enum(['mnist', 'fashion-mnist']),
        classesPerContext: positiveInt.default(2),
        /** The contexts' classes in training order, the same for every seed (by default drawn per seed). */
        contexts: z.array(z.array(z.number())).optional(),
      }),
      z.strictObject({
        kind: z.literal('continual'),
        benchmark: z.literal('permuted'),
        dataset: z.literal('mnist'),
        contexts: positiveInt.default(10),
        padTo: positiveInt.default(32),
      }),
    ]),
    protocol: protocolSchema,
    scenarios: z.array(z.enum(SCENARIOS)).min(1),
    seeds: seedList,
    methods: z.record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"'),
      methodSchema,
    ),
    reference: referenceSchema.optional(),
    /** Says the protocol is reduced from the paper's, and how; shown with every result. */
    reduced: z.string().optional(),
    /** What `run --quick` changes: fewer seeds and iterations, fewer test samples. */
    quick: z
      .strictObject({
        seeds: seedList,
        iterationsPerContext: positiveInt,
        evalSamples: positiveInt.optional(),
        methodSettings: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    if (Object.keys(cfg.methods).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['methods'],
        message: 'expected at least one method, found none',
      });
    refineDistinct(ctx, cfg.scenarios, 'scenarios', 'scenario');
    const classes = getDatasetSpec(cfg.task.dataset).classes.length;
    if (cfg.task.benchmark === 'split' && cfg.task.contexts) {
      try {
        validateSplit({ contexts: cfg.task.contexts, classCount: classes }, 'task.contexts');
        for (const scenario of cfg.scenarios)
          scenarioHeads({ contexts: cfg.task.contexts, classCount: classes }, scenario);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const at = /^(task\.contexts|contexts)((?:\[\d+\])*): (.*)$/.exec(err.message);
        const indices = at ? [...at[2].matchAll(/\d+/g)].map((m) => Number(m[0])) : [];
        ctx.addIssue({
          code: 'custom',
          path: ['task', 'contexts', ...indices],
          message: at ? at[3] : err.message,
        });
      }
    } else if (cfg.task.benchmark === 'split' && classes % cfg.task.classesPerContext !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['task', 'classesPerContext'],
        message: `expected a divisor of ${cfg.task.dataset}'s ${classes} classes, found ${cfg.task.classesPerContext}`,
      });
    // --quick's settings name methods of the file and are made for every scenario below too.
    for (const label of Object.keys(cfg.quick?.methodSettings ?? {}))
      if (!(label in cfg.methods))
        ctx.addIssue({
          code: 'custom',
          path: ['quick', 'methodSettings', label],
          message: `expected a method of \`methods\` (${Object.keys(cfg.methods).join(', ')}), found ${JSON.stringify(label)}`,
        });
    // Every method made for every scenario now, so a bad entry fails before any work, naming it.
    for (const [label, entry] of Object.entries(cfg.methods)) {
      const { strategy = label, ...settings } = entry;
      if (!strategyNames().includes(strategy)) {
        ctx.addIssue({
          code: 'custom',
          path: ['methods', label, ...(entry.strategy ? ['strategy'] : [])],
          message: `expected one of ${strategyNames().join(', ')}${entry.strategy ? '' : ' (or a `strategy` field naming one)'}, found ${JSON.stringify(strategy)}`,
        });
        continue;
      }
      for (const scenario of cfg.scenarios) {
        if (!supportedScenarios(getStrategyKind(strategy)).includes(scenario)) {
          ctx.addIssue({
            code: 'custom',
            path: ['methods', label],
            message: `${strategy} supports the ${supportedScenarios(getStrategyKind(strategy)).join(', ')}-incremental scenarios, found ${scenario} in scenarios`,
          });
          continue;
        }
        try {
          const bytes = cellBytes(
            cfg,
            strategy,
            settingsFor(settings, scenario, `methods.${label}`),
            classes,
            getDatasetSpec(cfg.task.dataset).trainCount,
          );
          if (bytes > modelBudget()) {
            ctx.addIssue({
              code: 'custom',
              path: ['methods', label],
              message: overBudget(
                `a run of ${strategy} with the network ${widths(cfg, classes).join('-')} needs about ${formatAmount(bytes, 'bytes')}`,
                MODEL_BYTES,
                modelBudget(),
                bytes,
              ),
            });
            break;
          }
          createStrategy(strategy, settings, scenario, `methods.${label}`);
          const quick = cfg.quick?.methodSettings?.[label];
          if (quick)
            createStrategy(strategy, { ...settings, ...quick }, scenario, `quick.methodSettings.${label}`);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          const at = /^((?:methods|quick\.methodSettings)\.[\w.-]+): (.*)$/.exec(err.message);
          ctx.addIssue({
            code: 'custom',
            path: at ? at[1].split('.') : ['methods', label],
            message: at ? at[2] : err.message,
          });
          break;
        }
      }
    }
  });

export type ContinualConfig = z.output<typeof continualSchema>;
type ContinualConfigInput = Pick<ContinualConfig, 'protocol' | 'task'>;

/** A method's strategy name and its settings (still per scenario where the file gives them so). */
export function methodEntry(
  cfg: ContinualConfig,
  label: string,
): { strategy: string; settings: Record<string, unknown> } {
  const { strategy = label, ...settings } = cfg.methods[label];
  return { strategy, settings };
}

/** The summary's name for a scenario (`task_il`, `domain_il`, `class_il`). */
export const scenarioKey = (s: Scenario) => `${s}_il` as const;
