import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { IN_CI, testNeeding } from './helpers.js';
import { runPythonAnchor } from '../src/bench/anchors.js';
import { Network, songStdpNetwork, songWeightStats } from '../src/spiking/index.js';
import { PairStdp } from '../src/spiking/stdp.js';
import { SparsePoissonGroup } from '../src/spiking/index.js';

/** Weight change of one pre and one post spike at the given times (both prescribed spike trains). */
function pairChange(tPreMs: number, tPostMs: number, rule: PairStdp): number {
  const net = new Network(0.1);
  const pre = net.spikeSource('pre', 1, [0], [tPreMs]);
  const post = net.spikeSource('post', 1, [0], [tPostMs]);
  const proj = net.connect(pre, post, {
    connector: { kind: 'one-to-one' },
    weight: 0.5,
    receptor: 'exc',
    seed: 1,
    plasticity: rule,
  });
  net.run(Math.max(tPreMs, tPostMs) + 50);
  return proj.weight[0] - 0.5;
}

test("PairStdp's sameStep option: Brian2's order pairs a pre and a post spike of one step as pre-before-post", () => {
  const params = { aPlus: 0.01, aMinus: 0.0105, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 };
  // Brian2 2.5.1 measured (two SpikeGeneratorGroups, the example's synapse): +1.0 dApre for the same step,
  // +exp(-2/20) for post 2 ms later, -1.05 exp(-2/20) for pre 2 ms later.
  const brian = new PairStdp({ ...params, sameStep: 'pre-before-post' });
  assert.ok(Math.abs(pairChange(10, 10, brian) - 0.01) < 1e-7, 'same step: +aPlus');
  assert.equal(pairChange(10, 10, new PairStdp(params)), 0, 'default: a same-step pair does not pair');
  for (const rule of [
    () => new PairStdp(params),
    () => new PairStdp({ ...params, sameStep: 'pre-before-post' }),
  ]) {
    assert.ok(Math.abs(pairChange(10, 12, rule()) - 0.01 * Math.exp(-0.1)) < 1e-6);
    assert.ok(Math.abs(pairChange(12, 10, rule()) + 0.0105 * Math.exp(-0.1)) < 1e-6);
  }
  assert.throws(
    () => new PairStdp({ ...params, sameStep: 'both' as 'none' }),
    /stdp\.sameStep: expected none or pre-before-post, found both/,
  );
});

test('SparsePoissonGroup draws the per-step Bernoulli process of PoissonGroup, per spike, seeded', () => {
  const run = (seed: number) => {
    const g = new SparsePoissonGroup('in', 200, 40, 0.1, seed);
    const counts = new Int32Array(200);
    const first: number[] = [];
    const gaps: number[] = [];
    const last = new Float64Array(200).fill(-1);
    for (let s = 0; s < 100_000; s++) {
      g.step();
      for (let k = 0; k < g.spikes.length; k++) {
        const i = g.spikes[k];
        if (k > 0) assert.ok(i > g.spikes[k - 1], 'ascending, no input twice in a step');
        counts[i]++;
        if (last[i] >= 0) gaps.push(s - last[i]);
        last[i] = s;
        if (first.length < 20) first.push(s * 1000 + i);
      }
    }
    return { counts, first, gaps };
  };
  const a = run(3);
  assert.deepEqual(run(3).first, a.first, 'same seed, same spikes');
  assert.notDeepEqual(run(4).first, a.first);
  // 200 inputs x 10 s x 40 Hz = 80000 spikes expected (sd 283).
  const total = a.counts.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(total - 80_000) < 1200, `total ${total}`);
  // Gaps in steps are geometric with p = 0.004: mean 1 / p = 250, variance (1 - p) / p^2.
  const mean = a.gaps.reduce((x, y) => x + y, 0) / a.gaps.length;
  const variance = a.gaps.reduce((x, y) => x + (y - mean) ** 2, 0) / a.gaps.length;
  assert.ok(Math.abs(mean - 250) < 3, `mean gap ${mean}`);
  assert.ok(Math.abs(variance / (0.996 / 0.004 ** 2) - 1) < 0.03, `gap variance ${variance}`);
  assert.ok(Math.min(...a.gaps) >= 1);
  assert.ok(a.gaps.filter((x) => x === 1).length > 0, 'consecutive steps happen (p per step)');
  const always = new SparsePoissonGroup('all', 3, 10_000, 0.1, 1);
  always.step();
  always.step();
  assert.deepEqual(Array.from(always.spikes), [0, 1, 2], 'rate x dt = 1: every step');
  assert.throws(
    () => new SparsePoissonGroup('x', 3, 20_000, 0.1, 1),
    /x\.rateHz: expected rate x dt in \[0, 1\]/,
  );
});

/** Our preset's statistics after `seconds`, for each seed. */
function ours(seeds: number[], seconds: number) {
  return seeds.map((seed) => {
    const s = songStdpNetwork({ seed });
    s.net.run(seconds * 1000);
    const w = s.projection.weight;
    const stats = songWeightStats(w, s.gmaxNs);
    let near = 0;
    for (const x of w) if (x < 0.1 * s.gmaxNs || x > 0.9 * s.gmaxNs) near++;
    return {
      rate: s.spikes.times.length / seconds,
      cv: s.spikes.meanCvIsi(),
      fraction_above_half: stats.fractionAboveHalf,
      mean_over_gmax: stats.meanOverGmax,
      near_bounds: near / w.length,
      times: s.spikes.times,
      weights: w,
      gmaxNs: s.gmaxNs,
    };
  });
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

test('the Song, Miller & Abbott network: same seed, same run; 100 s of STDP push the weights to the bounds', () => {
  const [a] = ours([5], 100);
  const short = () => {
    const s = songStdpNetwork({ seed: 5 });
    s.net.run(2000);
    return s.spikes.times;
  };
  assert.deepEqual(short(), short(), 'same seed, same spikes');
  assert.deepEqual(short(), a.times.slice(0, short().length));
  // The uniform start has 20% of the weights within 10% of a bound; competition drives them apart (bimodal).
  const histogram = new Array(10).fill(0);
  for (const w of a.weights) histogram[Math.min(9, Math.floor((10 * w) / a.gmaxNs))]++;
  assert.ok(a.near_bounds > 0.35, `near bounds ${a.near_bounds}`);
  const middle = Math.max(...histogram.slice(3, 7));
  assert.ok(histogram[0] > 2 * middle && histogram[9] > 2 * middle, `U-shaped: ${histogram}`);
  // The output rate falls as the weights compete (about 42 Hz over the first 10 s, about 22 Hz over the last).
  const rateIn = (t0: number, t1: number) =>
    a.times.filter((t) => t >= t0 && t < t1).length / ((t1 - t0) / 1000);
  assert.ok(
    rateIn(0, 10_000) > 1.4 * rateIn(90_000, 100_000),
    `${rateIn(0, 10_000)} vs ${rateIn(90_000, 100_000)}`,
  );
});

// Brian2 is installed by .ci/run; elsewhere this is skipped with the reason (under CI=true it fails).
testNeeding(
  ['brian2'],
  'the Song, Miller & Abbott network: rate, ISI CV and final weights agree with Brian2 within 10% over 6 seeds',
  (t) => {
    // The anchor builds Brian2's C++ standalone mode, which needs a compiler.
    if (spawnSync('g++', ['--version']).status !== 0) {
      const why = "needs g++ for Brian2's C++ standalone mode: apt-get install g++";
      if (IN_CI) assert.fail(`CI=true: ${why}`);
      return t.skip(why);
    }
    const seconds = 100;
    const seeds = [1, 2, 3, 4, 5, 6];
    // Six independent replicates in one Brian2 run (one compilation), the example's network and 100 s, with
    // exponential Euler as ours (the example's Euler fires about 10% less at fixed weights: NOTES-song.md).
    const { result, reason } = runPythonAnchor(
      'brian2_song_stdp_stats.py',
      ['1', String(seconds), String(seeds.length), '--method', 'exponential_euler'],
      600_000,
    );
    assert.ok(result, `Brian2 anchor failed: ${reason}`);
    const brian = result as Record<string, number[]>;
    const mine = ours(seeds, seconds);
    const keys = ['rate', 'cv', 'fraction_above_half', 'mean_over_gmax', 'near_bounds'] as const;
    const lines = keys.map((k) => {
      const a = mean(mine.map((r) => r[k]));
      const b = mean(brian[k]);
      return { k, a, b, rel: Math.abs(a - b) / b };
    });
    const report = lines.map((l) => `${l.k}: ours ${l.a.toFixed(4)}, Brian2 ${l.b.toFixed(4)}`).join('; ');
    t.diagnostic(`${report} (Brian2 compile and run ${Number(brian.wall_s).toFixed(1)} s)`);
    for (const l of lines)
      assert.ok(l.rel < 0.1, `${l.k} differs by ${(100 * l.rel).toFixed(1)}%: ${report}`);
    // The weight means move little from the uniform start's 0.5 (to about 0.47), so 10% would pass without any
    // learning: they are held tighter, to several times their seed-to-seed spread (sd 0.003 and 0.008).
    const [, , frac, meanW, near] = lines;
    assert.ok(Math.abs(meanW.a - meanW.b) < 0.008, report);
    assert.ok(Math.abs(frac.a - frac.b) < 0.02, report);
    assert.ok(near.a > 0.35 && near.b > 0.35, `both split toward the bounds: ${report}`);
  },
);
