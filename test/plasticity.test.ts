import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Bcm,
  Covariance,
  Hebbian,
  Network,
  Oja,
  PairStdp,
  RewardModulatedStdp,
  InhibitoryStdp,
  TaylorRule,
  TripletStdp,
  RateNetwork,
  SynapticScaling,
  HeterosynapticCompetition,
  RuleChain,
  StructuralPlasticity,
  type LifParameters,
} from '../src/spiking/index.js';
import { Rng } from '../src/util/rng.js';

const SLOW_LIF: LifParameters = {
  cmPf: 1000,
  gLeakNs: 1, // tau 1 s: v barely moves unless forced
  eLeakMv: -70,
  vThreshMv: -50,
  vResetMv: -70,
  refractoryMs: 0.1,
  synapse: 'current',
  tauExcMs: 1,
  tauInhMs: 1,
};

/** Weight change of one pre/post pair at dt = t_post - t_pre, measured through a running network. */
function pairChange(
  dtMs: number,
  stdp: ConstructorParameters<typeof PairStdp>[0] | PairStdp,
  w0 = 0.5,
): number {
  const dt = 0.1;
  const tPre = 50 + Math.max(0, -dtMs);
  const tPost = tPre + dtMs;
  const net = new Network(dt);
  // Pre spikes come from a spike array; the post neuron is forced over threshold at the chosen step.
  const pre = net.spikeSource('pre', 1, [0], [tPre - dt]);
  const post = net.lif('post', 1, SLOW_LIF);
  const rule = stdp instanceof PairStdp ? stdp : new PairStdp(stdp);
  const proj = net.connect(pre, post, {
    connector: { kind: 'one-to-one' },
    weight: w0,
    receptor: 'inh', // inhibitory input only lowers v, so the pair stays one pre and one post spike
    seed: 1,
    plasticity: rule,
  });
  const postStep = Math.round(tPost / dt) - 1;
  for (let s = 0; s < Math.round((Math.max(tPre, tPost) + 100) / dt); s++) {
    if (s === postStep) post.v[0] = 1000;
    net.run(dt);
  }
  return proj.weight[0] - w0;
}

test('pair STDP reproduces its window: aPlus exp(-dt/tauPlus) for dt > 0, -aMinus exp(dt/tauMinus) for dt < 0', () => {
  const params = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 1 };
  for (const dtMs of [-60, -30, -10, -3, -0.5, 0.5, 2, 10, 25, 60]) {
    const got = pairChange(dtMs, params);
    const want =
      dtMs > 0
        ? params.aPlus * Math.exp(-dtMs / params.tauPlusMs)
        : -params.aMinus * Math.exp(dtMs / params.tauMinusMs);
    assert.ok(Math.abs(got - want) < 1e-6 + 1e-4 * Math.abs(want), `dt ${dtMs} ms: ${got} vs window ${want}`);
  }
  // Soft bounds scale the change by the distance to the bound.
  const soft = { ...params, bounds: 'multiplicative' as const };
  const up = pairChange(10, soft, 0.8);
  assert.ok(Math.abs(up - 0.01 * Math.exp(-10 / 16.8) * 0.2) < 1e-6, `soft potentiation ${up}`);
  const down = pairChange(-10, soft, 0.8);
  assert.ok(Math.abs(down + 0.012 * Math.exp(-10 / 33.7) * 0.8) < 1e-6, `soft depression ${down}`);
  // Hard bounds clip.
  assert.ok(Math.abs(pairChange(1, { ...params, aPlus: 5 }, 0.5) - 0.5) < 1e-6);
  assert.throws(
    () => new PairStdp({ ...params, tauPlusMs: 0 }),
    /stdp\.tauPlusMs: expected a positive number, found 0/,
  );
});

test("Oja's rule converges to the first principal component of its input", () => {
  const rng = new Rng(8);
  // x = R diag(2, 1, 0.5) z: covariance eigenvalues 4, 1, 0.25 along the rotated axes.
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const R = [
    [c, -s, 0],
    [s * 0.6, c * 0.6, -0.8],
    [s * 0.8, c * 0.8, 0.6],
  ];
  const scales = [2, 1, 0.5];
  const pc1 = R.map((row) => row[0]);
  const w = Float32Array.from([0.3, -0.2, 0.5]);
  const rule = new Oja(0.005);
  const x = new Float32Array(3);
  const y = new Float32Array(1);
  for (let t = 0; t < 20000; t++) {
    const z = scales.map((k) => k * rng.normal());
    for (let i = 0; i < 3; i++) x[i] = R[i][0] * z[0] + R[i][1] * z[1] + R[i][2] * z[2];
    y[0] = w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
    rule.update(w, x, y);
  }
  const norm = Math.hypot(...w);
  const cos = Math.abs(w[0] * pc1[0] + w[1] * pc1[1] + w[2] * pc1[2]) / norm;
  assert.ok(Math.abs(norm - 1) < 0.05, `|w| = ${norm}`);
  assert.ok(cos > 0.995, `cos(w, PC1) = ${cos}`);
});

test('Hebbian, anti-Hebbian, BCM and covariance rules apply their equations', () => {
  const x = Float32Array.from([1, 2]);
  const y = Float32Array.from([3]);
  const w = Float32Array.from([0.5, 0.5]);
  new Hebbian(0.1).update(w, x, y);
  assert.deepEqual(
    Array.from(w, (v) => +v.toFixed(6)),
    [0.8, 1.1],
  );
  new Hebbian(-0.1).update(w, x, y);
  assert.deepEqual(
    Array.from(w, (v) => +v.toFixed(6)),
    [0.5, 0.5],
  );
  const bcm = new Bcm(0.1, 10, 1, 4);
  bcm.update(w, x, y); // y (y - theta) = 3 * (3 - 4) = -3: depression below threshold
  assert.deepEqual(
    Array.from(w, (v) => +v.toFixed(6)),
    [0.2, -0.1],
  );
  assert.ok(Math.abs(bcm.theta[0] - (4 + (9 - 4) / 10)) < 1e-6, 'theta slides toward y^2');
  const cov = new Covariance(0.1, 2);
  const wc = new Float32Array(2);
  cov.update(wc, x, y); // first sample defines the means: no change
  assert.deepEqual(Array.from(wc), [0, 0]);
  cov.update(wc, Float32Array.from([3, 2]), Float32Array.from([5])); // dx = [2, 0], dy = 2
  assert.deepEqual(
    Array.from(wc, (v) => +v.toFixed(6)),
    [0.4, 0],
  );
});

test('reward-modulated STDP: pairings only tag synapses; the weight moves with modulator x eligibility', () => {
  const dt = 0.1;
  const stdp = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 1 };
  const run = (modulatorFromMs: number | null) => {
    const net = new Network(dt);
    const pre = net.spikeSource('pre', 1, [0], [20 - dt]);
    const post = net.lif('post', 1, SLOW_LIF);
    const rule = new RewardModulatedStdp(stdp, 200, 0.05);
    const proj = net.connect(pre, post, {
      connector: { kind: 'one-to-one' },
      weight: 0.5,
      receptor: 'inh',
      seed: 1,
      plasticity: rule,
    });
    const steps = 1000;
    for (let s = 0; s < steps; s++) {
      if (s === Math.round(30 / dt) - 1) post.v[0] = 1000; // post 10 ms after pre
      if (modulatorFromMs !== null && s === Math.round(modulatorFromMs / dt)) rule.modulator = 1;
      net.run(dt);
    }
    return { w: proj.weight[0], e: rule.traces[0], rule, steps };
  };
  const none = run(null);
  assert.equal(none.w, 0.5, 'no modulator, no weight change');
  const e0 = stdp.aPlus * Math.exp(-10 / stdp.tauPlusMs);
  const d = Math.exp(-dt / 200);
  // The tag decays from the pairing at step 299 to the end (step 999).
  assert.ok(Math.abs(none.e - e0 * d ** 700) < 1e-7, `eligibility ${none.e} vs ${e0 * d ** 700}`);
  // Modulator 1 from 40 ms on: dw = eta dt sum_k e(k) over the modulated steps, a geometric series.
  const r = run(40);
  const first = 400 - 299; // decays between the pairing and the first modulated step
  const n = 1000 - 400;
  const want = 0.05 * dt * e0 * d ** first * ((1 - d ** n) / (1 - d));
  assert.ok(Math.abs(r.w - 0.5 - want) < 1e-6, `dw ${r.w - 0.5} vs ${want}`);
});

test('inhibitory STDP (Vogels 2011): a symmetric window eta (exp(-|dt|/tau) - alpha), alpha = 2 rho0 tau', () => {
  const params = { eta: 0.01, tauMs: 20, targetRateHz: 5, wMax: 1 };
  for (const dtMs of [-40, -10, -1, 1, 10, 40]) {
    const rule = new InhibitoryStdp(params);
    assert.ok(Math.abs(rule.alpha - 0.2) < 1e-12);
    const got = pairChange(dtMs, rule);
    const want = 0.01 * (Math.exp(-Math.abs(dtMs) / 20) - 0.2);
    assert.ok(Math.abs(got - want) < 1e-6, `dt ${dtMs}: ${got} vs ${want}`);
  }
});

test("weight normalisation and synaptic scaling act on each neuron's incoming weights", () => {
  const net = new Network(0.1);
  const src = net.poisson('src', 20, 0, 1);
  const tgt = net.lif('tgt', 5, SLOW_LIF);
  const rng = new Rng(3);
  const proj = net.connect(src, tgt, {
    connector: { kind: 'fixed-probability', p: 0.5 },
    weight: () => rng.float(),
    receptor: 'exc',
    seed: 4,
  });
  proj.normalizeIncoming(3);
  const sums = new Float64Array(5);
  proj.post.forEach((j, k) => (sums[j] += proj.weight[k]));
  for (const s of sums) assert.ok(Math.abs(s - 3) < 1e-5, `incoming sum ${s}`);
  proj.scaleIncoming(Float32Array.from([1, 2, 0.5, 1, 1]));
  const scaled = new Float64Array(5);
  proj.post.forEach((j, k) => (scaled[j] += proj.weight[k]));
  assert.deepEqual(
    Array.from(scaled, (v) => +v.toFixed(4)),
    [3, 6, 1.5, 3, 3],
  );
});

test('the Taylor-expanded rule reproduces pair STDP from two coefficients, and evaluates trace-only terms each step', () => {
  const build = (rule: PairStdp | TaylorRule) => {
    const net = new Network(0.1);
    const pre = net.poisson('pre', 20, 30, 5);
    // Independent Poisson post spikes: an input group as target receives nothing but drives the rule.
    const post = net.poisson('post', 10, 30, 6);
    const proj = net.connect(pre, post, {
      connector: { kind: 'all-to-all' },
      weight: 0.5,
      receptor: 'exc',
      seed: 7,
      plasticity: rule,
    });
    net.run(1000);
    return proj.weight;
  };
  const params = { aPlus: 0.002, aMinus: 0.0024, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 100 };
  const stdp = build(new PairStdp(params));
  const taylor = build(
    new TaylorRule({
      tauPreMs: 16.8,
      tauPostMs: 33.7,
      wMax: 100,
      terms: [
        { powers: [1, 0, 0, 1, 0, 0, 0], coefficient: -0.0024 }, // pre x xPost: depression
        { powers: [0, 1, 1, 0, 0, 0, 0], coefficient: 0.002 }, // post x xPre: potentiation
      ],
    }),
  );
  let changed = 0;
  stdp.forEach((w, k) => {
    assert.ok(Math.abs(w - taylor[k]) < 1e-5, `synapse ${k}: STDP ${w} vs Taylor ${taylor[k]}`);
    if (Math.abs(w - 0.5) > 1e-3) changed++;
  });
  assert.ok(changed > 100, `the spike trains drive real changes (${changed} synapses moved)`);
  const decay = build(
    new TaylorRule({
      tauPreMs: 10,
      tauPostMs: 10,
      wMax: 1,
      terms: [{ powers: [0, 0, 0, 0, 0, 0, 1], coefficient: -0.001 }],
    }),
  );
  assert.ok(Math.abs(decay[0] - 0.5 * 0.999 ** 10000) < 1e-5, `weight decay term ${decay[0]}`);
  assert.throws(
    () =>
      new TaylorRule({
        tauPreMs: 10,
        tauPostMs: 10,
        wMax: 1,
        terms: [{ powers: [1, 0, 0] as never, coefficient: 1 }],
      }),
    /taylor\.terms\[0\]\.powers: expected 7 non-negative integers/,
  );
});

test('adaptive scaling sets the size of Taylor-rule updates outside the rule: exact steps, blind to the coefficient scale', () => {
  const wMax = 2;
  const stepFraction = 0.01;
  // Two presynaptic neurons spike together every 10 ms; dw = c w per pre spike, so the synapses change by c and 2c.
  const twoSynapses = (coefficient: number, averagingSteps: number) => {
    const net = new Network(0.1);
    const times = Array.from({ length: 5 }, (_, n) => 10 * n + 1);
    const pre = net.spikeSource(
      'pre',
      2,
      times.flatMap(() => [0, 1]),
      times.flatMap((t) => [t, t]),
    );
    const post = net.poisson('post', 1, 0, 1);
    const proj = net.connect(pre, post, {
      connector: { kind: 'all-to-all' },
      weight: 1,
      receptor: 'exc',
      seed: 1,
      plasticity: new TaylorRule({
        tauPreMs: 10,
        tauPostMs: 10,
        wMax,
        adaptiveScaling: { stepFraction, averagingSteps },
        terms: [{ powers: [1, 0, 0, 0, 0, 0, 1], coefficient }],
      }),
    });
    proj.weight.set([0.5, 1]);
    net.run(1.5);
    const first = Array.from(proj.weight);
    net.run(50);
    return { first, last: Array.from(proj.weight) };
  };
  // One step: the changes c x [0.5, 1] have a root mean square of c sqrt(0.625), applied as stepFraction x wMax.
  const { first } = twoSynapses(0.3, 100);
  const rms = Math.sqrt((0.5 ** 2 + 1) / 2);
  assert.ok(Math.abs(first[0] - (0.5 + (stepFraction * wMax * 0.5) / rms)) < 1e-6, `first step ${first}`);
  assert.ok(Math.abs(first[1] - (1 + (stepFraction * wMax) / rms)) < 1e-6, `first step ${first}`);
  // The coefficient's scale (and sign's magnitude) no longer matters: 1e-4 and 3 give the same trajectory.
  const small = twoSynapses(1e-4, 3).last;
  const large = twoSynapses(3, 3).last;
  small.forEach((w, k) => assert.ok(Math.abs(w - large[k]) < 1e-6, `synapse ${k}: ${w} vs ${large[k]}`));
  assert.ok(small[1] > 1.05, `five scaled steps moved the weight (${small[1]})`);
  // Every step of a constant-size change has exactly the set size: five pre spikes, five steps of stepFraction x wMax.
  const net = new Network(0.1);
  const pre = net.spikeSource('pre', 1, [0, 0, 0, 0, 0], [1, 11, 21, 31, 41]);
  const proj = net.connect(pre, net.poisson('post', 1, 0, 1), {
    connector: { kind: 'all-to-all' },
    weight: 0.5,
    receptor: 'exc',
    seed: 1,
    plasticity: new TaylorRule({
      tauPreMs: 10,
      tauPostMs: 10,
      wMax,
      adaptiveScaling: { stepFraction, averagingSteps: 50 },
      terms: [{ powers: [1, 0, 0, 0, 0, 0, 0], coefficient: -7 }],
    }),
  });
  net.run(50);
  assert.ok(Math.abs(proj.weight[0] - (0.5 - 5 * stepFraction * wMax)) < 1e-6, `weight ${proj.weight[0]}`);
  for (const [scaling, message] of [
    [
      { stepFraction: 0, averagingSteps: 10 },
      /adaptiveScaling\.stepFraction: expected a number in \(0, 1\], found 0/,
    ],
    [
      { stepFraction: 0.1, averagingSteps: 0.5 },
      /adaptiveScaling\.averagingSteps: expected a number >= 1, found 0\.5/,
    ],
  ] as const)
    assert.throws(
      () => new TaylorRule({ tauPreMs: 10, tauPostMs: 10, wMax: 1, terms: [], adaptiveScaling: scaling }),
      message,
    );
});

test('triplet STDP: pair STDP without triplet terms; with them potentiation grows with pairing frequency', () => {
  const trains = (rule: PairStdp | TripletStdp, preTimes: number[], postTimes: number[], w0 = 0.5) => {
    const dt = 0.1;
    const net = new Network(dt);
    const pre = net.spikeSource(
      'pre',
      1,
      preTimes.map(() => 0),
      preTimes.map((t) => t - dt),
    );
    const post = net.spikeSource(
      'post',
      1,
      postTimes.map(() => 0),
      postTimes.map((t) => t - dt),
    );
    const proj = net.connect(pre, post, {
      connector: { kind: 'one-to-one' },
      weight: w0,
      receptor: 'exc',
      seed: 1,
      plasticity: rule,
    });
    net.run(Math.max(...preTimes, ...postTimes) + 50);
    return proj.weight[0] - w0;
  };
  const pairs = (hz: number, dtMs: number) => {
    const times = Array.from({ length: 60 }, (_, k) => 100 + (k * 1000) / hz);
    return [times, times.map((t) => t + dtMs)];
  };
  const pairParams = { aPlus: 0.005, aMinus: 0.007, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 10 };
  const asTriplet = {
    a2Plus: 0.005,
    a3Plus: 0,
    a2Minus: 0.007,
    a3Minus: 0,
    tauPlusMs: 16.8,
    tauMinusMs: 33.7,
    tauXMs: 101,
    tauYMs: 125,
    wMax: 10,
  };
  for (const [hz, d] of [
    [1, 10],
    [20, 10],
    [20, -10],
    [50, 5],
  ]) {
    const [pre, post] = pairs(hz, d);
    const a = trains(new PairStdp(pairParams), pre, post);
    const b = trains(new TripletStdp(asTriplet), pre, post);
    assert.ok(Math.abs(a - b) < 1e-6, `${hz} Hz, dt ${d}: pair ${a} vs triplet-without-triplets ${b}`);
  }
  // Pfister & Gerstner's minimal all-to-all visual-cortex fit: A2+ = 0, A3+ = 6.2e-3, A2- = 7e-3, A3- = 0.
  const minimal = {
    a2Plus: 0,
    a3Plus: 6.2e-3,
    a2Minus: 7e-3,
    a3Minus: 0,
    tauPlusMs: 16.8,
    tauMinusMs: 33.7,
    tauXMs: 101,
    tauYMs: 125,
    wMax: 10,
  };
  const at = (hz: number) => trains(new TripletStdp(minimal), ...(pairs(hz, 10) as [number[], number[]]));
  const low = at(1);
  const high = at(40);
  assert.ok(Math.abs(low) < 1e-3, `1 Hz pairing barely changes the weight (${low})`);
  assert.ok(high > 0.05, `40 Hz pairing potentiates (${high})`);
});

test('a rate network relaxes to its fixed point and shares the rate rules (Hebbian growth along correlated input)', () => {
  const net = new RateNetwork(0.5);
  const input = net.population('in', 2, 5, 'linear');
  const out = net.population('out', 1, 10, 'linear');
  input.input.set([1, 2]);
  const w = Float32Array.from([0.5, 0.25]);
  net.connect(input, out, w);
  net.run(300);
  // Fixed point: r_in = input, r_out = w . r_in = 1.
  assert.ok(
    Math.abs(input.rate[1] - 2) < 1e-4 && Math.abs(out.rate[0] - 1) < 1e-4,
    `rates ${input.rate} ${out.rate}`,
  );
  const plastic = new RateNetwork(0.5);
  const a = plastic.population('a', 2, 5, 'linear');
  const b = plastic.population('b', 1, 5, 'linear');
  a.input.set([1, 0]);
  const wp = Float32Array.from([0.1, 0.1]);
  plastic.connect(a, b, wp, new Hebbian(0.001));
  plastic.run(100);
  assert.ok(wp[0] > 0.11 && wp[1] === Math.fround(0.1), `only the active input's weight grows: ${wp}`);
  assert.throws(() => plastic.connect(a, b, new Float32Array(3)), /expected 1 x 2 = 2 values, found 3/);
});

test('synaptic scaling drives postsynaptic rates toward their target, from above and from below', () => {
  for (const [weight, label] of [
    [400, 'too strong'],
    [60, 'too weak'],
  ] as const) {
    const net = new Network(0.1);
    const input = net.poisson('in', 100, 10, 9);
    const out = net.lif('out', 20, { ...SLOW_LIF, gLeakNs: 50, cmPf: 1000, refractoryMs: 2, tauExcMs: 5 });
    const scaling = new SynapticScaling({ targetRateHz: 10, tauRateMs: 500, eta: 0.05, everyMs: 10 });
    net.connect(input, out, {
      connector: { kind: 'all-to-all' },
      weight,
      receptor: 'exc',
      seed: 3,
      plasticity: scaling,
    });
    const mon = net.monitorSpikes(out);
    net.run(3000);
    const early = mon.times.filter((t) => t <= 500).length / (20 * 0.5);
    const late = mon.times.filter((t) => t > 2000).length / (20 * 1.0);
    assert.ok(Math.abs(late - 10) < 3, `${label}: late rate ${late} Hz (early ${early} Hz), target 10 Hz`);
    assert.ok(Math.abs(late - 10) < Math.abs(early - 10), `${label}: the rate moves toward the target`);
    assert.ok(
      label === 'too strong' ? early > 15 : early < 5,
      `${label}: starts away from the target (${early} Hz)`,
    );
  }
});

test('heterosynaptic competition caps each neuron’s incoming total while STDP potentiates', () => {
  const run = (withCompetition: boolean) => {
    const net = new Network(0.1);
    const pre = net.poisson('pre', 50, 20, 11);
    const post = net.poisson('post', 5, 20, 12);
    // Potentiation-dominated STDP: weights grow without bound unless something competes.
    const stdp = new PairStdp({ aPlus: 0.01, aMinus: 0.001, tauPlusMs: 20, tauMinusMs: 20, wMax: 10 });
    const rule = withCompetition ? new RuleChain([stdp, new HeterosynapticCompetition(26)]) : stdp;
    const proj = net.connect(pre, post, {
      connector: { kind: 'all-to-all' },
      weight: 0.5,
      receptor: 'exc',
      seed: 1,
      plasticity: rule,
    });
    net.run(2000);
    const totals = new Float64Array(5);
    proj.post.forEach((j, k) => (totals[j] += proj.weight[k]));
    return { totals, spread: Math.max(...proj.weight) - Math.min(...proj.weight) };
  };
  const free = run(false);
  const capped = run(true);
  assert.ok(
    free.totals.every((t) => t > 30),
    `without competition totals grow past the cap: ${free.totals}`,
  );
  assert.ok(
    capped.totals.every((t) => t <= 30 + 1e-3),
    `with competition totals stay at or below 30: ${capped.totals}`,
  );
  assert.ok(capped.spread > 0.05, 'synapses still differ: competition redistributes rather than freezing');
});

test('structural plasticity prunes weak synapses and regrows to the budget, and weight rules keep working', () => {
  const net = new Network(0.1);
  const pre = net.poisson('pre', 40, 20, 21);
  const post = net.lif('post', 30, SLOW_LIF);
  const rng = new Rng(22);
  const structural = new StructuralPlasticity({
    pruneBelow: 0.2,
    budget: 300,
    growWeight: 0.3,
    everyMs: 50,
    seed: 5,
  });
  const stdp = new RewardModulatedStdp(
    { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 },
    100,
    0.1,
  );
  stdp.modulator = 0.5;
  const proj = net.connect(pre, post, {
    connector: { kind: 'fixed-probability', p: 0.25 },
    weight: () => rng.float(),
    receptor: 'inh',
    seed: 3,
    plasticity: new RuleChain([stdp, structural]),
  });
  const before = proj.synapseCount;
  const weakBefore = Array.from(proj.weight).filter((w) => w < 0.2).length;
  assert.ok(weakBefore > 20 && before > 250, `starting point: ${before} synapses, ${weakBefore} weak`);
  net.run(500);
  assert.ok(proj.version >= 9, `rewired every 50 ms (version ${proj.version})`);
  assert.equal(proj.synapseCount, 300);
  assert.ok(
    Array.from(proj.weight).every((w) => w >= 0.2 - 1e-6 || w < 0.2),
    'weights are finite',
  );
  const { pruned, grown } = structural.lastUpdate;
  assert.equal(proj.synapseCount - grown + pruned, 300, 'the last update kept the budget');
  // CSR stays consistent: rows ascend, targets in range and sorted within a row, no duplicate pairs.
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    assert.ok(proj.rowStart[i] <= proj.rowStart[i + 1]);
    for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
      assert.ok(proj.post[k] >= 0 && proj.post[k] < 30);
      if (k > proj.rowStart[i]) assert.ok(proj.post[k] > proj.post[k - 1]);
      assert.ok(!seen.has(i * 30 + proj.post[k]), 'duplicate synapse');
      seen.add(i * 30 + proj.post[k]);
    }
  }
  assert.equal(stdp.traces.length, proj.synapseCount, 'eligibility follows the rewired synapses');
  assert.throws(() => proj.rewire(new Uint8Array(3), []), /keep has 3 entries, projection has 300/);
});

test('reward-modulated STDP visits only tagged synapses: the same weights and tags as the dense update', () => {
  // The reference decays every tag and applies M e to every synapse each step, as the rule's equations read.
  class DenseRewardModulatedStdp extends RewardModulatedStdp {
    protected override beforePairing(): void {
      const d = Math.exp(-this.attached.dtMs / this.tauEligibilityMs);
      const e = this.traces;
      for (let k = 0; k < e.length; k++) e[k] *= d;
    }
    protected override afterPairing(): void {
      const w = this.attached.weight;
      const e = this.traces;
      const k0 = this.eta * this.modulator * this.attached.dtMs;
      for (let k = 0; k < e.length; k++) w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + k0 * e[k]));
    }
  }
  const run = (Rule: typeof RewardModulatedStdp, aMinus: number) => {
    const net = new Network(0.5);
    const pre = net.poisson('pre', 30, 20, 7);
    const post = net.lif('post', 10, SLOW_LIF);
    const rule = new Rule({ aPlus: 0.02, aMinus, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 }, 100, 0.5);
    const proj = net.connect(pre, post, {
      connector: { kind: 'fixed-probability', p: 0.5 },
      weight: (r) => r.float(),
      receptor: 'exc',
      seed: 3,
      plasticity: rule,
    });
    const w0 = Array.from(proj.weight);
    const rng = new Rng(11);
    for (let s = 0; s < 400; s++) {
      post.inputPa.fill(rng.float() < 0.2 ? 5000 : 0);
      // A modulator that changes sign, and tags zeroed from outside now and then (as a learner ends a trial).
      rule.modulator = Math.sin(s / 15);
      if (s % 150 === 149) rule.traces.fill(0);
      net.run(0.5);
    }
    return { w0, w: Array.from(proj.weight), e: Array.from(rule.traces) };
  };
  for (const aMinus of [0, 0.021]) {
    const sparse = run(RewardModulatedStdp, aMinus);
    const dense = run(DenseRewardModulatedStdp, aMinus);
    assert.ok(
      sparse.e.some((v) => v !== 0),
      'tags left at the end',
    );
    assert.ok(sparse.w.filter((v, k) => v !== sparse.w0[k]).length > 20, 'weights learned');
    assert.deepEqual(sparse.w, dense.w, `weights, aMinus ${aMinus}`);
    assert.deepEqual(sparse.e, dense.e, `tags, aMinus ${aMinus}`);
  }
});
