import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';
import { backendNames, getBackend, LifParam, setBackend } from '../src/engine/index.js';
import { CUBA_NEURON, LifGroup, Network, type LifParameters } from '../src/spiking/index.js';
import { exactCurrentCoefficient, lifSynapticGains } from '../src/spiking/neurons/lif.js';

// The LIF's integrators for current-based synapses: exponential Euler holds each decaying current over the step;
// 'exact' integrates Cm dv/dt = gL (EL - v) + Ie0 e^{-t/tauE} - Ii0 e^{-t/tauI} + I exactly (Brian2's method='exact').

const PSP_NEURON: LifParameters = {
  cmPf: 200,
  gLeakNs: 10, // tau_m 20 ms
  eLeakMv: -70,
  vThreshMv: -40, // no spike: the PSP is seen whole
  vResetMv: -75,
  refractoryMs: 2,
  synapse: 'current',
  tauExcMs: 5,
  tauInhMs: 20, // = tau_m: the limit case of the exact coefficient
};

/**
 * The analytic PSP (mV) of a current I0 e^{-t/tau} (pA) arriving at rest, t ms later:
 * I0 tau tau_m / (Cm (tau - tau_m)) (e^{-t/tau} - e^{-t/tau_m}), and I0 t / Cm e^{-t/tau} when tau = tau_m.
 */
function analyticPsp(p: LifParameters, i0: number, tau: number, t: number): number {
  const tauM = p.cmPf / p.gLeakNs;
  if (tau === tauM) return ((i0 * t) / p.cmPf) * Math.exp(-t / tau);
  return ((i0 * tau * tauM) / (p.cmPf * (tau - tauM))) * (Math.exp(-t / tau) - Math.exp(-t / tauM));
}

/**
 * One input spike at 1 ms onto a group of 64 neurons (so that the WASM backends take their vector path) through the
 * given receptor; v of every neuron after each step, from the step where the current arrived, for 60 ms.
 */
function simulatePsp(p: LifParameters, receptor: 'exc' | 'inh', i0: number, dt: number): number[][] {
  const net = new Network(dt);
  const pre = net.spikeSource('pre', 1, [0], [1]);
  const post = net.lif('post', 64, p);
  net.connect(pre, post, { connector: { kind: 'all-to-all' }, weight: i0, receptor, seed: 1 });
  const current = receptor === 'exc' ? post.exc : post.inh;
  const trace: number[][] = [];
  let arrived = false;
  for (let step = 0; step < Math.round(70 / dt) && trace.length <= Math.round(60 / dt); step++) {
    net.run(dt);
    if (arrived) trace.push(Array.from(post.v));
    else if (current[0] !== 0) {
      arrived = true;
      assert.equal(current[0], i0, 'the current jumps by the weight');
      assert.deepEqual(Array.from(post.v), new Array(64).fill(p.eLeakMv), 'at rest when the current arrives');
    }
  }
  assert.ok(arrived, 'the spike arrived');
  return trace;
}

/** Largest deviation from the analytic PSP relative to its peak, and the relative error of the sampled peak. */
function pspErrors(p: LifParameters, receptor: 'exc' | 'inh', i0: number, dt: number, trace: number[][]) {
  const tau = receptor === 'exc' ? p.tauExcMs : p.tauInhMs;
  const sign = receptor === 'exc' ? 1 : -1;
  let peakWant = 0;
  let peakGot = 0;
  let maxDev = 0;
  trace.forEach((v, k) => {
    const want = analyticPsp(p, i0, tau, (k + 1) * dt);
    peakWant = Math.max(peakWant, want);
    for (const vi of v) {
      const got = sign * (vi - p.eLeakMv);
      peakGot = Math.max(peakGot, got);
      maxDev = Math.max(maxDev, Math.abs(got - want));
    }
  });
  return { peakMv: peakWant, timeCourse: maxDev / peakWant, peak: Math.abs(peakGot - peakWant) / peakWant };
}

test('exact integration follows the analytic PSP to ~1e-5 of its peak at dt 0.1 ms; exponential Euler is ~1% off', (t) => {
  const dt = 0.1;
  const previous = getBackend().name;
  try {
    for (const backend of backendNames()) {
      setBackend(backend);
      for (const [receptor, i0] of [
        ['exc', 500],
        ['inh', 300],
      ] as const) {
        const what = `${backend}, ${receptor} (tau ${receptor === 'exc' ? 5 : 20} ms, tau_m 20 ms)`;
        const errors = (integrator: LifParameters['integrator']) => {
          const p = { ...PSP_NEURON, integrator };
          return pspErrors(p, receptor, i0, dt, simulatePsp(p, receptor, i0, dt));
        };
        const exact = errors('exact');
        const euler = errors('exponential-euler');
        const measured =
          `exact: time course ${exact.timeCourse.toExponential(2)}, peak ${exact.peak.toExponential(2)}; ` +
          `exponential Euler: time course ${euler.timeCourse.toExponential(2)}, peak ${euler.peak.toExponential(2)} ` +
          `(relative to the ${exact.peakMv.toFixed(3)} mV peak)`;
        t.diagnostic(`${what}: ${measured}`);
        assert.ok(exact.peakMv > 1, `${what}: a PSP of a few mV (${exact.peakMv} mV)`);
        assert.ok(exact.timeCourse < 3e-5 && exact.peak < 3e-5, `${what}: exact within 3e-5; ${measured}`);
        // Euler holds I0 e^{-t/tau} over each step: about dt / (2 tau) too much charge (1% at tau 5 ms).
        const eulerExpected = dt / (2 * (receptor === 'exc' ? PSP_NEURON.tauExcMs : PSP_NEURON.tauInhMs));
        assert.ok(
          euler.timeCourse > 0.5 * eulerExpected && euler.timeCourse < 2 * eulerExpected,
          `${what}: exponential Euler about dt / (2 tau) = ${eulerExpected} off; ${measured}`,
        );
        assert.ok(euler.timeCourse > 50 * exact.timeCourse, `${what}: exact far closer; ${measured}`);
      }
    }
  } finally {
    setBackend(previous);
  }
});

test('the exact coefficient: the closed form away from tau_m, continuous through tau = tau_m, with dt/Cm e^{-dt/tau} there', () => {
  const p = PSP_NEURON;
  const dt = 0.1;
  const tauM = 20;
  const closedForm = (tau: number) =>
    ((tauM * tau) / (p.cmPf * (tau - tauM))) * (Math.exp(-dt / tau) - Math.exp(-dt / tauM));
  for (const tau of [1, 5, 10, 19, 21, 100]) {
    const c = exactCurrentCoefficient(p, tau, dt);
    assert.ok(Math.abs(c - closedForm(tau)) <= 1e-12 * c, `tau ${tau}: ${c} vs ${closedForm(tau)}`);
  }
  const atTauM = exactCurrentCoefficient(p, tauM, dt);
  assert.ok(Math.abs(atTauM - (dt / p.cmPf) * Math.exp(-dt / tauM)) <= 1e-15, `${atTauM}`);
  for (const eps of [1e-9, -1e-9, 1e-6, -1e-6]) {
    const c = exactCurrentCoefficient(p, tauM + eps, dt);
    assert.ok(Math.abs(c - atTauM) <= 1e-6 * atTauM, `tau_m + ${eps}: ${c} vs ${atTauM}`);
  }
  // Exponential Euler's gains are 1 (the block it had before the slots existed); the exact gains are slightly below
  // 1, since a decaying current delivers less charge over the step than one held at its start value.
  assert.deepEqual(lifSynapticGains(p, dt), [1, 1]);
  assert.deepEqual(lifSynapticGains({ ...p, integrator: 'exponential-euler' }, dt), [1, 1]);
  const [ge, gi] = lifSynapticGains({ ...p, integrator: 'exact' }, dt);
  assert.ok(ge > 0.98 && ge < gi && gi < 1, `gains ${ge}, ${gi}`);
});

test('every backend’s exact LIF step agrees with the reference, kernel and network, spike for spike', () => {
  const ref = getBackend('reference');
  // The kernel with the exact gains, 1003 neurons (vector path and scalar tail), three steps.
  const n = 1003;
  const rng = new Rng(11);
  const init = {
    v: Float32Array.from({ length: n }, () => -60 + 12 * rng.float()),
    exc: Float32Array.from({ length: n }, () => 300 * rng.float()),
    inh: Float32Array.from({ length: n }, () => 300 * rng.float()),
    input: Float32Array.from({ length: n }, () => 200 * rng.float()),
    refr: Int32Array.from({ length: n }, () => (rng.float() < 0.2 ? 1 + rng.int(5) : 0)),
  };
  const p = { ...CUBA_NEURON, eLeakMv: -60 };
  const dt = 0.1;
  const prm = new Float32Array(LifParam.SIZE);
  prm[LifParam.G_LEAK] = p.gLeakNs;
  prm[LifParam.CM] = p.cmPf;
  prm[LifParam.E_LEAK] = p.eLeakMv;
  prm[LifParam.BIAS] = 20;
  prm[LifParam.V_THRESH] = p.vThreshMv;
  prm[LifParam.V_RESET] = p.vResetMv;
  prm[LifParam.DT] = dt;
  prm[LifParam.DECAY_EXC] = Math.exp(-dt / p.tauExcMs);
  prm[LifParam.DECAY_INH] = Math.exp(-dt / p.tauInhMs);
  prm[LifParam.LEAK_DECAY] = Math.exp((-dt * p.gLeakNs) / p.cmPf);
  [prm[LifParam.EXC_GAIN], prm[LifParam.INH_GAIN]] = lifSynapticGains(p, dt);
  assert.ok(prm[LifParam.EXC_GAIN] < 1 && prm[LifParam.INH_GAIN] < 1, 'the exact gains');
  const runKernel = (name: string) => {
    const k = getBackend(name);
    const s = { v: init.v.slice(), exc: init.exc.slice(), inh: init.inh.slice(), refr: init.refr.slice() };
    const spikes = new Int32Array(n);
    const fired: number[][] = [];
    for (let step = 0; step < 3; step++) {
      const c = k.lifStep(n, s.v, s.exc, s.inh, init.input, s.refr, spikes, prm, false, 4);
      fired.push(Array.from(spikes.subarray(0, c)));
    }
    return { ...s, fired };
  };
  const want = runKernel('reference');
  assert.ok(want.fired.flat().length > 50, `some neurons fire (${want.fired.flat().length})`);
  // A feed-forward network (no recurrence, so that one float32 rounding cannot cascade), 1 s.
  const runNetwork = (name: string) => {
    const previous = getBackend().name;
    setBackend(name);
    try {
      const net = new Network(0.1);
      const pe = net.poisson('pe', 400, 14, 1);
      const pi = net.poisson('pi', 100, 10, 2);
      const g = net.lif('g', 203, { ...CUBA_NEURON, eLeakMv: -60 });
      net.connect(pe, g, {
        connector: { kind: 'fixed-probability', p: 0.1 },
        weight: 40,
        receptor: 'exc',
        seed: 3,
      });
      net.connect(pi, g, {
        connector: { kind: 'fixed-probability', p: 0.1 },
        weight: 60,
        receptor: 'inh',
        seed: 4,
      });
      const m = net.monitorSpikes(g);
      net.run(1000);
      return { indices: Array.from(m.indices), times: Array.from(m.times), v: Array.from(g.v) };
    } finally {
      setBackend(previous);
    }
  };
  const wantNet = runNetwork('reference');
  assert.ok(wantNet.indices.length > 500, `the network fires (${wantNet.indices.length} spikes)`);
  assert.ok(backendNames().includes('wasm-simd'), `backends: ${backendNames().join(', ')}`);
  for (const name of backendNames().filter((b) => b !== ref.name)) {
    const got = runKernel(name);
    assert.deepEqual(got.fired, want.fired, `${name} kernel: spikes`);
    assert.deepEqual(got.refr, want.refr, `${name} kernel: refractory counts`);
    for (const key of ['v', 'exc', 'inh'] as const)
      got[key].forEach((x, i) =>
        assert.ok(
          Math.abs(x - want[key][i]) <= 1e-5 * (1 + Math.abs(want[key][i])),
          `${name} kernel ${key}[${i}]: ${x} vs ${want[key][i]}`,
        ),
      );
    const gotNet = runNetwork(name);
    assert.deepEqual(gotNet.indices, wantNet.indices, `${name} network: spike indices`);
    assert.deepEqual(gotNet.times, wantNet.times, `${name} network: spike times`);
    gotNet.v.forEach((x, i) =>
      assert.ok(Math.abs(x - wantNet.v[i]) <= 1e-3, `${name} network v[${i}]: ${x} vs ${wantNet.v[i]}`),
    );
  }
});

test('integrator: exact with conductance synapses, or an unknown integrator, is a one-line ConfigError', () => {
  const conductance: LifParameters = {
    ...PSP_NEURON,
    synapse: 'conductance',
    eExcMv: 0,
    eInhMv: -80,
    integrator: 'exact',
  };
  assert.throws(
    () => new Network(0.1).lif('cortex', 10, conductance),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^cortex\.integrator: exact needs synapse 'current'.*found synapse 'conductance'/.test(e.message) &&
      !e.message.includes('\n'),
  );
  assert.throws(
    () => new LifGroup('g', 4, { ...PSP_NEURON, integrator: 'rk4' as 'exact' }, 0.1),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'g.integrator: expected exponential-euler or exact, found "rk4"',
  );
  // Conductance synapses with the default or explicit exponential Euler are fine.
  new LifGroup('ok', 4, { ...conductance, integrator: undefined }, 0.1);
  new LifGroup('ok2', 4, { ...conductance, integrator: 'exponential-euler' }, 0.1);
});

test('integrator omitted is exponential Euler, spike for spike', () => {
  const run = (integrator: LifParameters['integrator']) => {
    const net = new Network(0.1);
    const pe = net.poisson('pe', 200, 20, 5);
    const g = net.lif('g', 100, { ...PSP_NEURON, vThreshMv: -55, integrator });
    net.connect(pe, g, {
      connector: { kind: 'fixed-probability', p: 0.2 },
      weight: 60,
      receptor: 'exc',
      seed: 6,
    });
    const m = net.monitorSpikes(g);
    net.run(300);
    return { indices: Array.from(m.indices), v: Array.from(g.v) };
  };
  const omitted = run(undefined);
  assert.ok(omitted.indices.length > 20, `${omitted.indices.length} spikes`);
  assert.deepEqual(run('exponential-euler'), omitted);
  assert.notDeepEqual(run('exact'), omitted);
});
