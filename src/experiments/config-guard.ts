import { createHash } from 'node:crypto';
import { NeuroplastError } from '../util/errors.js';

/** JSON with object keys sorted, so the same values always give the same text (and hash). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The hash a run records of its config: resume compares it to config.json as it is then. */
export const configSha256 = (config: unknown): string =>
  createHash('sha256').update(canonicalJson(config)).digest('hex');

/** The fields whose values differ between two configs, as `path: before -> after` (at most `limit`). */
export function configChanges(before: unknown, after: unknown, limit = 8): string[] {
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v).slice(0, 40));
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= limit || canonicalJson(a) === canonicalJson(b)) return;
    const objects = [a, b].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (!objects) {
      out.push(`${path || '(top level)'}: ${show(a)} -> ${show(b)}`);
      return;
    }
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const k of keys)
      walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
  };
  walk(before, after, '');
  return out;
}

/**
 * Resuming with a config that differs from the one the run started with would silently give another run: refused
 * in one line naming the changed fields, unless the caller allows it.
 */
export function checkResumeConfig(
  configPath: string,
  started: { sha256: string; config: unknown },
  now: unknown,
  allowChange: boolean,
): 'same' | 'changed' {
  if (configSha256(now) === started.sha256) return 'same';
  if (allowChange) return 'changed';
  const changes = configChanges(started.config, now);
  throw new NeuroplastError(
    `${configPath}: changed since the run started (${changes.join(', ') || 'same values, other file'}); resuming would ` +
      'give another run than the one started: restore it, or pass --allow-config-change to continue with the new values',
  );
}
