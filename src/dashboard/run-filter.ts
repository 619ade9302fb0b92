/**
 * Which runs a filter keeps, as W&B's run filter does: `learner.lr=0.001 method!=ewc adam` keeps the runs whose
 * config has lr 0.001 (a dotted path, or its last parts) and a method other than ewc, and whose label, name or kind
 * contains "adam". Pure: the page and the tests use the same function.
 */
import { flatten } from './flatten.js';

interface Term {
  key: string | null;
  value: string;
  negate: boolean;
}

export function parseRunFilter(text: string): Term[] {
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => {
      const m = /^([^=!]+)(!?=)(.*)$/.exec(t);
      return m ? { key: m[1], value: m[3], negate: m[2] === '!=' } : { key: null, value: t, negate: false };
    });
}

/** Whether the filter names config fields (then every run's config is needed to apply it). */
export const needsConfig = (text: string) => parseRunFilter(text).some((t) => t.key !== null);

/** A config value (JSON text) equals what was typed: as text, as a string without quotes, or as the same number. */
function sameValue(json: string, typed: string): boolean {
  if (json === typed) return true;
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v === 'string') return v === typed;
    if (typeof v === 'number') return typed.trim() !== '' && Number(typed) === v;
    if (typeof v === 'boolean') return String(v) === typed;
  } catch {
    // A cut long value: only its exact text matches.
  }
  return false;
}

export function runMatches(
  filter: string,
  run: { label: string; name: string; kind: string | null },
  config: unknown,
): boolean {
  const terms = parseRunFilter(filter);
  if (!terms.length) return true;
  const flat = terms.some((t) => t.key !== null) ? flatten(config ?? {}) : new Map<string, string>();
  return terms.every((t) => {
    if (t.key === null) {
      const needle = t.value.toLowerCase();
      return [run.label, run.name, run.kind ?? ''].some((s) => s.toLowerCase().includes(needle));
    }
    const key = t.key;
    const hit = [...flat].some(
      ([path, v]) => (path === key || path.endsWith(`.${key}`)) && sameValue(v, t.value),
    );
    return hit !== t.negate;
  });
}
