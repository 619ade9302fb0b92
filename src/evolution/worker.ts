// A worker thread of the evaluation pool: rebuilds the problem a batch names (once per problem) and evaluates it.
// The package's own entry registers every built-in problem (one list, kept in index.ts).
import './index.js';
import { workerEntry } from '../util/worker-outcome.js';
import { moduleUrl } from './module-url.js';
import type { EvaluationBatch } from './pool.js';
import { problems, type Problem } from './problem.js';

const built = new Map<string, Problem>();
const imported = new Set<string>();

export default workerEntry(async (batch: EvaluationBatch): Promise<number[][]> => {
  for (const m of batch.modules)
    if (!imported.has(m)) {
      await import(moduleUrl(m));
      imported.add(m);
    }
  const key = JSON.stringify([batch.problem, batch.options]);
  let problem = built.get(key);
  if (!problem) {
    problem = problems.get(batch.problem, 'problem')(batch.options, 'problem');
    built.set(key, problem);
  }
  const out: number[][] = [];
  for (const job of batch.jobs) out.push(await problem.evaluate(job.x, job.seed));
  return out;
});
