// The gradient Go/No-Go learner's Go-minus-No-Go preference of every cue at the end of each block, per condition
// and seed (the standard task, 200 trials per block): what docs/neuromodulation.md reads the return block from.
// Usage (after npm run build): node scripts/go-nogo-weights.mjs [conditions=da,da_na] [seeds=0,1]
import {
  GradientActorCritic,
  goNoGoMapping,
  goNoGoModulators,
  removedBy,
  runGoNoGo,
  standardTask,
} from '../build/src/neuromod/index.js';

const conditions = (process.argv[2] ?? 'da,da_na').split(',');
const seeds = (process.argv[3] ?? '0,1').split(',').map(Number);
const task = standardTask(200);
const cues = [...task.cues.visual, ...task.cues.auditory];
const lastOfBlock = task.blocks.map(
  (_, b) => task.blocks.slice(0, b + 1).reduce((n, x) => n + x.trials, 0) - 1,
);
for (const condition of conditions)
  for (const seed of seeds) {
    const ends = [];
    runGoNoGo({
      task,
      agent: (system, s) => new GradientActorCritic(task, system, s),
      neuromodulation: {
        mapping: goNoGoMapping(),
        modulators: goNoGoModulators(),
        removed: removedBy(condition),
      },
      seed,
      changeProbability: 0.05,
      afterTrial(trial, agent) {
        if (!lastOfBlock.includes(trial.index)) return;
        const w = agent.actor.params()[0].value; // [cues, (No-Go, Go)]
        ends.push(
          `block ${trial.block}: ` +
            cues.map((c, i) => `${c} ${(w[2 * i + 1] - w[2 * i]).toFixed(1)}`).join(' '),
        );
      },
    });
    console.log(`${condition} seed ${seed}: ${ends.join(' | ')}`);
  }
