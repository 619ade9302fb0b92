import type { Sequential } from '../engine/index.js';
import { fillRange, softTargets, type LossTerm } from './loss.js';

/** Read-only per-row ranges by (rows, value): the same few every step, so made once. */
const ranges = new Map<string, Int32Array>();
const constantRange = (rows: number, value: number): Int32Array => {
  const key = `${rows}:${value}`;
  let r = ranges.get(key);
  if (!r) ranges.set(key, (r = fillRange(rows, value)));
  return r;
};
import type { ContinualLearner } from './strategy.js';

/**
 * The terms that distil a teacher (the network as it was after the previous context) into the student on rows of
 * `x`: one per earlier context's head in task-IL, one over the shared head in domain-IL, and in class-IL one over
 * the classes seen so far, the teacher's targets over its own classes (zero for the new ones).
 */
export function distillationTerms(
  learner: ContinualLearner,
  teacher: Sequential,
  x: Float32Array,
  rows: number,
  temperature: number,
): LossTerm[] {
  const k = learner.context;
  const heads = learner.heads;
  const ranges: DistillationRange[] =
    heads.scenario === 'task'
      ? Array.from({ length: k }, (_, c) => [heads.range(c), heads.range(c)])
      : [[heads.range(k - 1), learner.trainingRange(k - 1, k)]];
  return distillationOver(learner, teacher, x, rows, temperature, ranges);
}

/** The teacher's outputs [from, to) distilled into the student's [from, to) (the student's may be wider). */
export type DistillationRange = [teacher: [number, number], student: [number, number]];

/** Distillation terms over given output ranges: one term per range, the teacher's soft targets padded with zeros. */
export function distillationOver(
  learner: ContinualLearner,
  teacher: Sequential,
  x: Float32Array,
  rows: number,
  temperature: number,
  ranges: readonly DistillationRange[],
): LossTerm[] {
  const outputs = learner.outputs;
  const logits = learner.logits(x, rows, teacher);
  return ranges.map(([[tFrom, tTo], [sFrom, sTo]]) => ({
    from: constantRange(rows, sFrom),
    to: constantRange(rows, sTo),
    soft: softTargets(
      logits,
      rows,
      outputs,
      constantRange(rows, tFrom),
      constantRange(rows, tTo),
      temperature,
    ),
    temperature,
    weight: 1,
  }));
}
