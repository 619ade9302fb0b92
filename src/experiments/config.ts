import { CST, Lexer, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import {
  BudgetError,
  budgetLimit,
  overBudget,
  EXPERIMENT_FILE_BYTES,
  EXPERIMENT_FILE_ITEMS,
} from '../util/budget.js';
import { readFileWithin } from '../util/files.js';
import { looksLikeSonataConfig } from '../sonata/index.js';
import { getTaskKind, type ExperimentBase } from './task-kind.js';

/** The experiment a SONATA simulation config stands for: the sonata kind, named after the config's folder. */
export function sonataExperiment(configPath: string): {
  name: string;
  seed: number;
  task: { kind: 'sonata'; config: string };
} {
  const folder = basename(dirname(resolve(configPath))).replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    name: `sonata-${folder || 'run'}`,
    seed: 0,
    task: { kind: 'sonata', config: resolve(configPath) },
  };
}

/**
 * The fields every experiment file has, whatever its kind: a kind's schema spreads them into its own
 * (`z.strictObject({ ...experimentFields, task: ..., ... })`). The name becomes a directory name, so it is
 * restricted to letters, digits, ".", "_" and "-" (and may not be "." or "..").
 */
export const experimentFields = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"')
    .refine((n) => n !== '.' && n !== '..', 'expected a name, not a path'),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
};

/** A list of run seeds: at least one, each a 32-bit unsigned integer, none twice (a repeat would be one run counted twice). */
export const seedList = z
  .array(z.number().int().min(0).max(0xffffffff))
  .min(1)
  .superRefine((seeds, ctx) => refineDistinct(ctx, seeds, null, 'seed'));

/** What is checked before the kind's own schema, so no kind can let an unsafe name or seed through. */
const experimentBaseSchema = z.looseObject({
  ...experimentFields,
  task: z.looseObject({ kind: z.string() }),
});

function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s && s.length > 40 ? `${s.slice(0, 37)}...` : String(s);
}

function lookup(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Validates an experiment of any registered kind, chosen by its `task.kind`. */
/** In a schema's superRefine: an issue at `field` (null: the refined value itself) when `list` names something twice. */
export function refineDistinct(
  ctx: z.RefinementCtx,
  list: readonly unknown[],
  field: string | null,
  what: string,
): void {
  if (new Set(list).size !== list.length)
    ctx.addIssue({
      code: 'custom',
      path: field === null ? [] : [field],
      message: `expected each ${what} once, found ${JSON.stringify(list)}`,
    });
}

/**
 * In a schema's superRefine: runs a check that throws ConfigErrors named like `task.cues.visual[0]` and turns its
 * error into an issue at that path below `base`, so the file's error names the entry as zod's own do.
 */
export function refineWith(ctx: z.RefinementCtx, base: (string | number)[], check: () => void): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const at = /^([\w.[\]-]+): (.*)$/.exec(err.message);
    const rel = at ? at[1].split(/[.[\]]+/).filter((x) => x !== '') : [];
    ctx.addIssue({
      code: 'custom',
      path: [...base, ...rel.map((x) => (/^\d+$/.test(x) ? Number(x) : x))],
      message: at ? at[2] : err.message,
    });
  }
}

export function validateAnyExperiment(raw: unknown, source: string): ExperimentBase {
  const kind = getTaskKind(lookup(raw, ['task', 'kind']), `${source}: task.kind`);
  parseWith(experimentBaseSchema, raw, source);
  return parseWith(kind.schema, raw, source);
}

/** zod's own bound on `.int()` (Number.MAX_SAFE_INTEGER), shown only where the field has no tighter bound. */
function isSafeIntBound(issue: z.core.$ZodIssue): boolean {
  return (
    (issue.code === 'too_big' && issue.maximum === Number.MAX_SAFE_INTEGER) ||
    (issue.code === 'too_small' && issue.minimum === Number.MIN_SAFE_INTEGER)
  );
}

const samePath = (a: PropertyKey[], b: PropertyKey[]) =>
  a.length === b.length && a.every((k, i) => k === b[i]);

/** Validates with a zod schema; on failure throws one line naming the source, field path, expected and found. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const all = result.error.issues;
  const issues = all.filter(
    (i) => !(isSafeIntBound(i) && all.some((o) => o !== i && samePath(o.path, i.path))),
  );
  const issue = issues[0];
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const found = lookup(raw, issue.path);
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys')
    msg = `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  // A custom check on a whole section (e.g. the model against the memory budget) says its own numbers.
  else if (!/received|found/.test(msg) && !(issue.code === 'custom' && typeof found === 'object'))
    msg = `${msg}; found ${describeFound(found)}`;
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  throw new ConfigError(`${source}: ${path}`, `${msg}${more}`);
}

/** YAML lexer tokens that are layout, not content: they do not count against the item budget. */
const LAYOUT_TOKENS = new Set<string | null>([
  'space',
  'newline',
  'comment',
  'doc-mode',
  'byte-order-mark',
  null,
]);

/**
 * Counts the YAML items (keys, values, brackets, commas, anchors, tags) with the lexer, stopping at the budget, so a
 * file of a million tiny values is refused before the parser builds a node for each.
 */
function checkYamlItems(path: string, text: string): void {
  const limit = budgetLimit(EXPERIMENT_FILE_ITEMS);
  let items = 0;
  for (const token of new Lexer().lex(text)) {
    if (LAYOUT_TOKENS.has(CST.tokenType(token)) || ++items <= limit) continue;
    const found = `more than ${limit} YAML items (keys, values, brackets, commas, anchors, tags)`;
    throw new BudgetError(path, overBudget(found, EXPERIMENT_FILE_ITEMS, limit));
  }
}

/** Where an alias that names no earlier anchor is, if there is one. */
function unresolvedAlias(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      at = node.range?.[0];
      return visit.BREAK;
    },
  });
  return at;
}

/** Parses YAML (or JSON) text; syntax errors are one line with the file's line:col where the parser gives one. */
function parseYamlText(path: string, text: string): unknown {
  const lines = new LineCounter();
  const fail = (offset: number | undefined, message: string) => {
    const at = offset === undefined ? null : lines.linePos(offset);
    return new ConfigError(
      path + (at ? `:${at.line}:${at.col}` : ''),
      `invalid YAML: ${message.split('\n')[0]}`,
    );
  };
  let doc: Document;
  try {
    doc = parseDocument(text, { prettyErrors: false, lineCounter: lines, logLevel: 'error' });
  } catch (e) {
    throw fail(undefined, (e as Error).message);
  }
  const error = doc.errors[0];
  if (error) throw fail(error.pos[0], error.message);
  if (doc.contents === null) throw new ConfigError(path, 'empty file: no YAML content, only comments');
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw fail(unresolvedAlias(doc), (e as Error).message);
  }
}

function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

/**
 * Reads and validates an experiment YAML (or JSON) file of any kind. The file may not exceed the experiment-file
 * budgets (1 MiB, $NEUROPLAST_MAX_EXPERIMENT_BYTES; 10000 YAML items, $NEUROPLAST_MAX_EXPERIMENT_ITEMS), checked
 * before it is read and parsed.
 */
export async function loadExperimentFile(path: string): Promise<ExperimentBase> {
  const text = (await readFileWithin(path, 'experiment file', EXPERIMENT_FILE_BYTES)).toString('utf8');
  if (text.trim() === '') throw new ConfigError(path, 'empty file: expected a mapping with name and task');
  checkYamlItems(path, text);
  const raw = parseYamlText(path, text);
  // A SONATA simulation config (JSON with run and network) runs as the sonata kind.
  if (path.endsWith('.json') && looksLikeSonataConfig(raw))
    return validateAnyExperiment(sonataExperiment(path), path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      path,
      `expected a mapping with name, task, model and learner; found ${describeKind(raw)}`,
    );
  }
  return validateAnyExperiment(raw, path);
}
