// The gradient Go/No-Go learner's Go-minus-No-Go preference of every cue at the end of each block, per condition
// and seed (the standard task, 200 trials per block): what docs/neuromodulation.md reads the return block from.
// Usage (after npm run build): node scripts/go-nogo-weights.mjs [conditions=da,da_na] [seeds=0,1]
import {
  GradientActorCritic,
  NeuromodulatorySystem,
  OutcomeSurprise,
  drawTrials,
  goNoGoMapping,
  goNoGoModulators,
  outcomeOf,
  removedBy,
  standardTask,
} from '../build/src/neuromod/index.js';
import { Rng } from '../build/src/util/rng.js';

const conditions = (process.argv[2] ?? 'da,da_na').split(',');
const seeds = (process.argv[3] ?? '0,1').split(',').map(Number);
const task = standardTask(200);
const cues = [...task.cues.visual, ...task.cues.auditory];
for (const condition of conditions)
  for (const seed of seeds) {
    const system = new NeuromodulatorySystem({
      mapping: goNoGoMapping(),
      modulators: goNoGoModulators(),
      removed: removedBy(condition),
    });
    const agent = new GradientActorCritic(task, system, seed);
    // The same streams as runGoNoGo draws from.
    const trials = drawTrials(task, new Rng(seed, 81));
    const outcomes = new Rng(seed, 83);
    const predictor = new OutcomeSurprise({ outcomes: 3, changeProbability: 0.005 });
    const ends = [];
    trials.forEach((trial, t) => {
      const { action, value } = agent.act(trial);
      const outcome = outcomeOf(task, trial, action, outcomes);
      const surprise = predictor.observe(
        `${trial.visual}${trial.auditory}|${action}`,
        outcome + 1,
      ).bayesFactor;
      const tdError = outcome - value;
      agent.learn({
        reward: Math.max(0, outcome),
        punishment: Math.max(0, -outcome),
        tdError,
        surprise,
        predictionError: Math.abs(tdError),
      });
      if (t === trials.length - 1 || trials[t + 1].block !== trial.block) {
        const w = agent.actor.params()[0].value; // [cues, (No-Go, Go)]
        ends.push(
          `block ${trial.block}: ` +
            cues.map((c, i) => `${c} ${(w[2 * i + 1] - w[2 * i]).toFixed(1)}`).join(' '),
        );
      }
    });
    console.log(`${condition} seed ${seed}: ${ends.join(' | ')}`);
  }
