import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CartPole,
  STANDARD_CART_POLE,
  FixedNetworkController,
  HebbianNetworkController,
  SpikingThreeFactorController,
  cartPoleProblem,
  fixedNetworkGenomeSize,
  evolveController,
  hebbianGenomeSize,
  recoveryEpisodes,
  runEpisodes,
  type CartPoleParams,
  type Controller,
} from '../src/adapt/cartpole/index.js';
import { ConfigError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const FRICTIONLESS: CartPoleParams = { ...STANDARD_CART_POLE, failAngleRad: 10, failPositionM: 1e6 };

/** Total mechanical energy, derived independently: pole centre at (x + l sin th, l cos th), inertia m l^2 / 3. */
function energyJ(env: CartPole): number {
  const { cartMassKg: M, poleMassKg: m, poleHalfLengthM: l, gravityMps2: g } = env.params;
  const { xDotMps: v, thetaRad: th, thetaDotRadps: w } = env.state;
  const poleVx = v + l * Math.cos(th) * w;
  const poleVy = -l * Math.sin(th) * w;
  return (
    0.5 * M * v * v +
    0.5 * m * (poleVx ** 2 + poleVy ** 2) +
    0.5 * ((m * l * l) / 3) * w * w +
    m * g * l * Math.cos(th)
  );
}

/** Small-oscillation rate about upright (growth) and about hanging (oscillation): the same for this system. */
function linearRate(p: CartPoleParams): number {
  const total = p.cartMassKg + p.poleMassKg;
  return Math.sqrt((p.gravityMps2 * total) / (p.poleHalfLengthM * ((4 / 3) * total - p.poleMassKg)));
}

test('physics: near upright with no force, theta grows like theta0 cosh(omega t), omega^2 = g (M+m) / (l (4/3 (M+m) - m))', () => {
  const env = new CartPole({ ...FRICTIONLESS, timeStepS: 1e-4 });
  const theta0 = 1e-6;
  env.state = { xM: 0, xDotMps: 0, thetaRad: theta0, thetaDotRadps: 0 };
  const omega = linearRate(env.params);
  for (let k = 1; k <= 10000; k++) {
    env.step(0);
    if (k % 2500 === 0) {
      const t = k * 1e-4;
      const want = theta0 * Math.cosh(omega * t);
      assert.ok(
        Math.abs(env.state.thetaRad / want - 1) < 2e-3,
        `t = ${t} s: theta ${env.state.thetaRad}, linear theory ${want}`,
      );
    }
  }
});

test('physics: with no force and no friction, energy and horizontal momentum are conserved to first order in the step', () => {
  const drift = (timeStepS: number) => {
    const env = new CartPole({ ...FRICTIONLESS, timeStepS });
    env.state = { xM: 0, xDotMps: 0.5, thetaRad: 0.3, thetaDotRadps: 0.2 };
    const { cartMassKg: M, poleMassKg: m, poleHalfLengthM: l } = env.params;
    const momentum = () =>
      (M + m) * env.state.xDotMps + m * l * Math.cos(env.state.thetaRad) * env.state.thetaDotRadps;
    const e0 = energyJ(env);
    const p0 = momentum();
    let worstEnergy = 0;
    let worstMomentum = 0;
    for (let k = 0; k < Math.round(0.8 / timeStepS); k++) {
      env.step(0);
      worstEnergy = Math.max(worstEnergy, Math.abs(energyJ(env) - e0));
      worstMomentum = Math.max(worstMomentum, Math.abs(momentum() - p0));
    }
    // The pole has fallen well past horizontal-ish angles by now: a real test of the nonlinear terms.
    assert.ok(Math.abs(env.state.thetaRad) > 1, `theta ${env.state.thetaRad}`);
    return { worstEnergy, worstMomentum };
  };
  const fine = drift(1e-5);
  const coarse = drift(1e-4);
  assert.ok(fine.worstEnergy < 2e-3, `energy drift ${fine.worstEnergy} J at dt 1e-5 s`);
  assert.ok(fine.worstMomentum < 2e-3, `momentum drift ${fine.worstMomentum} at dt 1e-5 s`);
  // Explicit Euler: the drift shrinks about in proportion to the step.
  const ratio = coarse.worstEnergy / fine.worstEnergy;
  assert.ok(ratio > 5 && ratio < 20, `energy drift ratio ${ratio} between dt 1e-4 and 1e-5`);
});

test('physics: with cart and pole friction and no force, energy only decreases', () => {
  const env = new CartPole({ ...FRICTIONLESS, timeStepS: 1e-5, cartFriction: 0.1, poleFriction: 0.01 });
  env.state = { xM: 0, xDotMps: 0.5, thetaRad: Math.PI - 0.4, thetaDotRadps: 0.2 };
  const e0 = energyJ(env);
  let previous = e0;
  for (let k = 1; k <= 200000; k++) {
    env.step(0);
    if (k % 1000 === 0) {
      const e = energyJ(env);
      assert.ok(e <= previous + 1e-6, `energy rose from ${previous} to ${e} J at step ${k}`);
      previous = e;
    }
  }
  assert.ok(previous < e0 - 0.02, `energy ${e0} -> ${previous} J`);
});

test('physics: with friction, the accelerations solve the Newton-Euler equations of cart and pole', () => {
  // Pole: m (xdd + l c thdd - l s thd^2) = Hx, m (-l s thdd - l c thd^2) = Hy - m g, (m l^2 / 3) thdd = l s Hy - l c Hx
  // - muP thd; cart: M xdd = F - Hx - muC N sgn(N xd), N = M g + Hy. Eliminating Hx, Hy leaves two linear equations.
  const rng = new Rng(11);
  for (let trial = 0; trial < 50; trial++) {
    const p: CartPoleParams = {
      ...FRICTIONLESS,
      cartFriction: 0.05 + 0.5 * rng.float(),
      poleFriction: 0.1 * rng.float(),
      poleMassKg: 0.1 + rng.float(),
    };
    const env = new CartPole(p);
    env.state = {
      xM: 0,
      xDotMps: 2 * rng.float() - 1,
      thetaRad: 3 * rng.float() - 1.5,
      thetaDotRadps: 4 * rng.float() - 2,
    };
    const forceN = 20 * rng.float() - 10;
    const { xDDotMps2, thetaDDotRadps2 } = env.accelerations(forceN);
    const {
      cartMassKg: M,
      poleMassKg: m,
      poleHalfLengthM: l,
      gravityMps2: g,
      cartFriction: muC,
      poleFriction: muP,
    } = p;
    const { xDotMps: xd, thetaRad: th, thetaDotRadps: thd } = env.state;
    const [s, c] = [Math.sin(th), Math.cos(th)];
    const normal = (M + m) * g - m * l * (thetaDDotRadps2 * s + thd * thd * c);
    const sigma = Math.sign(normal * xd);
    // Cart and pole translation together, then rotation, each as a residual.
    const hx = m * (xDDotMps2 + l * c * thetaDDotRadps2 - l * s * thd * thd);
    const hy = m * g + m * (-l * s * thetaDDotRadps2 - l * c * thd * thd);
    const cartResidual = M * xDDotMps2 - (forceN - hx - muC * normal * sigma);
    const rotationResidual = ((m * l * l) / 3) * thetaDDotRadps2 - (l * s * hy - l * c * hx - muP * thd);
    assert.ok(Math.abs(normal - (M * g + hy)) < 1e-9);
    assert.ok(Math.abs(cartResidual) < 1e-9, `trial ${trial}: cart residual ${cartResidual}`);
    assert.ok(Math.abs(rotationResidual) < 1e-9, `trial ${trial}: rotation residual ${rotationResidual}`);
  }
});

test('physics: hanging down, small oscillations have period 2 pi / omega (pendulum on a free cart)', () => {
  const timeStepS = 1e-4;
  const env = new CartPole({ ...FRICTIONLESS, timeStepS });
  env.state = { xM: 0, xDotMps: 0, thetaRad: Math.PI + 0.01, thetaDotRadps: 0 };
  const crossings: number[] = [];
  let before = env.state.thetaRad - Math.PI;
  for (let k = 1; k <= 60000 && crossings.length < 7; k++) {
    env.step(0);
    const now = env.state.thetaRad - Math.PI;
    // Linear interpolation of the zero crossing.
    if (before > 0 !== now > 0) crossings.push((k - 1 + before / (before - now)) * timeStepS);
    before = now;
  }
  assert.equal(crossings.length, 7);
  const periodS = (crossings[6] - crossings[0]) / 3;
  const want = (2 * Math.PI) / linearRate(env.params);
  assert.ok(Math.abs(periodS / want - 1) < 2e-3, `period ${periodS} s, theory ${want} s`);
  // A pendulum on a fixed pivot (omega^2 = 3 g / (2 L)) would be measurably slower.
  const fixedPivot = (2 * Math.PI) / Math.sqrt((3 * 9.8) / (2 * 1.0));
  assert.ok(Math.abs(periodS - fixedPivot) > 0.02, 'the cart moves with the pole');
});

test('physics: failure beyond 12 degrees or 2.4 m, not before', () => {
  const twelve = (12 * Math.PI) / 180;
  const stepFrom = (state: CartPole['state']) => {
    const env = new CartPole(STANDARD_CART_POLE);
    env.state = { ...state };
    return env.step(0);
  };
  // theta moves by timeStepS * thetaDot in the Euler step.
  assert.equal(stepFrom({ xM: 0, xDotMps: 0, thetaRad: twelve - 1e-3, thetaDotRadps: 0.1 }), false);
  assert.equal(stepFrom({ xM: 0, xDotMps: 0, thetaRad: twelve - 1e-3, thetaDotRadps: 0.04 }), true);
  assert.equal(stepFrom({ xM: 0, xDotMps: 0, thetaRad: -twelve + 1e-3, thetaDotRadps: -0.1 }), false);
  assert.equal(stepFrom({ xM: 2.39, xDotMps: 1, thetaRad: 0, thetaDotRadps: 0 }), false);
  assert.equal(stepFrom({ xM: 2.39, xDotMps: 0.4, thetaRad: 0, thetaDotRadps: 0 }), true);
  assert.equal(stepFrom({ xM: -2.39, xDotMps: -1, thetaRad: 0, thetaDotRadps: 0 }), false);
});

test('a positive action pushes the cart right and turns a right-leaning pole back; actions are clipped to [-1, 1]', () => {
  const run = (action: number) => {
    const env = new CartPole(STANDARD_CART_POLE);
    env.state = { xM: 0, xDotMps: 0, thetaRad: 0.05, thetaDotRadps: 0 };
    env.step(action);
    return env.state;
  };
  assert.ok(run(1).xDotMps > 0 && run(1).thetaDotRadps < 0);
  assert.deepEqual(run(5), run(1));
  assert.ok(run(0.5).xDotMps < run(1).xDotMps && run(0.5).xDotMps > 0);
});

test('changing dynamics mid-episode keeps the state and changes the steps that follow', () => {
  const a = new CartPole(STANDARD_CART_POLE);
  const b = new CartPole(STANDARD_CART_POLE);
  a.reset(new Rng(4));
  b.reset(new Rng(4));
  for (let k = 0; k < 10; k++) {
    a.step(0.3);
    b.step(0.3);
  }
  const before = { ...b.state };
  b.setParams({ poleHalfLengthM: 1.0, cartFriction: 0.05 });
  assert.deepEqual(b.state, before);
  assert.equal(b.params.poleHalfLengthM, 1.0);
  assert.equal(b.params.cartMassKg, STANDARD_CART_POLE.cartMassKg);
  a.step(0.3);
  b.step(0.3);
  assert.notEqual(a.state.thetaDotRadps, b.state.thetaDotRadps);

  // Through runEpisodes: a within-episode change leaves the steps before it alone and alters those after it.
  const recorder = (): Controller & { seen: number[] } => {
    const seen: number[] = [];
    return { name: 'open-loop', seen, startEpisode() {}, act: (o) => (seen.push(o[3]), 0.1) };
  };
  const plain = recorder();
  const changed = recorder();
  runEpisodes(plain, [{ episodes: 1, params: {} }], 20, new Rng(9));
  runEpisodes(
    changed,
    [{ episodes: 1, params: {}, within: { atStep: 5, params: { gravityMps2: 20 } } }],
    20,
    new Rng(9),
  );
  // The change takes effect before step 5 (0-based): observation 5 is still the old dynamics' state, 6 is not.
  assert.deepEqual(changed.seen.slice(0, 6), plain.seen.slice(0, 6));
  assert.notEqual(changed.seen[6], plain.seen[6]);
});

test('recoveryEpisodes counts episodes from each change to the first window that meets the criterion', () => {
  const results = [10, 10, 200, 200, 200, 5, 5, 5, 100, 300, 300, 50].map((steps) => ({
    steps,
    balanced: false,
  }));
  // Phase 1 at 0: window [2, 3] averages 200. Phase 2 at 5: [8, 9] (100 and 300) is the first to average >= 150,
  // 3 episodes after the change. Phase 3 at 11 has one episode, short of a window.
  assert.deepEqual(recoveryEpisodes(results, [0, 5, 11], 150, 2), [2, 3, null]);
  assert.deepEqual(recoveryEpisodes(results, [0, 5, 11], 1000, 2), [null, null, null]);
});

test('the Hebbian network: weights uniform in [-0.1, 0.1] each episode, then the ABCD rule synapse by synapse', () => {
  const hidden = 1;
  const genome = Array.from({ length: hebbianGenomeSize(hidden) }, (_, g) => ((g * 7) % 11) / 10 - 0.5);
  const net = new HebbianNetworkController(genome, hidden, { normaliseWeights: false });
  net.startEpisode(new Rng(1));
  const first = [...net.inputWeights, ...net.outputWeights];
  assert.ok(first.every((w) => Math.abs(w) <= 0.1) && new Set(first).size === 5);
  net.startEpisode(new Rng(2));
  assert.notDeepEqual([...net.inputWeights, ...net.outputWeights], first);

  net.inputWeights.set([0.1, -0.2, 0.3, 0.05]);
  net.outputWeights.set([0.5]);
  const o = [0.5, -1, 0.2, 0.4];
  const action = net.act(Float32Array.from(o), 0);
  // By hand: hidden = tanh(0.05 + 0.2 + 0.06 + 0.02), output = tanh(0.5 hidden), from the weights before the update.
  const hiddenOut = Math.tanh(0.33);
  const out = Math.tanh(0.5 * hiddenOut);
  assert.ok(Math.abs(action - out) < 1e-6);
  // Synapse k's coefficients are genes 5k..5k+4 = eta, A, B, C, D.
  const dw = (k: number, pre: number, post: number) => {
    const [eta, A, B, C, D] = genome.slice(5 * k, 5 * k + 5);
    return eta * (A * pre * post + B * pre + C * post + D);
  };
  const f32 = (v: number) => Math.fround(v);
  const wantInput = [0.1, -0.2, 0.3, 0.05].map((w, i) => w + dw(i, f32(o[i]), hiddenOut));
  const wantOutput = 0.5 + dw(4, hiddenOut, out);
  wantInput.forEach((w, i) =>
    assert.ok(Math.abs(net.inputWeights[i] - w) < 1e-6, `w1[${i}] ${net.inputWeights[i]} vs ${w}`),
  );
  assert.ok(Math.abs(net.outputWeights[0] - wantOutput) < 1e-6);
  // One concrete value, by hand from genes 0..4 = -0.5, 0.2, -0.2, 0.5, 0.1 (pre 0.5, post tanh(0.33) = 0.3185208):
  // -0.5 (0.2 * 0.5 * 0.3185208 - 0.2 * 0.5 + 0.5 * 0.3185208 + 0.1) = -0.0955562
  assert.ok(Math.abs(net.inputWeights[0] - (0.1 - 0.0955562)) < 1e-6, `w1[0] ${net.inputWeights[0]}`);

  // With Najarro & Risi's normalisation each layer is then divided by its largest |w|.
  const normalised = new HebbianNetworkController(genome, hidden);
  normalised.startEpisode(new Rng(1));
  normalised.inputWeights.set([0.1, -0.2, 0.3, 0.05]);
  normalised.outputWeights.set([0.5]);
  normalised.act(Float32Array.from(o), 0);
  const largest = Math.max(...wantInput.map(Math.abs));
  wantInput.forEach((w, i) => assert.ok(Math.abs(normalised.inputWeights[i] - w / largest) < 1e-6));
  assert.equal(Math.abs(normalised.outputWeights[0]), 1);
});

test('a fixed network evolved by sep-CMA-ES on the standard dynamics balances for 1000 steps from fresh starts', async () => {
  const problem = cartPoleProblem({ controller: 'fixed', hidden: 4, episodes: 3, maxSteps: 1000 });
  const evolved = await evolveController(problem, {
    strategy: 'sep-cma-es',
    generations: 60,
    populationSize: 16,
    seed: 0,
    targetFitness: 1000,
  });
  assert.equal(evolved.fitness, 1000, `best per generation ${evolved.bestPerGeneration.join(' ')}`);
  assert.ok(evolved.bestPerGeneration.length < 60);
  // Starts the search never saw.
  const results = runEpisodes(
    new FixedNetworkController(evolved.best, 4),
    [{ episodes: 10, params: {} }],
    1000,
    new Rng(2024),
  );
  assert.ok(
    results.every((r) => r.balanced),
    results.map((r) => r.steps).join(' '),
  );
  // The evaluation is a pure function of genome and seed.
  assert.deepEqual(await problem.evaluate(evolved.best, 77), await problem.evaluate(evolved.best, 77));
});

test('a Hebbian network found by OpenAI-ES improves on its first generation', async () => {
  const problem = cartPoleProblem({ controller: 'hebbian', hidden: 2, episodes: 2, maxSteps: 300 });
  const evolved = await evolveController(problem, {
    strategy: 'openai-es',
    generations: 8,
    populationSize: 16,
    seed: 1,
  });
  assert.equal(evolved.bestPerGeneration.length, 8);
  const [firstBest] = evolved.bestPerGeneration;
  assert.ok(evolved.fitness >= firstBest && evolved.fitness > 0);
  assert.ok(
    evolved.bestPerGeneration.every((v, g) => g === 0 || v >= evolved.bestPerGeneration[g - 1]),
    'best so far never falls',
  );
});

test('the spiking controller learns during life: longer balancing than its untrained start, and than without the third factor', () => {
  const mean = (r: { steps: number }[]) => r.reduce((s, x) => s + x.steps, 0) / r.length;
  const curve = (actorLearningRate?: number) =>
    runEpisodes(
      new SpikingThreeFactorController({
        seed: 1,
        ...(actorLearningRate === undefined ? {} : { actorLearningRate }),
      }),
      [{ episodes: 200, params: {} }],
      1000,
      new Rng(3),
    );
  const learning = curve();
  const frozen = curve(0);
  const start = mean(learning.slice(0, 25));
  const end = mean(learning.slice(150));
  assert.ok(end > 2 * start, `first 25 episodes ${start} steps, last 50 ${end}`);
  assert.ok(end > 2 * mean(frozen.slice(150)), `learning ${end}, frozen weights ${mean(frozen.slice(150))}`);
});

test('bad parameters get a ConfigError naming the field', () => {
  const throwsNaming = (fn: () => unknown, field: string) =>
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.message.includes(field), field);
  throwsNaming(() => new CartPole({ ...STANDARD_CART_POLE, poleMassKg: -1 }), 'poleMassKg');
  throwsNaming(() => new CartPole({ ...STANDARD_CART_POLE, timeStepS: Number.NaN }), 'timeStepS');
  const env = new CartPole(STANDARD_CART_POLE);
  throwsNaming(() => env.setParams({ cartFriction: -0.1 }), 'cartFriction');
  throwsNaming(() => env.setParams({ gravity: 9.8 } as unknown as Partial<CartPoleParams>), 'gravity');
  throwsNaming(
    () =>
      runEpisodes(
        new FixedNetworkController(new Array(25).fill(0), 4),
        [{ episodes: 1, params: {}, within: { atStep: 3, params: { cartMassKg: 0 } } }],
        10,
        new Rng(0),
      ),
    'phases[0].within.params.cartMassKg',
  );
  throwsNaming(
    () =>
      cartPoleProblem({
        controller: 'fixed',
        hidden: 2,
        episodes: 1,
        maxSteps: 10,
        params: { failAngleRad: 0 },
      }),
    'failAngleRad',
  );
  throwsNaming(() => new FixedNetworkController([1, 2, 3], 4), 'fixedNetwork.genome');
  throwsNaming(() => new SpikingThreeFactorController({ seed: 1, neuronsPerAction: 0 }), 'neuronsPerAction');
});

test('a problem over several bodies: one body is the single-body problem, each body is checked by name', async () => {
  const genome = Array.from({ length: fixedNetworkGenomeSize(3) }, (_, i) => Math.cos(i));
  const one = cartPoleProblem({
    controller: 'fixed',
    hidden: 3,
    episodes: 2,
    maxSteps: 300,
    params: { gravityMps2: 12 },
  });
  const listed = cartPoleProblem({
    controller: 'fixed',
    hidden: 3,
    episodes: 2,
    maxSteps: 300,
    bodies: [{ gravityMps2: 12 }],
  });
  assert.deepEqual(await listed.evaluate(genome, 7), await one.evaluate(genome, 7));
  const two = cartPoleProblem({
    controller: 'fixed',
    hidden: 3,
    episodes: 2,
    maxSteps: 300,
    bodies: [{}, { poleHalfLengthM: 2 }],
  });
  const [fitness] = (await two.evaluate(genome, 7)) as number[];
  assert.ok(fitness >= 0 && fitness <= 300);
  assert.throws(
    () =>
      cartPoleProblem({
        controller: 'fixed',
        hidden: 3,
        episodes: 1,
        maxSteps: 10,
        bodies: [{}, { poleMassKg: -1 }],
      }),
    /cartPoleProblem\.bodies\[1\]\.poleMassKg/,
  );
});
