/** Reading a study's rules: the published best rule as a genome, and families of rules by structure. */
import type { RuleGenome } from '../evolution/index.js';
import { termName } from '../evolution/index.js';

/** The best rule Ye et al. print, dW = X_post + S_pre X_pre + S_post X_pre + X_post^2 + X_post R. */
export const PAPER_BEST_TERMS = ['X_post', 'S_pre X_pre', 'S_post X_pre', 'X_post^2', 'X_post R'];

/**
 * The paper's best rule as genes of `genome`: its five gates open, the others shut, coefficient +1 on every synapse
 * type (the paper prints the rule's structure, not its coefficients) and each time constant at the middle of its
 * range (not published either).
 */
export function paperBestRule(genome: RuleGenome): number[] {
  const names = genome.terms.map((p) => termName(p, genome.signals));
  const missing = PAPER_BEST_TERMS.filter((t) => !names.includes(t));
  if (missing.length) throw new Error(`the genome has no term ${missing.join(', ')}`);
  const gates = genome.parts.gates;
  return genome.low.map((lo, i) => {
    if (i < gates) return PAPER_BEST_TERMS.includes(names[i]) ? 1 : 0;
    if (i < gates + genome.parts.coefficients) return Math.min(1, genome.high[i]);
    return (lo + genome.high[i]) / 2;
  });
}

export interface RuleFamily {
  /** Terms open in every member, and in some. */
  coreTerms: string[];
  optionalTerms: string[];
  members: number;
  meanAccuracy: number;
  bestAccuracy: number;
  /** The most accurate member's source and structure. */
  representative: { source: string; equation: string };
  /** Per core term, the mean coefficient over members and synapse types. */
  coreCoefficients: Record<string, number>;
}

const jaccard = (a: boolean[], b: boolean[]) => {
  let both = 0;
  let either = 0;
  for (let t = 0; t < a.length; t++) {
    if (a[t] && b[t]) both++;
    if (a[t] || b[t]) either++;
  }
  return either === 0 ? 1 : both / either;
};

/**
 * Families of rules by structure: average-linkage clustering on the Jaccard distance between their sets of open
 * gates, merging while the closest two families are nearer than `maxDistance`; each family is then described by its
 * core terms (open in all members) and their mean coefficients. Deterministic for a given list.
 */
export function clusterRules(
  genome: RuleGenome,
  rules: readonly { source: string; equation: string; accuracy: number; genes: number[] }[],
  maxDistance = 0.5,
): RuleFamily[] {
  const decoded = rules.map((r) => genome.decode(r.genes));
  let clusters = rules.map((_, i) => [i]);
  const distance = (a: number[], b: number[]) => {
    let sum = 0;
    for (const i of a) for (const j of b) sum += 1 - jaccard(decoded[i].gates, decoded[j].gates);
    return sum / (a.length * b.length);
  };
  for (;;) {
    let best = { d: Infinity, a: -1, b: -1 };
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++) {
        const d = distance(clusters[a], clusters[b]);
        if (d < best.d) best = { d, a, b };
      }
    if (best.a < 0 || best.d >= maxDistance) break;
    clusters[best.a] = [...clusters[best.a], ...clusters[best.b]];
    clusters = clusters.filter((_, k) => k !== best.b);
  }
  const names = genome.terms.map((p) => termName(p, genome.signals));
  return clusters
    .map((members) => {
      const core = names.filter((_, t) => members.every((i) => decoded[i].gates[t]));
      const some = names.filter((n, t) => !core.includes(n) && members.some((i) => decoded[i].gates[t]));
      const accuracies = members.map((i) => rules[i].accuracy);
      const top = members.reduce((x, i) => (rules[i].accuracy > rules[x].accuracy ? i : x), members[0]);
      const coefficients: Record<string, number> = {};
      for (const name of core) {
        const t = names.indexOf(name);
        let sum = 0;
        let n = 0;
        for (const i of members)
          for (const c of Object.values(decoded[i].coefficients)) {
            sum += c[t];
            n++;
          }
        coefficients[name] = n ? sum / n : 0;
      }
      return {
        coreTerms: core,
        optionalTerms: some,
        members: members.length,
        meanAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
        bestAccuracy: Math.max(...accuracies),
        representative: { source: rules[top].source, equation: rules[top].equation },
        coreCoefficients: coefficients,
      };
    })
    .sort((a, b) => b.bestAccuracy - a.bestAccuracy || b.members - a.members);
}
