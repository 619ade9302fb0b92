import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventTaylorRule,
  Network,
  RuleChain,
  SONG_NEURON,
  SpikeSourceArray,
  TaylorRule,
  createPlasticityRule,
  type TaylorTerm,
} from '../src/spiking/index.js';
import { threeFactorTerms } from '../src/evolution/index.js';
import { Rng } from '../src/util/rng.js';

const DT = 0.25;
const TAU = { pre: 12, post: 30, r: 40 };
const PULSES = new Map([
  [400, 0.8],
  [1300, -0.5],
  [2100, 1.2],
]);

/** The 25 three-factor terms (S_pre, S_post, X_pre, X_post, R) as simulator powers, with random coefficients. */
function randomTerms(seed: number, scale: number): TaylorTerm[] {
  const rng = new Rng(seed);
  return threeFactorTerms().map((p) => ({
    powers: [p[0], p[1], p[2], p[3], 0, p[4], 0] as TaylorTerm['powers'],
    coefficient: scale * (2 * rng.float() - 1),
  }));
}

/** The reference rule reads R itself: the filtered pulses, R(n) = sum over pulses d < n of M(d) rho^(n - d). */
function filteredR(step: number): number {
  let r = 0;
  for (const [d, m] of PULSES) if (d < step) r += m * Math.exp((-(step - d) * DT) / TAU.r);
  return r;
}

function spikeTrain(size: number, rateHz: number, durationMs: number, seed: number) {
  const rng = new Rng(seed);
  const indices: number[] = [];
  const times: number[] = [];
  for (let s = 0; s < durationMs / DT; s++)
    for (let i = 0; i < size; i++)
      if (rng.float() < (rateHz * DT) / 1000) {
        indices.push(i);
        times.push(s * DT);
      }
  return { indices, times };
}

/** A network with one plastic projection from prescribed spikes onto prescribed spikes or LIF neurons. */
function build(
  kind: 'reference' | 'event',
  target: 'prescribed' | 'lif',
  terms: TaylorTerm[],
  wMax = 50,
  w0 = 25,
  chained = false,
) {
  const net = new Network(DT);
  const durationMs = 700;
  const a = spikeTrain(40, 30, durationMs, 1);
  const pre = net.add(new SpikeSourceArray('pre', 40, a.indices, a.times, DT));
  let post;
  if (target === 'prescribed') {
    const b = spikeTrain(30, 25, durationMs, 2);
    post = net.add(new SpikeSourceArray('post', 30, b.indices, b.times, DT));
  } else post = net.lif('post', 30, SONG_NEURON);
  const base = { terms, tauPreMs: TAU.pre, tauPostMs: TAU.post, wMax };
  const rule =
    kind === 'reference'
      ? new TaylorRule({ ...base, modulatorName: 'R' })
      : new EventTaylorRule({ ...base, tauModulatorMs: TAU.r, modulatorName: 'M' });
  if (kind === 'reference') net.modulator('R', (_t, step) => filteredR(step));
  else net.modulator('M', (_t, step) => PULSES.get(step) ?? 0);
  const proj = net.connect(pre, post, {
    connector: { kind: 'fixed-probability', p: 0.5 },
    weight: w0,
    receptor: 'exc',
    seed: 3,
    plasticity: chained ? new RuleChain([rule]) : rule,
  });
  const spikes = target === 'lif' ? net.monitorSpikes(post) : null;
  return { net, proj, spikes };
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

test('the event-driven Taylor rule gives the weights of stepping every synapse, all 25 terms, R from pulses', () => {
  const terms = randomTerms(7, 0.02);
  const ref = build('reference', 'prescribed', terms, 1e3);
  const ev = build('event', 'prescribed', terms, 1e3);
  const w0 = Float32Array.from(ref.proj.weight);
  // Runs of uneven length: each ends with the lazy weights brought up to date.
  for (const ms of [37.5, 100, 212.25, 350.25]) {
    ref.net.run(ms);
    ev.net.run(ms);
    const d = maxDiff(ref.proj.weight, ev.proj.weight);
    const largest = Math.max(...ref.proj.weight);
    assert.ok(d < 1e-5 * largest, `after ${ref.net.tMs} ms: difference ${d}, largest weight ${largest}`);
  }
  // Deferred: weights lag until learning stops, then agree again.
  ev.net.deferWeightUpdates = true;
  ref.net.run(50);
  ev.net.run(50);
  assert.ok(maxDiff(ref.proj.weight, ev.proj.weight) > 1e-3, 'deferred weights lag');
  ev.net.learning = false;
  assert.ok(maxDiff(ref.proj.weight, ev.proj.weight) < 1e-5 * Math.max(...ref.proj.weight));
  const moved = maxDiff(ref.proj.weight, w0);
  assert.ok(moved > 1, `the rule changed the weights (max change ${moved})`);
  assert.ok(
    ref.proj.weight.every((w) => w > 0 && w < 1e3),
    'no weight reached a bound',
  );
});

test('each kind of term on its own: every-step terms in X and R, and the spike-triggered ones', () => {
  for (const [k, p] of threeFactorTerms().entries()) {
    const terms: TaylorTerm[] = [{ powers: [p[0], p[1], p[2], p[3], 0, p[4], 0], coefficient: 0.05 }];
    const ref = build('reference', 'prescribed', terms, 1e4);
    const ev = build('event', 'prescribed', terms, 1e4);
    ref.net.run(700);
    ev.net.run(700);
    const d = maxDiff(ref.proj.weight, ev.proj.weight);
    const moved = maxDiff(ref.proj.weight, Float32Array.from(ref.proj.weight).fill(25));
    // The reference rounds its weights to float32 every step: about 2e-6 of a weight per step, as a random walk.
    assert.ok(d <= 2e-5 * (25 + moved), `term ${k} (${p.join(',')}): difference ${d}, change ${moved}`);
  }
});

test('a spike carries the weight stepping gives it: same output spikes from LIF neurons', () => {
  // Only every-step terms, so weights drift between a neuron's spikes and the delivery must see the drift.
  const terms: TaylorTerm[] = [
    { powers: [0, 0, 1, 0, 0, 0, 0], coefficient: 2e-4 },
    { powers: [0, 0, 0, 1, 0, 1, 0], coefficient: -2e-4 },
    { powers: [0, 0, 1, 1, 0, 0, 0], coefficient: 1e-4 },
  ];
  const ref = build('reference', 'lif', terms, 1e4, 1);
  const ev = build('event', 'lif', terms, 1e4, 1);
  ref.net.run(700);
  ev.net.run(700);
  assert.ok(ref.spikes!.times.length > 50, `the neurons fire (${ref.spikes!.times.length} spikes)`);
  assert.deepEqual(ev.spikes!.indices, ref.spikes!.indices);
  assert.deepEqual(ev.spikes!.times, ref.spikes!.times);
  assert.ok(maxDiff(ref.proj.weight, ev.proj.weight) < 1e-3);
});

test('the rule is registered, and refuses eligibility and weight factors naming the term', () => {
  const rule = createPlasticityRule({
    kind: 'taylor-event',
    terms: [{ powers: [1, 0, 0, 1, 0, 0, 0], coefficient: 1 }],
    tauPreMs: 10,
    tauPostMs: 10,
    tauModulatorMs: 50,
    wMax: 1,
  });
  assert.ok(rule instanceof EventTaylorRule);
  assert.throws(
    () =>
      new EventTaylorRule({
        terms: [{ powers: [0, 0, 0, 0, 1, 0, 0], coefficient: 1 }],
        tauPreMs: 10,
        tauPostMs: 10,
        tauModulatorMs: 50,
        wMax: 1,
      }),
    /taylor-event\.terms\[0\]\.powers: expected .*no eligibility or w factor, .*found \[0,0,0,0,1,0,0\]/,
  );
});

test('learning stopped by an operation mid-run, a rule chain, and a rewiring keep the weights of stepping', () => {
  const terms = randomTerms(11, 0.01);
  const compare = (setup: (b: ReturnType<typeof build>) => void, label: string) => {
    const ref = build('reference', 'prescribed', terms, 1e3);
    const ev = build('event', 'prescribed', terms, 1e3);
    setup(ref);
    setup(ev);
    ref.net.run(300);
    ev.net.run(300);
    ev.net.flushPlasticity();
    const d = maxDiff(ref.proj.weight, ev.proj.weight);
    assert.ok(d < 1e-5 * Math.max(...ref.proj.weight), `${label}: difference ${d}`);
    return ref;
  };
  for (const when of ['start', 'before-plasticity', 'after-plasticity'] as const) {
    const ref = compare((b) => {
      b.net.operation(
        (_t, step) => {
          if (step === 480) b.net.learning = false;
        },
        { when },
      );
    }, `learning off at step 480 (${when})`);
    assert.equal(ref.net.learning, false);
  }
  // A rewiring that keeps every synapse, from an operation after plasticity.
  compare((b) => {
    b.net.operation(
      (_t, step) => {
        if (step === 700) b.proj.rewire(new Uint8Array(b.proj.synapseCount).fill(1), []);
      },
      { when: 'after-plasticity' },
    );
  }, 'rewired at step 700');
  // Inside a rule chain, the chain passes the hooks on.
  const chained = (kind: 'reference' | 'event') => {
    const { net, proj } = build(kind, 'prescribed', terms, 1e3, 25, true);
    net.run(300);
    return proj.weight;
  };
  const d = maxDiff(chained('reference'), chained('event'));
  assert.ok(d < 1e-3, `in a chain: difference ${d}`);
  assert.throws(
    () =>
      new EventTaylorRule({
        terms: [{ powers: [0, 0, 0, 0, 0, 0, 0], coefficient: 1 }],
        tauPreMs: 10,
        tauPostMs: 10,
        tauModulatorMs: 50,
        wMax: 1,
      }),
    /not all 0 \(a constant term has no trace to close its sum over\)/,
  );
});
