/**
 * The 1-back visual change-detection task on the V1 model (the task of the rule-discovery study, after the Allen
 * Brain Observatory's change detection): images flash one after another with a gray screen between them, and the
 * network reports whether the current image differs from the previous one. The report is read from a pool of L5
 * excitatory cells: "change" when the pool's rate from image onset to the end of the response window crosses a
 * threshold. With plasticity on, every report is rewarded (1 correct, 0 wrong) and the reward-prediction error,
 * reward minus the mean reward of the last trials, is sent as a one-step pulse of the `reward` modulator (the rules'
 * R filters it with its own tau_R). Then plasticity is frozen and the task is scored.
 */
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { ConstantModulator, Monitor } from '../spiking/index.js';
import type { LgnRates, V1Network } from '../cortex/index.js';
import { SynchronyMeter } from './objectives.js';

export interface ChangeDetectionOptions {
  /** How long each image is shown, then the gray screen between images (ms). */
  imageMs: number;
  grayMs: number;
  /** The report is read from image onset to this time (ms; at most imageMs + grayMs). */
  responseWindowMs: number;
  /** Trials with plasticity on (domains alternating in blocks), then trials per domain with it frozen. */
  plasticTrials: number;
  evalTrials: number;
  /** Trials per block: a block shows one domain, starting with an unscored image (the first has no previous one). */
  blockTrials: number;
  changeProbability: number;
  /** The pool's rate (Hz) above which the network reports a change. */
  thresholdHz: number;
  /** Trials the expected reward averages over. */
  rewardHistory: number;
  /** Bin of the synchrony measure (ms). */
  synchronyBinMs: number;
}

export const CHANGE_DETECTION_DEFAULTS: ChangeDetectionOptions = {
  imageMs: 100,
  grayMs: 200,
  responseWindowMs: 150,
  plasticTrials: 100,
  evalTrials: 40,
  blockTrials: 10,
  changeProbability: 0.5,
  thresholdHz: 10,
  rewardHistory: 20,
  synchronyBinMs: 5,
};

/** The images of one domain as LGN rates, each `imageMs` long. */
export interface StimulusDomain {
  name: string;
  images: LgnRates[];
}

/** One trial's record. */
export interface ChangeTrial {
  domain: string;
  phase: 'plastic' | 'eval';
  change: boolean;
  reported: boolean;
  poolHz: number;
}

/** What the frozen (evaluation) part measured, for the objectives. */
export interface ChangeDetectionResult {
  /** Per domain, the fraction of evaluation trials answered correctly. */
  accuracy: Record<string, number>;
  /** Fraction correct over the plastic trials. */
  plasticAccuracy: number;
  trials: ChangeTrial[];
  /** Per class, each neuron's rate (Hz) while images were shown and over the gray screen, evaluation part. */
  neuronRatesHz: { image: Float32Array[]; gray: Float32Array[] };
  /** Per class, the mean rate (Hz) over the whole evaluation part. */
  classRatesHz: number[];
  /** Var(population count) / sum of the neurons' variances, over the evaluation part (1: independent). */
  synchrony: number;
  /** The readout pool's mean rate (Hz) in the last half of the gray delays, evaluation part. */
  delayPoolHz: number;
}

/** Records per-neuron counts by screen, the synchrony meter and the readout pool while `on`. */
class TaskRecorder implements Monitor {
  on = false;
  image = true;
  /** Counting the pool's spikes (from onset to the report; and late in the delay). */
  poolSpikes = 0;
  delaySpikes = 0;
  inLateDelay = false;
  readonly imageCounts: Uint32Array[];
  readonly grayCounts: Uint32Array[];
  imageSteps = 0;
  graySteps = 0;
  delaySteps = 0;
  private readonly offsets: number[];
  private readonly poolMask: Uint8Array;
  readonly synchrony: SynchronyMeter;

  constructor(
    private readonly v: V1Network,
    private readonly poolGroup: number,
    pool: Int32Array,
    binSteps: number,
  ) {
    this.imageCounts = v.groups.map((g) => new Uint32Array(g.size));
    this.grayCounts = v.groups.map((g) => new Uint32Array(g.size));
    this.offsets = [];
    let at = 0;
    for (const g of v.groups) {
      this.offsets.push(at);
      at += g.size;
    }
    this.poolMask = new Uint8Array(v.groups[poolGroup].size);
    for (const i of pool) this.poolMask[i] = 1;
    this.synchrony = new SynchronyMeter(at, binSteps);
  }

  csvFiles(): [string, string][] {
    return [];
  }

  record(): void {
    const groups = this.v.groups;
    for (const i of groups[this.poolGroup].spikes)
      if (this.poolMask[i]) {
        this.poolSpikes++;
        if (this.on && this.inLateDelay) this.delaySpikes++;
      }
    if (!this.on) return;
    if (this.inLateDelay) this.delaySteps++;
    const counts = this.image ? this.imageCounts : this.grayCounts;
    if (this.image) this.imageSteps++;
    else this.graySteps++;
    for (let k = 0; k < groups.length; k++) {
      const c = counts[k];
      const spikes = groups[k].spikes;
      for (let s = 0; s < spikes.length; s++) c[spikes[s]]++;
      this.synchrony.addStep(spikes, this.offsets[k]);
    }
    this.synchrony.endStep();
  }
}

function checkOptions(o: ChangeDetectionOptions, dtMs: number, where: string): void {
  const steps = (key: keyof ChangeDetectionOptions) => {
    const v = o[key] as number;
    if (!(v > 0) || Math.abs(v / dtMs - Math.round(v / dtMs)) > 1e-9)
      throw new ConfigError(
        `${where}.${key}`,
        `expected a positive multiple of the step ${dtMs} ms, found ${v}`,
      );
  };
  steps('imageMs');
  steps('grayMs');
  steps('responseWindowMs');
  steps('synchronyBinMs');
  if (Math.abs(o.grayMs / 2 / dtMs - Math.round(o.grayMs / 2 / dtMs)) > 1e-9)
    throw new ConfigError(
      `${where}.grayMs`,
      `expected twice a multiple of the step ${dtMs} ms (the late delay starts halfway), found ${o.grayMs}`,
    );
  if (o.responseWindowMs + dtMs > o.imageMs + o.grayMs)
    throw new ConfigError(
      `${where}.responseWindowMs`,
      `expected at most imageMs + grayMs - one step (${o.imageMs + o.grayMs - dtMs}), found ${o.responseWindowMs}`,
    );
  for (const key of ['plasticTrials', 'evalTrials', 'blockTrials', 'rewardHistory'] as const)
    if (!(Number.isInteger(o[key]) && o[key] >= (key === 'plasticTrials' ? 0 : 1)))
      throw new ConfigError(
        `${where}.${key}`,
        `expected a whole number${key === 'plasticTrials' ? ' >= 0' : ' >= 1'}, found ${o[key]}`,
      );
  if (!(o.changeProbability > 0 && o.changeProbability < 1))
    throw new ConfigError(
      `${where}.changeProbability`,
      `expected a probability in (0, 1), found ${o.changeProbability}`,
    );
}

/**
 * Runs the task on a built V1 network with an LGN. `pool` holds indices into group `poolGroup` (the L5 Exc class);
 * `reward` is the modulator the rules read (null: no reward signal). The trial sequence follows `seed`.
 */
export function runChangeDetection(
  v: V1Network,
  domains: StimulusDomain[],
  gray: LgnRates,
  pool: { group: number; neurons: Int32Array },
  reward: Pick<ConstantModulator, 'value'> | null,
  options: ChangeDetectionOptions,
  seed: number,
): ChangeDetectionResult {
  const o = options;
  const dt = v.net.dtMs;
  checkOptions(o, dt, 'task');
  const lgn = v.lgn;
  if (!lgn) throw new ConfigError('model.lgn', 'the change-detection task needs a model with an LGN');
  for (const d of domains)
    if (d.images.length < 2)
      throw new ConfigError(`task.domains.${d.name}`, `expected at least 2 images, found ${d.images.length}`);
  const recorder = v.net.addMonitor(
    new TaskRecorder(v, pool.group, pool.neurons, Math.round(o.synchronyBinMs / dt)),
  );
  // Any integer seed; the generator takes 32 bits.
  const rng = new Rng(seed >>> 0, 901);
  const trials: ChangeTrial[] = [];
  const rewards: number[] = [];
  let clock = 0;
  const runTo = (ms: number) => {
    if (ms > clock + 1e-9) v.net.run(ms - clock);
    clock = Math.max(clock, ms);
  };
  const lateDelayFrom = o.imageMs + o.grayMs / 2;

  /** Shows one image and its gray delay; returns whether the pool reported a change. */
  const show = (image: LgnRates, onReport: (poolHz: number) => void) => {
    clock = 0;
    recorder.image = true;
    recorder.poolSpikes = 0;
    lgn.setRates(image);
    const toGray = () => {
      lgn.setRates(gray);
      recorder.image = false;
    };
    const report = () => onReport((recorder.poolSpikes / pool.neurons.length / o.responseWindowMs) * 1000);
    const marks = [
      { at: o.imageMs, act: toGray },
      { at: o.responseWindowMs, act: report },
      { at: lateDelayFrom, act: () => (recorder.inLateDelay = true) },
    ].sort((a, b) => a.at - b.at || (a.act === toGray ? -1 : 1));
    for (const m of marks) {
      runTo(m.at);
      m.act();
    }
    runTo(o.imageMs + o.grayMs);
    recorder.inLateDelay = false;
  };

  const block = (domain: StimulusDomain, count: number, phase: 'plastic' | 'eval') => {
    const n = domain.images.length;
    let previous = rng.int(n);
    show(domain.images[previous], () => {});
    for (let t = 0; t < count; t++) {
      const change = rng.float() < o.changeProbability;
      const next = change ? (previous + 1 + rng.int(n - 1)) % n : previous;
      show(domain.images[next], (poolHz) => {
        const reported = poolHz > o.thresholdHz;
        trials.push({ domain: domain.name, phase, change, reported, poolHz });
        if (phase !== 'plastic' || !reward) return;
        const r = reported === change ? 1 : 0;
        const expected = rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : 0.5;
        rewards.push(r);
        if (rewards.length > o.rewardHistory) rewards.shift();
        // A one-step pulse of the prediction error.
        reward.value = r - expected;
        v.net.run(dt);
        clock += dt;
        reward.value = 0;
      });
      previous = next;
    }
  };

  v.net.learning = true;
  let done = 0;
  for (let b = 0; done < o.plasticTrials; b++) {
    const count = Math.min(o.blockTrials, o.plasticTrials - done);
    block(domains[b % domains.length], count, 'plastic');
    done += count;
  }
  v.net.learning = false;
  recorder.on = true;
  for (const d of domains)
    for (let left = o.evalTrials; left > 0; left -= o.blockTrials)
      block(d, Math.min(o.blockTrials, left), 'eval');
  recorder.on = false;

  const correct = (list: ChangeTrial[]) =>
    list.length ? list.filter((t) => t.reported === t.change).length / list.length : 0;
  const rateOf = (counts: Uint32Array[], steps: number) =>
    counts.map((c) => Float32Array.from(c, (n) => (steps > 0 ? (n / steps / dt) * 1000 : 0)));
  const image = rateOf(recorder.imageCounts, recorder.imageSteps);
  const grayRates = rateOf(recorder.grayCounts, recorder.graySteps);
  const totalSteps = recorder.imageSteps + recorder.graySteps;
  const classRatesHz = recorder.imageCounts.map((c, k) => {
    let n = 0;
    for (let i = 0; i < c.length; i++) n += c[i] + recorder.grayCounts[k][i];
    return (n / c.length / totalSteps / dt) * 1000;
  });
  const ratio = recorder.synchrony.ratio();
  return {
    accuracy: Object.fromEntries(
      domains.map((d) => [d.name, correct(trials.filter((t) => t.phase === 'eval' && t.domain === d.name))]),
    ),
    plasticAccuracy: correct(trials.filter((t) => t.phase === 'plastic')),
    trials,
    neuronRatesHz: { image, gray: grayRates },
    classRatesHz,
    // No variation at all (a silent network) counts as independent firing.
    synchrony: Number.isFinite(ratio) ? ratio : 1,
    delayPoolHz:
      recorder.delaySteps > 0
        ? (recorder.delaySpikes / pool.neurons.length / recorder.delaySteps / dt) * 1000
        : 0,
  };
}
