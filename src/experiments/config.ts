import { promises as fsp } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { getTaskKind, type ExperimentBase } from './task-kind.js';

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
export function validateAnyExperiment(raw: unknown, source: string): ExperimentBase {
  const kind = getTaskKind(lookup(raw, ['task', 'kind']), `${source}: task.kind`);
  parseWith(experimentBaseSchema, raw, source);
  return parseWith(kind.schema, raw, source);
}

/** Validates with a zod schema; on failure throws one line naming the source, field path, expected and found. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const found = lookup(raw, issue.path);
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys')
    msg = `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  else if (!/received|found/.test(msg)) msg = `${msg}; found ${describeFound(found)}`;
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
  throw new ConfigError(`${source}: ${path}`, `${msg}${more}`);
}

/** Reads and validates an experiment YAML (or JSON) file of any kind. */
export async function loadExperimentFile(path: string): Promise<ExperimentBase> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NeuroplastError(
      `${path}: cannot read experiment file (${code === 'ENOENT' ? 'file not found' : code})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (e) {
    const err = e as YAMLParseError;
    const line = err.linePos?.[0];
    throw new ConfigError(
      path + (line ? `:${line.line}:${line.col}` : ''),
      `invalid YAML: ${err.message.split('\n')[0]}`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      path,
      `expected a mapping with name, task, model and learner; found ${Array.isArray(raw) ? 'a list' : typeof raw}`,
    );
  }
  return validateAnyExperiment(raw, path);
}
