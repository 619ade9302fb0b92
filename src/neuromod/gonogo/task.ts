import { ConfigError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';

/** A block of trials under one rule: the cues that call for Go (every other cue calls for No-Go). */
export interface GoNoGoBlock {
  go: readonly string[];
  trials: number;
}

/**
 * A set-shifting Go/No-Go task: each trial shows a compound of one visual and one auditory cue; the block's rule
 * says which cues call for Go. Blocks switch without a signal (an intra-dimensional shift keeps the relevant
 * dimension, an extra-dimensional one moves it). A hit is rewarded +1 with rewardProbability, a false alarm
 * punished -1 with punishmentProbability, withholding gives 0; cueNoise is the probability that a trial's cue pools
 * fire at their off rate (a cue missed).
 */
export interface GoNoGoTaskSpec {
  cues: { visual: readonly string[]; auditory: readonly string[] };
  blocks: readonly GoNoGoBlock[];
  rewardProbability: number;
  punishmentProbability: number;
  cueNoise: number;
}

export type ShiftKind = 'start' | 'intra-dimensional' | 'extra-dimensional' | 'return' | 'none';

export interface Trial {
  index: number;
  block: number;
  visual: string;
  auditory: string;
  /** Whether the rule calls for Go. */
  isGo: boolean;
  /** Cue pools that fail to show this trial. */
  missed: { visual: boolean; auditory: boolean };
}

/** Outcome of an action: +1, 0 or -1. */
export type Outcome = -1 | 0 | 1;

export const GO = 1;
export const NO_GO = 0;

/** Checks a task before any work: an error names the entry, expected and found. */
export function validateTask(spec: GoNoGoTaskSpec, where = 'task'): void {
  const all = new Set<string>();
  for (const dim of ['visual', 'auditory'] as const) {
    const list = spec.cues?.[dim];
    if (!Array.isArray(list) || list.length === 0)
      throw new ConfigError(
        `${where}.cues.${dim}`,
        `expected a non-empty list of cue names, found ${JSON.stringify(list)}`,
      );
    list.forEach((c, i) => {
      if (typeof c !== 'string' || c.length === 0)
        throw new ConfigError(
          `${where}.cues.${dim}[${i}]`,
          `expected a cue name, found ${JSON.stringify(c)}`,
        );
      if (all.has(c))
        throw new ConfigError(
          `${where}.cues.${dim}[${i}]`,
          `expected a cue name used once, found ${JSON.stringify(c)} again`,
        );
      all.add(c);
    });
  }
  if (!Array.isArray(spec.blocks) || spec.blocks.length === 0)
    throw new ConfigError(
      `${where}.blocks`,
      `expected a non-empty list of blocks, found ${JSON.stringify(spec.blocks)}`,
    );
  spec.blocks.forEach((b, i) => {
    const at = `${where}.blocks[${i}]`;
    if (!Array.isArray(b.go) || b.go.length === 0)
      throw new ConfigError(
        `${at}.go`,
        `expected a non-empty list of Go cues, found ${JSON.stringify(b.go)}`,
      );
    b.go.forEach((c: string, j: number) => {
      if (!all.has(c))
        throw new ConfigError(
          `${at}.go[${j}]`,
          `expected one of the cues ${[...all].join(', ')}; found ${JSON.stringify(c)}`,
        );
      if (b.go.indexOf(c) !== j)
        throw new ConfigError(`${at}.go[${j}]`, `expected each cue once, found ${c} again`);
    });
    // A rule with every cue of a dimension as Go has no No-Go trial left to learn.
    for (const dim of ['visual', 'auditory'] as const)
      if (spec.cues[dim].every((c) => b.go.includes(c)))
        throw new ConfigError(
          `${at}.go`,
          `expected at least one ${dim} cue left for No-Go, found all of them Go`,
        );
    if (!(Number.isInteger(b.trials) && b.trials >= 1 && b.trials <= 1_000_000))
      throw new ConfigError(
        `${at}.trials`,
        `expected an integer in [1, 1000000], found ${JSON.stringify(b.trials)}`,
      );
  });
  for (const key of ['rewardProbability', 'punishmentProbability', 'cueNoise'] as const) {
    const v = spec[key];
    if (!(typeof v === 'number' && v >= 0 && v <= 1))
      throw new ConfigError(
        `${where}.${key}`,
        `expected a probability in [0, 1], found ${JSON.stringify(v)}`,
      );
  }
}

const dimensionOf = (spec: GoNoGoTaskSpec, cue: string) =>
  spec.cues.visual.includes(cue) ? 'visual' : 'auditory';
const ruleKey = (go: readonly string[]) => [...go].sort().join('+');

/** What changed at the start of each block: its first is `start`; a rule seen before is a `return`. */
export function shiftKinds(spec: GoNoGoTaskSpec): ShiftKind[] {
  return spec.blocks.map((b, i) => {
    if (i === 0) return 'start';
    const prev = spec.blocks[i - 1];
    if (ruleKey(prev.go) === ruleKey(b.go)) return 'none';
    if (spec.blocks.slice(0, i).some((e) => ruleKey(e.go) === ruleKey(b.go))) return 'return';
    const dims = (go: readonly string[]) => new Set(go.map((c) => dimensionOf(spec, c)));
    const before = dims(prev.go);
    return [...dims(b.go)].every((d) => before.has(d)) ? 'intra-dimensional' : 'extra-dimensional';
  });
}

/** The trials of a task, drawn from `rng`: a uniform compound cue per trial, the block's rule, the missed cues. */
export function drawTrials(spec: GoNoGoTaskSpec, rng: Rng): Trial[] {
  const trials: Trial[] = [];
  spec.blocks.forEach((b, block) => {
    for (let t = 0; t < b.trials; t++) {
      const visual = spec.cues.visual[rng.int(spec.cues.visual.length)];
      const auditory = spec.cues.auditory[rng.int(spec.cues.auditory.length)];
      const missed = { visual: rng.float() < spec.cueNoise, auditory: rng.float() < spec.cueNoise };
      trials.push({
        index: trials.length,
        block,
        visual,
        auditory,
        isGo: b.go.includes(visual) || b.go.includes(auditory),
        missed,
      });
    }
  });
  return trials;
}

/** The outcome of `action` on `trial`: a hit is rewarded and a false alarm punished, each with its probability. */
export function outcomeOf(spec: GoNoGoTaskSpec, trial: Trial, action: number, rng: Rng): Outcome {
  const u = rng.float();
  if (action !== GO) return 0;
  if (trial.isGo) return u < spec.rewardProbability ? 1 : 0;
  return u < spec.punishmentProbability ? -1 : 0;
}

/** The standard task: A then B (intra-dimensional), X (extra-dimensional), and A again (a return). */
export const standardTask = (trialsPerBlock = 200): GoNoGoTaskSpec => ({
  cues: { visual: ['A', 'B'], auditory: ['X', 'Y'] },
  blocks: [
    { go: ['A'], trials: trialsPerBlock },
    { go: ['B'], trials: trialsPerBlock },
    { go: ['X'], trials: trialsPerBlock },
    { go: ['A'], trials: trialsPerBlock },
  ],
  rewardProbability: 0.9,
  punishmentProbability: 0.9,
  cueNoise: 0.05,
});
