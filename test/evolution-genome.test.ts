import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RATE_SIGNALS,
  RuleGenome,
  SPIKING_SIGNALS,
  expandTerms,
  spikingRuleProblem,
  spikingTermGroups,
  termName,
  threeFactorTerms,
} from '../src/evolution/index.js';
import { Network, PairStdp, TaylorRule } from '../src/spiking/index.js';

const names = (terms: number[][]) => terms.map((p) => termName(p, SPIKING_SIGNALS));
const SEVENTEEN = [
  'L1_Htr3a',
  ...['L23', 'L4', 'L5', 'L6'].flatMap((l) => ['Exc', 'Pvalb', 'Sst', 'Htr3a'].map((c) => `${l}_${c}`)),
];

/** Genes for `genome` with the named terms' gates open and every coefficient `value` (other genes mid-range). */
function genesWith(genome: RuleGenome, open: string[], value = 1): number[] {
  const genes = genome.low.map((lo, i) => (lo + genome.high[i]) / 2);
  const p = genome.parts;
  const termNames = genome.terms.map((t) => termName(t, genome.signals));
  for (let t = 0; t < p.gates; t++) genes[t] = open.includes(termNames[t]) ? 1 : 0;
  for (let c = 0; c < p.coefficients; c++) genes[p.gates + c] = value;
  return genes;
}

test('genome terms: 37 monomials to order 3 with S^2 = S and no R^2; the default list keeps 25', () => {
  const all = expandTerms(SPIKING_SIGNALS, 3);
  assert.equal(all.length, 37);
  assert.ok(!names(all).some((n) => /S_(pre|post)\^|R\^/.test(n)));
  const kept = threeFactorTerms();
  assert.equal(kept.length, 25);
  // The study's best rule is expressible: dW = X_post + S_pre X_pre + S_post X_pre + X_post^2 + X_post R.
  for (const t of ['X_post', 'S_pre X_pre', 'S_post X_pre', 'X_post^2', 'X_post R'])
    assert.ok(names(kept).includes(t), t);
  assert.equal(expandTerms(RATE_SIGNALS, 3).length, 19);
});

test('genome size: the study network (17 neuron types, 289 synapse types) builds, and sharing sets the count', () => {
  const groups = spikingTermGroups(threeFactorTerms());
  assert.equal(new Set(groups).size, 9);
  const study = new RuleGenome({ neuronTypes: SEVENTEEN, termGroups: groups });
  assert.equal(study.synapseTypes.length, 289);
  // 289 synapse types x 9 term groups + 25 gates + 17 eligibility time constants + tau_R.
  assert.deepEqual(study.parts, { gates: 25, coefficients: 2601, tauEligibility: 17, tauReward: 1 });
  assert.equal(study.size, 2644);
  const perTerm = new RuleGenome({ neuronTypes: SEVENTEEN });
  assert.equal(perTerm.size, 289 * 25 + 25 + 17 + 1);
  assert.equal(
    new RuleGenome({ neuronTypes: SEVENTEEN, coefficientSharing: 'pre-type' }).parts.coefficients,
    17 * 25,
  );
  assert.equal(
    new RuleGenome({ neuronTypes: SEVENTEEN, coefficientSharing: 'shared' }).parts.coefficients,
    25,
  );
  const oja = new RuleGenome({
    neuronTypes: ['in', 'out'],
    signals: [...RATE_SIGNALS],
    gates: false,
    synapseTypes: [['in', 'out']],
  });
  assert.deepEqual(oja.parts, { gates: 0, coefficients: 19, tauEligibility: 0, tauReward: 0 });
});

test('genome: decoding, the equation largest terms first, active terms, and JSON round trip', () => {
  const genome = new RuleGenome({ neuronTypes: ['E', 'I'] });
  const genes = genesWith(genome, ['X_post', 'S_pre X_pre', 'S_post X_pre', 'X_post^2', 'X_post R'], 0.5);
  // One coefficient made larger, one negative, for E->E only.
  const row = genome.rowKeys.indexOf('E->E');
  const at = (term: string) =>
    genome.parts.gates + row * genome.groupCount + names(genome.terms as number[][]).indexOf(term);
  genes[at('X_post R')] = 0.9;
  genes[at('S_pre X_pre')] = -0.7;
  const rule = genome.decode(genes);
  assert.equal(genome.activeTerms(rule), 5);
  assert.equal(
    genome.equation(rule, { synapseType: ['E', 'E'] }),
    'dW = 0.90 X_post R - 0.70 S_pre X_pre + 0.50 X_post + 0.50 X_post^2 + 0.50 S_post X_pre',
  );
  assert.equal(
    genome.equation(rule, { synapseType: ['I', 'E'], coefficients: false }),
    'dW = X_post + X_post R + X_post^2 + S_post X_pre + S_pre X_pre',
  );
  const reloaded = RuleGenome.fromJSON(JSON.parse(JSON.stringify(genome.toJSON(genes))));
  assert.deepEqual(reloaded.genome.decode(reloaded.genes), rule);
  assert.equal(genome.equation(genome.decode(genesWith(genome, []))), 'dW = 0');
});

test('genome: a decoded rule compiles to the simulator Taylor rule and runs as pair STDP does', () => {
  const genome = new RuleGenome({
    neuronTypes: ['pre', 'post'],
    synapseTypes: [['pre', 'post']],
    terms: [
      [1, 0, 0, 1, 0], // S_pre X_post: depression
      [0, 1, 1, 0, 0], // S_post X_pre: potentiation
    ],
    tauEligibilityMs: [1, 50],
  });
  // gates open; coefficients -1 and 0.002 / 0.0024; tau_E 16.8 (pre) and 33.7 (post); tau_R (unused).
  const genes = [1, 1, -1, 0.002 / 0.0024, 16.8, 33.7, 10];
  const params = genome.taylorRule(genome.decode(genes), 'pre', 'post', { wMax: 100, learningRate: 0.0024 });
  const run = (rule: PairStdp | TaylorRule) => {
    const net = new Network(0.1);
    const pre = net.poisson('pre', 20, 30, 5);
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
  const stdp = run(
    new PairStdp({ aPlus: 0.002, aMinus: 0.0024, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 100 }),
  );
  const evolved = run(new TaylorRule(params));
  let moved = 0;
  stdp.forEach((w, k) => {
    assert.ok(Math.abs(w - evolved[k]) < 1e-5, `synapse ${k}: ${w} vs ${evolved[k]}`);
    if (Math.abs(w - 0.5) > 1e-3) moved++;
  });
  assert.ok(moved > 100);
  // Adaptive scaling, outside the rule: a tenth of every coefficient changes nothing; without it, everything.
  const adaptiveScaling = { stepFraction: 1e-3, averagingSteps: 100 };
  const tenth = genes.map((g, i) => (i === 2 || i === 3 ? g / 10 : g));
  const scaled = (g: number[], scaling = true) =>
    run(
      new TaylorRule(
        genome.taylorRule(genome.decode(g), 'pre', 'post', {
          wMax: 1,
          ...(scaling ? { adaptiveScaling } : {}),
        }),
      ),
    );
  assert.deepEqual(
    genome.taylorRule(genome.decode(genes), 'pre', 'post', { wMax: 1, adaptiveScaling }).adaptiveScaling,
    adaptiveScaling,
  );
  const full = scaled(genes);
  const small = scaled(tenth);
  full.forEach((w, k) => assert.ok(Math.abs(w - small[k]) < 1e-6, `synapse ${k}: ${w} vs ${small[k]}`));
  assert.ok(full.filter((w) => Math.abs(w - 0.5) > 1e-3).length > 100, 'the scaled rule moves the weights');
  const unscaled = scaled(tenth, false);
  assert.ok(
    unscaled.some((w, k) => Math.abs(w - full[k]) > 1e-3),
    'without scaling, the scale of the coefficients matters',
  );
});

test('the spiking-rule problem takes adaptive scaling: then the scale of the coefficients no longer changes its objectives', async () => {
  const evaluate = async (options: Record<string, unknown>, scale: number) => {
    const problem = spikingRuleProblem({ simulatedMs: 200, ...options });
    // Gates open, coefficients 0.6 x scale (the genes in [-1, 1]), time constants mid-range.
    const x = problem.low.map((lo, i) =>
      lo === -1 ? 0.6 * scale : lo === 0 ? 1 : (lo + problem.high[i]) / 2,
    );
    return problem.evaluate(x, 3);
  };
  const scaled = { stepFraction: 0.002, averagingSteps: 500 };
  const full = await evaluate(scaled, 1);
  assert.deepEqual(await evaluate(scaled, 0.1), full);
  assert.ok(full[1] > 0, `weights move (${full[1]})`);
  assert.notDeepEqual(await evaluate({}, 0.1), await evaluate({}, 1));
  assert.throws(
    () => spikingRuleProblem({ stepFraction: 2 }),
    /problem\.stepFraction: expected a number in \[0, 1\]/,
  );
});

test('genome: bad specs, genes and networks are named before any work', () => {
  assert.throws(() => new RuleGenome({ neuronTypes: [] }), /genome\.neuronTypes: expected at least one name/);
  assert.throws(() => new RuleGenome({ neuronTypes: ['E', 'E'] }), /genome\.neuronTypes: "E" is named twice/);
  assert.throws(
    () => new RuleGenome({ neuronTypes: ['E'], synapseTypes: [['E', 'X']] }),
    /genome\.synapseTypes\[0\]: expected neuron types of neuronTypes, found "X"/,
  );
  assert.throws(
    () => new RuleGenome({ neuronTypes: ['E'], terms: [[2, 0, 0, 0, 0]] }),
    /genome\.terms\[0\]: S_pre is binary \(its square is itself\): expected a power of at most 1, found 2/,
  );
  assert.throws(
    () => new RuleGenome({ neuronTypes: ['E'], tauRewardMs: [150, 1] }),
    /genome\.tauRewardMs: expected \[low, high\] with 0 <= low < high, found \[150,1\]/,
  );
  assert.throws(
    () => new RuleGenome({ neuronTypes: ['E'], coefficientSharing: 'per-layer' as 'shared' }),
    /genome\.coefficientSharing: expected one of synapse-type, pre-type, post-type, shared, found "per-layer"/,
  );
  const genome = new RuleGenome({ neuronTypes: ['E', 'I'] });
  assert.throws(() => genome.decode([1, 2]), /genes: expected 128 genes for this genome, found 2/);
  assert.throws(
    () => genome.checkFits([['E', 'PV']], 'v1'),
    /v1\.synapseTypes: the genome has no rule for E->PV/,
  );
  const file = genome.toJSON(genesWith(genome, ['X_post']));
  file.genes[3] = 7;
  assert.throws(
    () => RuleGenome.fromJSON(file, 'best.json'),
    /best\.json\.genes\[3\]: expected a value in \[0, 1\], found 7/,
  );
  assert.throws(
    () => RuleGenome.fromJSON({ format: 'other' }, 'best.json'),
    /best\.json\.format: expected "neuroplast-rule-genome" version 1/,
  );
});
