import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/**
 * The three scenarios of van de Ven & Tolias ("Three scenarios for continual learning", 2019):
 * - `task`: the context is given at test time; the output is masked to the context's classes (multi-head);
 * - `domain`: no context at test time; every context shares one head of `perContext` outputs (the position of the
 *   class within its context);
 * - `class`: no context; one output per class, and the classes seen so far are the ones active.
 */
export type Scenario = 'task' | 'domain' | 'class';
export const SCENARIOS: readonly Scenario[] = ['task', 'domain', 'class'];

/** Classes grouped into contexts, in training order. */
export interface ContextSplit {
  /** The classes of each context (dataset labels). */
  contexts: number[][];
  /** How many classes the dataset has. */
  classCount: number;
}

/**
 * Checks a split: at least one context, none empty, every class a dataset class, no class in two contexts, and (for
 * the shared domain head) every context the same size. Names the entry at fault.
 */
export function validateSplit(split: ContextSplit, where = 'contexts'): ContextSplit {
  const { contexts, classCount } = split;
  if (contexts.length === 0) throw new ConfigError(where, 'expected at least one context, found none');
  const seen = new Map<number, number>();
  contexts.forEach((classes, k) => {
    if (classes.length === 0)
      throw new ConfigError(`${where}[${k}]`, 'expected at least one class, found none');
    classes.forEach((c, i) => {
      if (!(Number.isInteger(c) && c >= 0 && c < classCount))
        throw new ConfigError(
          `${where}[${k}][${i}]`,
          `expected a class of the dataset (0..${classCount - 1}), found ${c}`,
        );
      const other = seen.get(c);
      if (other !== undefined)
        throw new ConfigError(
          `${where}[${k}][${i}]`,
          `class ${c} is in context ${other} already: contexts must not overlap`,
        );
      seen.set(c, k);
    });
  });
  return split;
}

/**
 * Split MNIST's contexts (and Split Fashion-MNIST's): `classCount` classes in contexts of `perContext`, the
 * class-to-context assignment a random permutation drawn from `seed` (the protocol permutes it per seed).
 */
export function splitContexts(classCount: number, perContext: number, seed: number): ContextSplit {
  if (!(Number.isInteger(perContext) && perContext >= 1 && classCount % perContext === 0))
    throw new ConfigError(
      'perContext',
      `expected a divisor of the ${classCount} classes, found ${perContext}`,
    );
  const order = Array.from(new Rng(seed, 41).permutation(classCount));
  const contexts = Array.from({ length: classCount / perContext }, (_, k) =>
    order.slice(k * perContext, (k + 1) * perContext),
  );
  return validateSplit({ contexts, classCount });
}

/**
 * Permuted MNIST's contexts: one fixed random pixel permutation per context (the first one permuted too), each a
 * permutation of `pixels` indices drawn from `seed`.
 */
export function pixelPermutations(contexts: number, pixels: number, seed: number): Uint32Array[] {
  if (!(Number.isInteger(contexts) && contexts >= 1))
    throw new ConfigError('contexts', `expected a positive integer, found ${contexts}`);
  const rng = new Rng(seed, 43);
  return Array.from({ length: contexts }, () => rng.permutation(pixels));
}

/** How a scenario maps a split's classes to network outputs. */
export interface Heads {
  scenario: Scenario;
  /** Outputs the network needs. */
  outputs: number;
  /** The output a label of context `context` is trained toward. */
  target(context: number, label: number): number;
  /** The outputs active when training or testing context `context` (the others are masked out). */
  active(context: number): number[];
  /** The same outputs as a half-open range [from, to): every scenario's active outputs are contiguous. */
  range(context: number): [from: number, to: number];
}

/**
 * The heads of a scenario over a split. Task-IL and class-IL give each class its own output, numbered in context
 * order (context k's classes after those of contexts 0..k-1); task-IL activates only the context's outputs,
 * class-IL those of every context seen so far. Domain-IL shares `perContext` outputs (a class's position within
 * its context), which needs every context the same size.
 */
export function scenarioHeads(split: ContextSplit, scenario: Scenario): Heads {
  validateSplit(split);
  const { contexts } = split;
  if (!SCENARIOS.includes(scenario))
    throw new ConfigError(
      'scenario',
      `expected one of ${SCENARIOS.join(', ')}, found ${JSON.stringify(scenario)}`,
    );
  const position = new Map<number, [context: number, within: number, output: number]>();
  let output = 0;
  contexts.forEach((classes, k) => classes.forEach((c, i) => position.set(c, [k, i, output++])));
  const find = (context: number, label: number) => {
    const p = position.get(label);
    if (!p || p[0] !== context)
      throw new ConfigError(
        'label',
        `class ${label} is not in context ${context} (${JSON.stringify(contexts[context])})`,
      );
    return p;
  };
  const offsets = contexts.map((_, k) => contexts.slice(0, k).reduce((n, c) => n + c.length, 0));
  if (scenario === 'domain') {
    const size = contexts[0].length;
    const bad = contexts.findIndex((c) => c.length !== size);
    if (bad >= 0)
      throw new ConfigError(
        `contexts[${bad}]`,
        `domain-incremental heads need every context the same size (${size}), found ${contexts[bad].length}`,
      );
    return withActive({
      scenario,
      outputs: size,
      target: (k, label) => find(k, label)[1],
      range: () => [0, size],
    });
  }
  return withActive({
    scenario,
    outputs: output,
    target: (k, label) => find(k, label)[2],
    range:
      scenario === 'task'
        ? (k) => [offsets[k], offsets[k] + contexts[k].length]
        : (k) => [0, offsets[k] + contexts[k].length],
  });
}

function withActive(h: Omit<Heads, 'active'>): Heads {
  return {
    ...h,
    active: (k) => {
      const [from, to] = h.range(k);
      return Array.from({ length: to - from }, (_, i) => from + i);
    },
  };
}
