// The gradient Go/No-Go learner with four modules on seeds other than the shipped files' 0-19 (the change
// probability, burst threshold and refractory were chosen on those): mean trials to criterion after each shift
// (200 when not reached) and the false-alarm rate of each block, per condition.
// Usage (after npm run build): node scripts/go-nogo-heldout.mjs [firstSeed=20] [endSeed=60] [conditions=da,da_na,all]
import {
  GradientActorCritic,
  goNoGoMapping,
  goNoGoModulators,
  removedBy,
  runGoNoGo,
  standardTask,
} from '../build/src/neuromod/index.js';

const first = Number(process.argv[2] ?? 20);
const end = Number(process.argv[3] ?? 60);
const conditions = (process.argv[4] ?? 'da,da_na,all').split(',');
const task = standardTask(200);
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
for (const condition of conditions) {
  const trials = task.blocks.map(() => []);
  const falseAlarms = task.blocks.map(() => []);
  for (let seed = first; seed < end; seed++) {
    const run = runGoNoGo({
      task,
      agent: (system, s) => new GradientActorCritic(task, system, s, { modules: 4 }),
      neuromodulation: {
        mapping: goNoGoMapping(),
        modulators: goNoGoModulators(),
        removed: removedBy(condition),
      },
      seed,
      changeProbability: 0.05,
    });
    run.blocks.forEach((b, i) => {
      trials[i].push(b.trialsToCriterion ?? b.trials);
      falseAlarms[i].push(b.falseAlarmRate);
    });
  }
  console.log(
    `${condition} (seeds ${first}-${end - 1}): trials to criterion after each shift ` +
      trials
        .slice(1)
        .map((v) => mean(v).toFixed(1))
        .join(' / ') +
      ', false alarms per block ' +
      falseAlarms.map((v) => mean(v).toFixed(2)).join(' / '),
  );
}
