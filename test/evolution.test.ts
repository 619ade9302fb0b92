import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BENCHMARKS,
  competitiveSwarm,
  crowdingDistance,
  dominanceProbability,
  dominates,
  expectedDominators,
  hypervolume,
  igd,
  nonDominatedSort,
  normalCdf,
  nsga2,
  probabilityBetter,
  runSearch,
  evaluationSeed,
  type Problem,
  type Strategy,
  type StrategyState,
} from '../src/evolution/index.js';
import { Rng } from '../src/util/rng.js';

const randomPoints = (rng: Rng, n: number, m: number) =>
  Array.from({ length: n }, () => Array.from({ length: m }, () => rng.float()));

/** Hypervolume by inclusion-exclusion over every subset (the oracle for small sets). */
function hypervolumeBySubsets(points: number[][], ref: number[]): number {
  let total = 0;
  const n = points.length;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = ref.map((_, k) => Math.max(...points.filter((_, i) => mask & (1 << i)).map((p) => p[k])));
    const box = ref.reduce((v, r, k) => v * Math.max(0, r - corner[k]), 1);
    const bits = mask.toString(2).replace(/0/g, '').length;
    total += bits % 2 === 1 ? box : -box;
  }
  return total;
}

test('pareto: non-dominated sorting puts each point one front after a point that dominates it', () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 20; trial++) {
    const pts = randomPoints(rng, 40, 1 + (trial % 3) + 1);
    const fronts = nonDominatedSort(pts);
    assert.equal(
      fronts.reduce((s, f) => s + f.length, 0),
      pts.length,
    );
    fronts.forEach((front, r) => {
      for (const i of front) {
        for (const later of fronts.slice(r)) for (const j of later) assert.ok(!dominates(pts[j], pts[i]));
        if (r > 0) assert.ok(fronts[r - 1].some((j) => dominates(pts[j], pts[i])));
      }
    });
  }
});

test('pareto: crowding distance gives the extremes Infinity and the inner points their normalised gaps', () => {
  const d = crowdingDistance([
    [0, 4],
    [1, 2],
    [2, 1],
    [4, 0],
  ]);
  assert.equal(d[0], Infinity);
  assert.equal(d[3], Infinity);
  assert.ok(Math.abs(d[1] - (2 / 4 + 3 / 4)) < 1e-12);
  assert.ok(Math.abs(d[2] - (3 / 4 + 2 / 4)) < 1e-12);
});

test('hypervolume: exact in 2 and 3 objectives (inclusion-exclusion), estimated beyond', () => {
  assert.equal(
    hypervolume(
      [
        [1, 3],
        [2, 2],
        [3, 1],
      ],
      [4, 4],
    ),
    6,
  );
  const rng = new Rng(2);
  for (let trial = 0; trial < 30; trial++) {
    const m = 2 + (trial % 2);
    const pts = randomPoints(rng, 2 + (trial % 7), m);
    const ref = new Array<number>(m).fill(1.1);
    assert.ok(Math.abs(hypervolume(pts, ref) - hypervolumeBySubsets(pts, ref)) < 1e-12, `trial ${trial}`);
  }
  const pts4 = randomPoints(rng, 6, 4);
  const exact4 = hypervolumeBySubsets(pts4, [1, 1, 1, 1]);
  assert.ok(Math.abs(hypervolume(pts4, [1, 1, 1, 1], { samples: 200_000 }) - exact4) < 0.02 * exact4 + 1e-3);
  // Points outside the reference box add nothing.
  assert.equal(hypervolume([[2, 0]], [1, 1]), 0);
});

test('hypervolume and IGD of the benchmarks known fronts: ZDT1 2/3, ZDT2 1/3 (ref 1,1), DTLZ2 1 - pi/6', () => {
  const z1 = BENCHMARKS.zdt1().front(2000);
  assert.ok(Math.abs(hypervolume(z1, [1, 1]) - 2 / 3) < 1e-3);
  assert.ok(Math.abs(hypervolume(BENCHMARKS.zdt2().front(2000), [1, 1]) - 1 / 3) < 1e-3);
  const d2 = BENCHMARKS.dtlz2().front(1000);
  const hv = hypervolume(d2, [1, 1, 1]);
  assert.ok(hv < 1 - Math.PI / 6 && hv > 1 - Math.PI / 6 - 0.03, `dtlz2 ${hv}`);
  for (const p of d2) assert.ok(Math.abs(Math.hypot(...p) - 1) < 1e-12);
  assert.equal(igd(z1, z1), 0);
  // A front moved off by 0.1 in both costs is about 0.1 * sqrt(2) away (a straight front: exactly).
  const line = Array.from({ length: 101 }, (_, i) => [i / 100, 1 - i / 100]);
  const moved = line.map(([a, b]) => [a + 0.1, b + 0.1]);
  assert.ok(Math.abs(igd(moved, line) - 0.1 * Math.SQRT2) < 1e-9);
});

test('benchmarks: a genome on the front evaluates onto the front; bad options are named', () => {
  const z3 = BENCHMARKS.zdt3({ genes: 5 });
  const x = [0.3, 0, 0, 0, 0];
  const [f1, f2] = z3.evaluate(x, 0) as number[];
  assert.ok(Math.abs(f2 - (1 - Math.sqrt(0.3) - 0.3 * Math.sin(3 * Math.PI))) < 1e-12 && f1 === 0.3);
  const d = BENCHMARKS.dtlz2({ objectives: 4 });
  const f = d.evaluate([0.2, 0.7, 0.4, ...new Array<number>(9).fill(0.5)], 0) as number[];
  assert.ok(Math.abs(Math.hypot(...f) - 1) < 1e-12 && f.length === 4);
  assert.throws(
    () => BENCHMARKS.zdt1({ genes: 1 }, 'problem'),
    /problem\.genes: expected an integer >= 2, found 1/,
  );
  assert.throws(() => BENCHMARKS['noisy-zdt1']({ noise: -1 }), /noise: expected a number >= 0, found -1/);
  // A noisy evaluation is a pure function of genome and seed.
  const noisy = BENCHMARKS['noisy-zdt1']();
  const g = new Array<number>(30).fill(0.1);
  assert.deepEqual(noisy.evaluate(g, 5), noisy.evaluate(g, 5));
  assert.notDeepEqual(noisy.evaluate(g, 5), noisy.evaluate(g, 6));
});

test('noisy comparisons: Phi, the probability of being better, and expected dominators', () => {
  assert.ok(Math.abs(normalCdf(1) - 0.8413447461) < 2e-7);
  assert.ok(Math.abs(normalCdf(-1.96) - 0.0249978952) < 2e-7);
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-8);
  const a = { mean: [1, 2], variance: [0.5, 0.5], n: 5 };
  const b = { mean: [1.5, 2], variance: [0.3, 0.5], n: 3 };
  const z = 0.5 / Math.sqrt(0.5 / 5 + 0.3 / 3);
  assert.ok(Math.abs(probabilityBetter(a, b, 0) - normalCdf(z)) < 1e-15);
  assert.ok(Math.abs(dominanceProbability(a, b) - normalCdf(z) * normalCdf(0)) < 1e-15);
  // Without noise, plain dominance: a tie in one cost and a win in the other dominates.
  const exact = (mean: number[]) => ({ mean, variance: [0, 0], n: 1 });
  assert.equal(dominanceProbability(exact([1, 2]), exact([1, 3])), 1);
  assert.equal(dominanceProbability(exact([1, 3]), exact([1, 2])), 0);
  assert.deepEqual(
    [...expectedDominators([exact([0, 0]), exact([1, 1]), exact([2, 2]), exact([0, 3])])],
    [0, 1, 2, 1],
  );
});

/** The IGD and hypervolume of a strategy's final front on a benchmark. */
async function solve(name: keyof typeof BENCHMARKS, strategy: Strategy, generations: number, seed = 0) {
  const problem = BENCHMARKS[name]();
  const r = await runSearch({ problem, strategy, seed, termination: { generations } });
  const front = r.elites.map((e) => e.costs.mean);
  return { igd: igd(front, problem.front(500)), front, evaluations: r.checkpoint.evaluations };
}

test('NSGA-II: ZDT1-3 and DTLZ2 fronts (IGD to the analytic front, hypervolume against its known value)', async () => {
  const zdt1 = await solve('zdt1', nsga2({ populationSize: 100 }), 200);
  assert.ok(zdt1.igd < 0.01, `zdt1 igd ${zdt1.igd}`);
  assert.ok(
    hypervolume(zdt1.front, [1.1, 1.1]) > 0.98 * (1.21 - 1 / 3),
    `zdt1 hv ${hypervolume(zdt1.front, [1.1, 1.1])}`,
  );
  const zdt2 = await solve('zdt2', nsga2({ populationSize: 100 }), 200);
  assert.ok(zdt2.igd < 0.01, `zdt2 igd ${zdt2.igd}`);
  assert.ok(
    hypervolume(zdt2.front, [1.1, 1.1]) > 0.97 * (1.21 - 2 / 3),
    `zdt2 hv ${hypervolume(zdt2.front, [1.1, 1.1])}`,
  );
  const zdt3 = await solve('zdt3', nsga2({ populationSize: 100 }), 200);
  assert.ok(zdt3.igd < 0.01, `zdt3 igd ${zdt3.igd}`);
  const trueZdt3 = hypervolume(BENCHMARKS.zdt3().front(2000), [1.1, 1.1]);
  assert.ok(
    hypervolume(zdt3.front, [1.1, 1.1]) > 0.98 * trueZdt3,
    `zdt3 hv ${hypervolume(zdt3.front, [1.1, 1.1])} of ${trueZdt3}`,
  );
  const dtlz2 = await solve('dtlz2', nsga2({ populationSize: 100 }), 200);
  assert.ok(dtlz2.igd < 0.1, `dtlz2 igd ${dtlz2.igd}`);
  // A hundred points cover less than the whole sphere: compare with a lattice of about as many. Crowding distance
  // spreads points unevenly in three objectives (why NSGA-III exists), so NSGA-II gets 90%, not all, of the lattice's.
  const lattice = hypervolume(BENCHMARKS.dtlz2().front(100), [1.1, 1.1, 1.1]);
  assert.ok(
    hypervolume(dtlz2.front, [1.1, 1.1, 1.1]) > 0.9 * lattice,
    `dtlz2 hv ${hypervolume(dtlz2.front, [1.1, 1.1, 1.1])} of ${lattice}`,
  );
});

test('NSGA-II: constrained dominance keeps the front feasible', async () => {
  const base = BENCHMARKS.zdt1({ genes: 10 });
  const problem: Problem = { ...base, name: 'zdt1-x0>=0.3', violation: (x) => Math.max(0, 0.3 - x[0]) };
  const r = await runSearch({
    problem,
    strategy: nsga2({ populationSize: 40 }),
    seed: 3,
    termination: { generations: 60 },
  });
  assert.ok(r.elites.length > 10);
  for (const e of r.elites) assert.ok(e.x[0] >= 0.3 && e.violation === 0);
});

test('competitive swarm: the ZDT1 front without noise', async () => {
  const r = await solve('zdt1', competitiveSwarm({ populationSize: 100 }), 400);
  assert.ok(r.igd < 0.01, `igd ${r.igd}`);
});

test('competitive swarm on noisy ZDT1: probabilistic dominance beats plain dominance at the same budget', async (t) => {
  const problem = BENCHMARKS['noisy-zdt1']({ noise: 0.2 });
  const front = problem.front(200);
  const trueIgd = async (dominance: 'probabilistic' | 'plain', seed: number) => {
    const r = await runSearch({
      problem,
      strategy: competitiveSwarm({ populationSize: 60, dominance }),
      seed,
      termination: { generations: 300 },
      repeats: 4,
    });
    return igd(
      r.elites.map((e) => problem.noiseless!(e.x)),
      front,
    );
  };
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
  const prob = await Promise.all(seeds.map((s) => trueIgd('probabilistic', s)));
  const plain = await Promise.all(seeds.map((s) => trueIgd('plain', s)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  t.diagnostic(
    `noiseless IGD, seeds 0-7: probabilistic ${prob.map((v) => v.toFixed(3))} (mean ${mean(prob).toFixed(3)}); plain ${plain.map((v) => v.toFixed(3))} (mean ${mean(plain).toFixed(3)})`,
  );
  assert.ok(mean(prob) < 0.8 * mean(plain), `probabilistic ${mean(prob)} vs plain ${mean(plain)}`);
  assert.ok(prob.filter((v, i) => v < plain[i]).length >= 6, `wins ${prob.map((v, i) => v < plain[i])}`);
});

test('search: the same seed gives the same numbers; a checkpoint through JSON continues exactly', async () => {
  for (const make of [
    () => nsga2({ populationSize: 20 }) as unknown as Strategy<StrategyState>,
    () => competitiveSwarm({ populationSize: 20 }) as unknown as Strategy<StrategyState>,
  ]) {
    const problem = BENCHMARKS['noisy-zdt1']({ genes: 8 });
    const whole = await runSearch({
      problem,
      strategy: make(),
      seed: 9,
      termination: { generations: 12 },
      repeats: 2,
    });
    const again = await runSearch({
      problem,
      strategy: make(),
      seed: 9,
      termination: { generations: 12 },
      repeats: 2,
    });
    assert.deepEqual(again.checkpoint, whole.checkpoint);
    let saved = '';
    await runSearch({
      problem,
      strategy: make(),
      seed: 9,
      termination: { generations: 5 },
      repeats: 2,
      onGeneration: (_, cp) => {
        saved = JSON.stringify(cp);
      },
    });
    const resumed = await runSearch({
      problem,
      strategy: make(),
      seed: 9,
      termination: { generations: 12 },
      repeats: 2,
      resumeFrom: JSON.parse(saved),
    });
    assert.deepEqual(resumed.checkpoint, whole.checkpoint);
    assert.equal(whole.history.length, 12);
    assert.deepEqual(resumed.history, whole.history.slice(5));
  }
  assert.equal(evaluationSeed(1, 2, 3, 4), evaluationSeed(1, 2, 3, 4));
  assert.notEqual(evaluationSeed(1, 2, 3, 4), evaluationSeed(1, 2, 3, 5));
});

test('search: objectives to maximise, hypervolume per generation, and bad input named before any work', async () => {
  const problem: Problem = {
    name: 'max-min',
    low: [0],
    high: [1],
    objectives: [
      { name: 'gain', direction: 'max' },
      { name: 'cost', direction: 'min' },
    ],
    evaluate: (x) => [x[0], x[0] * x[0]],
  };
  const r = await runSearch({
    problem,
    strategy: nsga2({ populationSize: 20 }),
    seed: 0,
    termination: { generations: 10 },
    referencePoint: [0, 1],
  });
  const last = r.history.at(-1)!;
  assert.ok(last.best.gain > 0.95 && last.best.cost < 0.01, JSON.stringify(last.best));
  assert.ok(last.hypervolume! > 0.6 && last.hypervolume! <= 2 / 3, String(last.hypervolume));
  const swarm = competitiveSwarm() as unknown as Strategy<StrategyState>;
  await assert.rejects(
    runSearch({ problem, strategy: swarm, seed: 0, termination: {} }),
    /termination: expected at least one of generations, evaluations, targetCost/,
  );
  await assert.rejects(
    runSearch({ problem: BENCHMARKS.sphere(), strategy: swarm, seed: 0, termination: { generations: 1 } }),
    /competitive-swarm needs several objectives; the problem has 1/,
  );
  const noDirection = {
    ...problem,
    objectives: [{ name: 'gain' }, { name: 'cost', direction: 'min' }],
  } as unknown as Problem;
  await assert.rejects(
    runSearch({ problem: noDirection, strategy: swarm, seed: 0, termination: { generations: 1 } }),
    /objectives\.gain\.direction: expected "min" or "max", found nothing/,
  );
  const badBounds = { ...problem, low: [1], high: [0] };
  await assert.rejects(
    runSearch({ problem: badBounds, strategy: swarm, seed: 0, termination: { generations: 1 } }),
    /bounds\[0\]: expected finite low < high, found low 1, high 0/,
  );
  assert.throws(
    () => nsga2({ populationSize: 7 }, 'evolve.strategy'),
    /evolve\.strategy\.populationSize: expected an even number, found 7/,
  );
  assert.throws(
    () => competitiveSwarm({ dominance: 'fuzzy' as 'plain' }),
    /dominance: expected "probabilistic" or "plain", found "fuzzy"/,
  );
});
