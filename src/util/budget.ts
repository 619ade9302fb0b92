import { totalmem } from 'node:os';
import { NeuroplastError } from './errors.js';

/**
 * A limit on what one input may make neuroplast hold in memory, checked from what a file or config declares
 * (a header, a file size, a model's shape) before anything of that size is allocated or read. Each has a default
 * and an environment variable that raises (or lowers) it; the error says the budget, what was found and how to
 * raise it.
 */
export interface Budget {
  /** What it limits, in words: "data-file", "experiment-file", "model". */
  name: string;
  /** The environment variable that overrides the default. */
  env: string;
  defaultValue: number;
  unit: 'bytes' | 'items';
}

/** Decoded bytes of one IDX or CIFAR file (the payload a header promises, or a CIFAR file's size). */
export const DATA_FILE_BYTES: Budget = {
  name: 'data-file',
  env: 'NEUROPLAST_MAX_DATA_BYTES',
  defaultValue: 2 ** 30,
  unit: 'bytes',
};

/** Size of an experiment file, before it is read. */
export const EXPERIMENT_FILE_BYTES: Budget = {
  name: 'experiment-file',
  env: 'NEUROPLAST_MAX_EXPERIMENT_BYTES',
  defaultValue: 2 ** 20,
  unit: 'bytes',
};

/** YAML items (keys, values, brackets, commas, anchors, tags) in an experiment file, counted before it is parsed. */
export const EXPERIMENT_FILE_ITEMS: Budget = {
  name: 'experiment-file',
  env: 'NEUROPLAST_MAX_EXPERIMENT_ITEMS',
  defaultValue: 10_000,
  unit: 'items',
};

/** Memory a model needs to train and evaluate (parameters, optimizer state, activations of a batch), estimated from its config. */
export const MODEL_BYTES: Budget = {
  name: 'model',
  env: 'NEUROPLAST_MAX_MODEL_BYTES',
  defaultValue: 8 * 2 ** 30,
  unit: 'bytes',
};

/**
 * The model budget in force: NEUROPLAST_MAX_MODEL_BYTES when set, else the default capped at this machine's memory
 * (its total, not what is free at the moment, so that whether a config validates does not depend on what else runs).
 */
export function modelBudget(env: NodeJS.ProcessEnv = process.env, machineBytes = totalmem()): number {
  const raw = env[MODEL_BYTES.env];
  return raw !== undefined && raw.trim() !== ''
    ? budgetLimit(MODEL_BYTES, env)
    : Math.min(MODEL_BYTES.defaultValue, machineBytes);
}

const SUFFIX: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** The budget in force: its environment variable (a whole number, optionally with K, M, G or T, binary) or its default. */
export function budgetLimit(budget: Budget, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[budget.env];
  if (raw === undefined || raw.trim() === '') return budget.defaultValue;
  const m = /^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(raw);
  const value = m ? Number(m[1]) * SUFFIX[m[2].toLowerCase()] : NaN;
  if (!(value > 0) || !Number.isSafeInteger(value)) {
    throw new NeuroplastError(
      `${budget.env}=${raw}: expected a positive whole number of ${budget.unit} (K, M, G or T allowed), e.g. 2G`,
    );
  }
  return value;
}

/** "4294967296 bytes (4.0 GiB)", "10000 items". */
export function formatAmount(n: number, unit: Budget['unit']): string {
  const shown = Number.isSafeInteger(n) ? String(n) : n.toExponential(3);
  if (unit === 'items') return `${shown} items`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u < 0 ? `${shown} bytes` : `${shown} bytes (${v.toFixed(1)} ${units[u]})`;
}

/** `${found}, over the ${name} budget of ${limit}; set ${env}=${needed} or more to allow it`. */
export function overBudget(found: string, budget: Budget, limit: number, needed?: number): string {
  const raise =
    needed !== undefined && Number.isFinite(needed)
      ? `set ${budget.env}=${Math.ceil(needed)} or more to allow it`
      : `set ${budget.env} higher to allow it`;
  return `${found}, over the ${budget.name} budget of ${formatAmount(limit, budget.unit)}; ${raise}`;
}

/** Something over a budget, in one line: where (the file), then `overBudget`'s words. */
export class BudgetError extends NeuroplastError {
  constructor(where: string, over: string) {
    super(`${where}: ${over}`);
    this.name = 'BudgetError';
  }
}

/**
 * Says why `amount` exceeds the budget (`limit` given, or the one in force), or null when it fits. `what` says what
 * needs it and is followed by the amount: "IDX header promises 1024x1024x1024 float32 values in" 4294967296 bytes.
 */
function exceedsBudget(
  what: string,
  amount: number,
  budget: Budget,
  limit = budgetLimit(budget),
): string | null {
  return amount > limit
    ? overBudget(`${what} ${formatAmount(amount, budget.unit)}`, budget, limit, amount)
    : null;
}

/** Throws a BudgetError naming `where` if `amount` exceeds the budget (see `exceedsBudget`). */
export function checkBudget(
  where: string,
  what: string,
  amount: number,
  budget: Budget,
  limit?: number,
): void {
  const over = exceedsBudget(what, amount, budget, limit);
  if (over) throw new BudgetError(where, over);
}
