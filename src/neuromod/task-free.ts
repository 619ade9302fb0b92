import { z } from 'zod';
import {
  Vae,
  type Rng,
  distillationOver,
  generatorSettings,
  replayGenerator,
  registerStrategy,
  termsLoss,
  type ContinualStrategy,
  type DistillationRange,
  type StrategyKind,
  type TrainingBatch,
  type VaeBatch,
} from '../continual/index.js';
import type { Sequential } from '../engine/index.js';
import { NeuromodulatorySystem } from './system.js';
import { modulateLearningRates } from './gradient.js';
import { LossChangeDetector, lossChangeFields } from './loss-change.js';
import { PeakTrace } from './peak-trace.js';

const settingsSchema = z.strictObject({
  ...generatorSettings,
  /** When the loss says the context changed: window, threshold, ratio, minRise, consecutive, refractory. */
  ...lossChangeFields,
  /** Steps between the snapshots a detected change takes its teacher and generator from. */
  snapshotEvery: z.number().int().positive().default(100),
  /** How much a noradrenaline burst raises the classifier's learning rate (plasticity_rate's weight). */
  burstPlasticity: z.number().nonnegative().default(0.5),
  /**
   * How much a noradrenaline burst relaxes consolidation (the replayed share of the loss, times consolidation's
   * value) while the new context is learned; 0 keeps the share at d/(d+1).
   */
  burstConsolidation: z.number().nonnegative().default(0),
});

/** What a task-free run reports: the steps (counted over the whole run) where it found a change of context. */
export interface SwitchDetections {
  detectedAt: number[];
  /** The replayed share of the last step's loss (0 before the first detected change). */
  readonly lastShare: number;
  /**
   * Step by step (each point the largest over its steps): the surprise noradrenaline reads (the loss's z, clipped
   * at twice the threshold), noradrenaline's level, the learning-rate factor it sets and the replayed share.
   */
  readonly trace: PeakTrace;
}

/**
 * Task-free generative replay driven by a noradrenaline-like surprise: the learner is never told when the context
 * changes. Each step it scores the current batch's loss against a moving window of past losses (mean and standard
 * deviation over about `window` steps); `consecutive` batches above mean + threshold x std, above ratio x mean and
 * more than minRise nats above the mean mean the data changed. The surprise (in standard deviations) drives noradrenaline, whose burst raises the
 * classifier's learning rate for a while (plasticity_rate). At a detected change the method consolidates: the
 * classifier and the generator as they were at the last snapshot before the surprise become the teacher and the
 * replay generator, and from then on a generated batch with the teacher's soft targets is replayed with share
 * d/(d+1) after d detected changes. It stores no input: what it keeps is a VAE (the generator), trained on current
 * and replayed inputs, and two network copies. The outputs a batch trains come from its labels: in class-IL the
 * classes seen so far, in task-IL the head a label belongs to, in domain-IL the shared head.
 */
export const neuromodulatedReplay: StrategyKind<typeof settingsSchema> = {
  name: 'neuromodulated',
  description:
    'task-free generative replay: a surprise signal on the loss finds context changes and drives noradrenaline',
  settings: settingsSchema,
  create: (settings): ContinualStrategy & SwitchDetections => {
    let generator: Vae | null = null;
    let sampling: Rng | null = null;
    let snapshot: Snapshot | null = null;
    let previous: Snapshot | null = null;
    let system: NeuromodulatorySystem | null = null;
    let current: TrainingBatch | null = null;
    let replayed: Float32Array | null = null;
    let replayBuffer = new Float32Array(0);
    let step = 0;
    let detections = 0;
    const { window, threshold, ratio, minRise, consecutive, refractory } = settings;
    const detector = new LossChangeDetector({ window, threshold, ratio, minRise, consecutive, refractory });
    // What the labels have shown: class-IL's outputs seen so far, task-IL's heads.
    let seenOutputs = 0;
    const seenHeads = new Set<number>();
    let taught: Snapshot | null = null;
    const detectedAt: number[] = [];
    const trace = new PeakTrace(['surprise', 'noradrenaline', 'plasticity_rate', 'replay_share']);
    let surprise = 0;
    // The classifier as it was at the first batch of the latest run of surprising ones (one copy, reused).
    let frozen: Sequential | undefined;

    // Built at the first step: the method has no context hooks, so the protocol tells it nothing about contexts.
    const init = (learner: Learner) => {
      if (!generator) ({ generator, sampling } = replayGenerator(learner, settings));
      system ??= new NeuromodulatorySystem({
        mapping: [
          {
            modulator: 'noradrenaline',
            component: 'phasic',
            target: 'plasticity_rate',
            weight: settings.burstPlasticity,
          },
          {
            modulator: 'noradrenaline',
            component: 'phasic',
            target: 'consolidation',
            sign: -1,
            weight: settings.burstConsolidation,
          },
        ],
        modulators: {
          noradrenaline: {
            tauPhasicMs: Math.max(1, settings.refractory / 2),
            phasicGain: 0.1,
            surpriseThreshold: settings.threshold,
          },
        },
      });
    };

    let lastShare = 0;
    return {
      name: 'neuromodulated',
      detectedAt,
      trace,
      get lastShare() {
        return lastShare;
      },
      sampleBatch(learner) {
        init(learner);
        const batch = learner.nextBatch();
        const heads = learner.heads;
        const [term] = batch.terms;
        // The outputs each row trains, from its label alone.
        for (let r = 0; r < batch.rows; r++) {
          const y = term.hard![r];
          if (heads.scenario === 'class') {
            seenOutputs = Math.max(seenOutputs, y + 1);
          } else if (heads.scenario === 'task') {
            const head = headOf(learner, y);
            seenHeads.add(head);
            [term.from[r], term.to[r]] = heads.range(head);
          }
        }
        if (heads.scenario === 'class') {
          term.from.fill(0);
          term.to.fill(seenOutputs);
        }
        // Surprise: this batch's loss against the window's, before the step learns it. Within the first `consecutive`
        // batches of a run of surprising ones the loss is the network's as it was when the run began: a new head or an
        // easy new pairing is learned within a few steps, and the live loss would end the run before it counted as a
        // change. Past them (a run held back by the refractory period) the live network scores again, and the window
        // only ever learns live losses.
        const lossOf = (model: Sequential) =>
          termsLoss(learner.logits(batch.x, batch.rows, model), batch.rows, learner.outputs, batch.terms);
        const live = lossOf(learner.model);
        const pending = detector.pending;
        const scored = pending > 0 && pending < consecutive && frozen ? lossOf(frozen) : live;
        const reading = detector.score(scored);
        if (reading.surprising && reading.run === 1) frozen = learner.snapshot(frozen);
        // Noradrenaline reads the surprise clipped to twice the threshold (a change is a burst, not a blow-up).
        surprise = Math.min(Math.max(0, reading.z), 2 * settings.threshold);
        system!.update({ surprise }, 1);
        // The classifier's learning rate follows noradrenaline every step (set before this step's update).
        modulateLearningRates(learner.optimizer, learner.model, system!);
        // The last snapshot taken before the surprise began (it is `consecutive` steps old).
        const before = snapshot && snapshot.at <= step - reading.run ? snapshot : previous;
        if (detector.settle(reading, live, before !== null)) {
          // A change: consolidate what was known before it; the detector learns the new context's losses afresh.
          taught = before;
          detections++;
          detectedAt.push(step);
        }
        current = batch;
        return batch;
      },
      replay(learner) {
        if (!taught) return null;
        const rows = learner.options.batchSize;
        if (replayBuffer.length !== rows * learner.benchmark.inputSize)
          replayBuffer = new Float32Array(rows * learner.benchmark.inputSize);
        const x = (replayed = taught.generator.generate(rows, sampling!, replayBuffer));
        const ranges = rangesOf(learner, taught, seenOutputs);
        return {
          batches: [
            {
              x,
              rows,
              terms: distillationOver(learner, taught.model, x, rows, settings.temperature, ranges),
            },
          ],
          share: (lastShare = Math.min(1, (detections / (detections + 1)) * system!.target('consolidation'))),
        };
      },
      afterStep(learner) {
        const d = detections;
        const batches: VaeBatch[] = [{ x: current!.x, rows: current!.rows, weight: 1 / (d + 1) }];
        if (replayed) batches.push({ x: replayed, rows: learner.options.batchSize, weight: d / (d + 1) });
        generator!.trainStep(batches);
        trace.push({
          surprise,
          noradrenaline: system!.read('noradrenaline'),
          plasticity_rate: system!.target('plasticity_rate'),
          replay_share: taught ? lastShare : 0,
        });
        current = null;
        replayed = null;
        step++;
        if (step % settings.snapshotEvery === 0) {
          previous = snapshot;
          snapshot = {
            model: learner.snapshot(),
            generator: generator!.snapshot(),
            seenOutputs,
            seenHeads: [...seenHeads],
            at: step,
          };
        }
      },
    };
  },
};

/** The classifier and generator at a step, with what the labels had shown by then. */
interface Snapshot {
  model: Sequential;
  generator: Vae;
  seenOutputs: number;
  seenHeads: number[];
  at: number;
}

/** The head (context) whose outputs hold output y. */
type Learner = Parameters<NonNullable<ContinualStrategy['sampleBatch']>>[0];

function headOf(learner: Learner, y: number): number {
  const contexts = learner.benchmark.contexts.length;
  for (let c = 0; c < contexts; c++) {
    const [from, to] = learner.heads.range(c);
    if (y >= from && y < to) return c;
  }
  throw new Error(`output ${y} is in no head`);
}

/**
 * What the teacher distils: in class-IL the outputs it had seen, into the classes seen so far; in task-IL each of
 * its heads; in domain-IL the shared head.
 */
function rangesOf(learner: Learner, teacher: Snapshot, seenOutputs: number): DistillationRange[] {
  const heads = learner.heads;
  if (heads.scenario === 'task') return teacher.seenHeads.map((h) => [heads.range(h), heads.range(h)]);
  if (heads.scenario === 'class')
    return [
      [
        [0, teacher.seenOutputs],
        [0, seenOutputs],
      ],
    ];
  return [[heads.range(0), heads.range(0)]];
}

registerStrategy(neuromodulatedReplay);
