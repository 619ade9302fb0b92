/**
 * Plasticity per synapse type in the V1 model: a rule attaches to the projections of chosen class pairs (or groups of
 * pairs), each projection getting its own instance. Ready for rules found by evolution, one per synapse type.
 */
import { ConfigError } from '../util/errors.js';
import { createPlasticityRule, type PlasticityRule } from '../spiking/index.js';
import type { V1Column } from './column.js';

/**
 * Which classes a side of an attachment means: a class name (`L4 Exc`) or key (`e4`), `E` or `I` (every excitatory or
 * inhibitory class), `*` (every class), `LGN` (the LGN, as presynaptic side only), or a list of these.
 */
export type V1ClassSelector = string | readonly string[];

/** Where a rule comes from: a registered rule's description (`{ kind: 'pair-stdp', ... }`) or a factory per pair. */
export type V1RuleSource = Record<string, unknown> | ((pre: string, post: string) => PlasticityRule);

export interface V1PlasticityAttachment {
  pre: V1ClassSelector;
  post: V1ClassSelector;
  rule: V1RuleSource;
}

/** The LGN's index among presynaptic sides (classes are 0..16). */
export const LGN_SOURCE = -1;

function selectClasses(
  column: V1Column,
  selector: V1ClassSelector,
  where: string,
  allowLgn: boolean,
): Set<number> {
  const out = new Set<number>();
  for (const s of typeof selector === 'string' ? [selector] : selector) {
    if (s === '*') column.classes.forEach((c) => out.add(c.id));
    else if (s === 'E' || s === 'I') column.classes.filter((c) => c.ei === s).forEach((c) => out.add(c.id));
    else if (s === 'LGN' && allowLgn) out.add(LGN_SOURCE);
    else {
      const c = column.classes.find((k) => k.name === s || k.key === s);
      if (!c)
        throw new ConfigError(
          where,
          `expected a class name or key, E, I, *${allowLgn ? ' or LGN' : ''}; found ${JSON.stringify(s)}`,
        );
      out.add(c.id);
    }
  }
  return out;
}

/**
 * Resolves attachments to one rule factory per connected pair (key `pre * 17 + post`, the LGN's pre being -1 and its
 * key `-1 - post`). Refused, naming the attachment: an unknown class, a pair two attachments claim, an attachment
 * that matches no connected pair, a rule description that does not build.
 */
export function resolvePlasticity(
  column: V1Column,
  hasLgn: boolean,
  attachments: readonly V1PlasticityAttachment[],
): Map<number, () => PlasticityRule> {
  const n = column.classes.length;
  const key = (pre: number, post: number) => (pre === LGN_SOURCE ? -1 - post : pre * n + post);
  const connected = new Set(column.pathways.map((p) => key(p.pre, p.post)));
  if (hasLgn) column.classes.forEach((c) => connected.add(key(LGN_SOURCE, c.id)));
  const name = (id: number) => (id === LGN_SOURCE ? 'LGN' : column.classes[id].name);
  const out = new Map<number, () => PlasticityRule>();
  const claimedBy = new Map<number, number>();
  attachments.forEach((a, k) => {
    const where = `plasticity[${k}]`;
    const pres = selectClasses(column, a.pre, `${where}.pre`, true);
    const posts = selectClasses(column, a.post, `${where}.post`, false);
    if (typeof a.rule !== 'function') createPlasticityRule(a.rule, `${where}.rule`);
    let matched = 0;
    for (const pre of pres)
      for (const post of posts) {
        const pair = key(pre, post);
        if (!connected.has(pair)) continue;
        const earlier = claimedBy.get(pair);
        if (earlier !== undefined)
          throw new ConfigError(
            where,
            `${name(pre)} -> ${name(post)} already has plasticity[${earlier}]'s rule (one rule per pair; chain rules with rule-chain)`,
          );
        claimedBy.set(pair, k);
        const rule = a.rule;
        out.set(pair, () =>
          typeof rule === 'function'
            ? rule(name(pre), name(post))
            : createPlasticityRule(rule, `${where}.rule`),
        );
        matched++;
      }
    if (matched === 0)
      throw new ConfigError(where, 'expected to match at least one connected class pair, found none');
  });
  return out;
}
