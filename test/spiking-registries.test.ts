import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createModulator,
  createPlasticityRule,
  HeterosynapticCompetition,
  InhibitoryStdp,
  modulatorKinds,
  Network,
  PairStdp,
  plasticityRuleKinds,
  RewardModulatedStdp,
  RuleChain,
  ScheduledModulator,
  StructuralPlasticity,
  SynapticScaling,
  EventTaylorRule,
  TaylorRule,
  TripletStdp,
  type ModulatorSource,
  type PlasticityRule,
} from '../src/spiking/index.js';

const pair = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 };
const taylor = {
  tauPreMs: 10,
  tauPostMs: 10,
  wMax: 1,
  terms: [
    { powers: [1, 0, 0, 1, 0, 0, 0], coefficient: -0.002 },
    { powers: [0, 1, 1, 0, 0, 1, 0], coefficient: 0.003 },
  ],
};

/** A small plastic network: 30 Poisson inputs onto 10 LIF cells, a dopamine schedule; returns the final synapses. */
function weightsAfter(rule: PlasticityRule, dopamine: ModulatorSource): { weight: number[]; post: number[] } {
  const net = new Network(0.1);
  const pre = net.poisson('pre', 30, 40, 11);
  const post = net.lif('post', 10, {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -65,
    vThreshMv: -52,
    vResetMv: -65,
    refractoryMs: 2,
    synapse: 'conductance',
    tauExcMs: 5,
    tauInhMs: 10,
    eExcMv: 0,
    eInhMv: -80,
    biasCurrentPa: 110,
  });
  net.modulator(dopamine);
  const p = net.connect(pre, post, {
    connector: { kind: 'fixed-probability', p: 0.5 },
    weight: 0.5,
    receptor: 'exc',
    seed: 4,
    plasticity: rule,
  });
  const initialPost = Array.from(p.post);
  net.run(300);
  const finalPost = Array.from(p.post);
  // A rewired synapse counts as changed (structural plasticity keeps weights but moves synapses).
  return {
    weight: Array.from(p.weight, (w, k) => (finalPost[k] === initialPost[k] ? w : -1)),
    post: finalPost,
  };
}

const schedule = (): [number, number][] => [
  [50, 1],
  [150, 0],
  [200, -0.5],
];

test('every built-in rule built from its description learns exactly as the class built by hand', () => {
  const cases: [description: Record<string, unknown>, byHand: () => PlasticityRule][] = [
    [
      { kind: 'pair-stdp', ...pair, bounds: 'multiplicative' },
      () => new PairStdp({ ...pair, bounds: 'multiplicative' }),
    ],
    [
      { kind: 'reward-modulated-stdp', ...pair, tauEligibilityMs: 200, eta: 0.5 },
      () => new RewardModulatedStdp(pair, 200, 0.5),
    ],
    [
      { kind: 'inhibitory-stdp', eta: 0.001, tauMs: 20, targetRateHz: 5, wMax: 1 },
      () => new InhibitoryStdp({ eta: 0.001, tauMs: 20, targetRateHz: 5, wMax: 1 }),
    ],
    [
      {
        kind: 'triplet-stdp',
        ...{ a2Plus: 0.005, a3Plus: 0.006, a2Minus: 0.007, a3Minus: 0.0002 },
        ...{ tauPlusMs: 16.8, tauMinusMs: 33.7, tauXMs: 101, tauYMs: 125, wMax: 1 },
      },
      () =>
        new TripletStdp({
          ...{ a2Plus: 0.005, a3Plus: 0.006, a2Minus: 0.007, a3Minus: 0.0002 },
          ...{ tauPlusMs: 16.8, tauMinusMs: 33.7, tauXMs: 101, tauYMs: 125, wMax: 1 },
        }),
    ],
    [
      { kind: 'taylor', ...taylor },
      () => new TaylorRule(taylor as unknown as ConstructorParameters<typeof TaylorRule>[0]),
    ],
    [
      { kind: 'taylor-event', ...taylor, tauModulatorMs: 30 },
      () =>
        new EventTaylorRule({
          ...(taylor as unknown as ConstructorParameters<typeof TaylorRule>[0]),
          tauModulatorMs: 30,
        }),
    ],
    [
      { kind: 'synaptic-scaling', targetRateHz: 5, tauRateMs: 100, eta: 0.01, everyMs: 10 },
      () => new SynapticScaling({ targetRateHz: 5, tauRateMs: 100, eta: 0.01, everyMs: 10 }),
    ],
    [{ kind: 'heterosynaptic-competition', maxTotal: 4 }, () => new HeterosynapticCompetition(4)],
    [
      { kind: 'structural', pruneBelow: 0.6, budget: 5, growWeight: 0.5, everyMs: 50, seed: 3 },
      () => new StructuralPlasticity({ pruneBelow: 0.6, budget: 5, growWeight: 0.5, everyMs: 50, seed: 3 }),
    ],
    [
      {
        kind: 'rule-chain',
        rules: [
          { kind: 'pair-stdp', ...pair },
          { kind: 'heterosynaptic-competition', maxTotal: 4 },
        ],
      },
      () => new RuleChain([new PairStdp(pair), new HeterosynapticCompetition(4)]),
    ],
  ];
  const covered = new Set(cases.map(([d]) => d.kind));
  assert.deepEqual(
    plasticityRuleKinds().filter((k) => !covered.has(k)),
    [],
    'every registered rule is checked',
  );
  for (const [description, byHand] of cases) {
    const fromFile = weightsAfter(
      createPlasticityRule(description),
      createModulator({ kind: 'schedule', name: 'dopamine', points: schedule() }),
    );
    const direct = weightsAfter(byHand(), new ScheduledModulator('dopamine', schedule()));
    assert.deepEqual(fromFile, direct, String(description.kind));
    assert.ok(
      fromFile.weight.some((w) => w !== 0.5),
      `${description.kind} learned`,
    );
  }
});

test('a schedule modulator holds each value from its time to the next point, and its points are checked', () => {
  assert.deepEqual(modulatorKinds(), ['constant', 'schedule']);
  const m = createModulator({ kind: 'schedule', name: 'dopamine', points: schedule() });
  const seen = [0, 49.9, 50, 120, 150, 199.9, 200, 500].map((t, i) => (m.step(i, t, 0.1), m.value));
  assert.deepEqual(seen, [0, 0, 1, 1, 0, 0, -0.5, -0.5]);
  assert.equal(createModulator({ kind: 'constant', name: 'ach', value: 0.3 }).value, 0.3);
  assert.throws(
    () =>
      createModulator({
        kind: 'schedule',
        name: 'da',
        points: [
          [5, 1],
          [5, 2],
        ],
      }),
    /^ConfigError: modulator: modulator da\.points\.1: times must increase, found 5 after 5$/,
  );
  assert.throws(
    () => createModulator({ kind: 'constant', name: 'ach', value: 'high' }),
    /modulator: value: expected a finite number, found "high"/,
  );
});

test('rule and modulator descriptions fail in one line naming where, the field, expected and found', () => {
  const where = 'net.yaml: projections.0.plasticity';
  assert.throws(
    () => createPlasticityRule({ kind: 'hebb' }, where),
    (e: Error) =>
      e.message === `${where}.kind: expected one of ${plasticityRuleKinds().join(', ')}; found "hebb"`,
  );
  assert.throws(
    () => createPlasticityRule({ kind: 'pair-stdp', ...pair, tauMs: 3 }, where),
    /projections\.0\.plasticity: unknown field\(s\) "tauMs" for pair-stdp \(takes aPlus, /,
  );
  assert.throws(
    () => createPlasticityRule({ kind: 'pair-stdp', ...pair, aPlus: -1 }, where),
    /^ConfigError: net\.yaml: projections\.0\.plasticity: stdp\.aPlus: .*-1/,
  );
  assert.throws(
    () =>
      createPlasticityRule(
        { kind: 'rule-chain', rules: [{ kind: 'pair-stdp', ...pair }, { kind: 'nope' }] },
        where,
      ),
    /projections\.0\.plasticity: rules\.1\.kind: expected one of .*found "nope"/,
  );
  assert.throws(
    () => createPlasticityRule('pair-stdp', where),
    /plasticity: expected a mapping with a kind, found "pair-stdp"/,
  );
  assert.throws(
    () => createModulator({ kind: 'schedule', name: '', points: [] }),
    /modulator name: expected a non-empty string/,
  );
});
