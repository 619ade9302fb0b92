import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import {
  ConstantModulator,
  DIEHL_COOK_DEFAULTS,
  DiehlCookCellGroup,
  FunctionModulator,
  Network,
  PairStdp,
  Projection,
  RewardModulatedStdp,
  RuleChain,
  StructuralPlasticity,
  TaylorRule,
  isModulatedRule,
  type ModulatedRule,
  type Monitor,
  type NeuronPopulation,
  type PlasticityRule,
  type SpikeSource,
} from '../src/spiking/index.js';

const STDP = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 16.8, tauMinusMs: 33.7, wMax: 1 };
const DT = 0.1;
const STEPS = 3000;
/** A dopamine-like signal that changes every step and changes sign. */
const signal = (tMs: number) => Math.sin(tMs / 10) + 0.3;
const allToAll = { connector: { kind: 'all-to-all' }, weight: 0.5, receptor: 'exc' } as const;

/** Poisson pre and post trains into an all-to-all projection under `rule`. */
function pairNetwork(rule: PlasticityRule) {
  const net = new Network(DT);
  const pre = net.poisson('pre', 20, 30, 5);
  const post = net.poisson('post', 10, 30, 6);
  const proj = net.connect(pre, post, { ...allToAll, seed: 7, plasticity: rule });
  return { net, proj };
}

/** The old way: the caller sets `rule.modulator` before each one-step run. */
function byHand(rule: RewardModulatedStdp | TaylorRule): Float32Array {
  const { net, proj } = pairNetwork(rule);
  for (let s = 0; s < STEPS; s++) {
    rule.modulator = signal(s * DT);
    net.run(DT);
  }
  return proj.weight;
}

/** The routed way: a source named as the rule subscribes, one run. */
function routed(rule: RewardModulatedStdp | TaylorRule, name: string): Float32Array {
  const { net, proj } = pairNetwork(rule);
  net.modulator(name, signal);
  net.run(STEPS * DT);
  return proj.weight;
}

const taylor = (modulatorName?: string) =>
  new TaylorRule({
    tauPreMs: 16.8,
    tauPostMs: 33.7,
    wMax: 1,
    modulatorName,
    terms: [
      { powers: [0, 1, 1, 0, 0, 1, 0], coefficient: 0.002 }, // post x xPre x M
      { powers: [1, 0, 0, 1, 0, 1, 0], coefficient: -0.0024 }, // pre x xPost x M
      { powers: [0, 0, 0, 0, 1, 1, 0], coefficient: 1e-5 }, // eligibility x M, every step
    ],
  });

test('a routed modulator source gives exactly the weights of setting rule.modulator by hand (R-STDP, Taylor)', () => {
  const hand = byHand(new RewardModulatedStdp(STDP, 200, 0.05));
  const viaSource = routed(new RewardModulatedStdp(STDP, 200, 0.05), 'dopamine');
  assert.deepEqual(viaSource, hand);
  assert.ok(
    hand.some((w) => Math.abs(w - 0.5) > 1e-3),
    'the modulated rule moved the weights',
  );
  const taylorHand = byHand(taylor());
  assert.deepEqual(routed(taylor('acetylcholine'), 'acetylcholine'), taylorHand);
  assert.ok(taylorHand.some((w) => Math.abs(w - 0.5) > 1e-3));
});

test('a rule reading a signal no source provides is a one-line ConfigError at run, naming rule, signal and sources', () => {
  const { net } = pairNetwork(new RewardModulatedStdp(STDP, 200, 0.05));
  // No modulator at all: the rule is left to the caller (the old way), nothing to route.
  net.run(1);
  net.modulator('acetylcholine', 0.5);
  assert.throws(
    () => net.run(1),
    (e: Error) =>
      e.name === 'ConfigError' &&
      !e.message.includes('\n') &&
      /pre->post\.plasticity: reward-modulated-stdp reads modulator "dopamine", which no source provides \(modulators: acetylcholine\)/.test(
        e.message,
      ),
  );
  assert.throws(
    () => net.modulator('acetylcholine', 1),
    /modulator acetylcholine: a modulator with this name exists/,
  );
  // A chain names its rules; a Taylor rule without a term in M reads nothing.
  const chained = pairNetwork(
    new RuleChain([
      new PairStdp(STDP),
      new RewardModulatedStdp(STDP, 200, 0.05, { modulatorName: 'serotonin' }),
    ]),
  );
  chained.net.modulator('dopamine', 1);
  assert.throws(
    () => chained.net.run(1),
    /rule-chain \(pair-stdp, reward-modulated-stdp\) reads modulator "serotonin".*\(modulators: dopamine\)/,
  );
  const plain = new TaylorRule({
    tauPreMs: 10,
    tauPostMs: 10,
    wMax: 1,
    terms: [{ powers: [1, 0, 0, 1, 0, 0, 0], coefficient: -0.001 }],
  });
  assert.deepEqual(plain.modulatorNames, []);
  const other = pairNetwork(plain);
  other.net.modulator('dopamine', 1);
  other.net.run(1);
});

test('a chain hands each rule its own signals; a constant source is set between runs', () => {
  const da = new RewardModulatedStdp(STDP, 200, 0.05);
  const ach = new RewardModulatedStdp(STDP, 200, 0.05, { modulatorName: 'acetylcholine' });
  const structural = new StructuralPlasticity({
    pruneBelow: 0,
    budget: 200,
    growWeight: 0.5,
    everyMs: 1e9,
    seed: 1,
  });
  const chain = new RuleChain([da, ach, structural]);
  assert.ok(isModulatedRule(chain) && !isModulatedRule(structural));
  assert.deepEqual(chain.modulatorNames, ['dopamine', 'acetylcholine']);
  const { net } = pairNetwork(chain);
  const dopamine = net.modulator(new ConstantModulator('dopamine', 0.25));
  net.modulator('acetylcholine', (tMs) => (tMs < 1 ? -1 : 2));
  net.run(0.5);
  assert.equal(da.modulator, 0.25);
  assert.equal(ach.modulator, -1);
  dopamine.value = 3;
  net.run(1);
  assert.equal(da.modulator, 3);
  assert.equal(ach.modulator, 2);
});

test('modulators and monitors are read-only views: a second source of an existing name is refused', () => {
  const rule = new RewardModulatedStdp(STDP, 200, 0.05);
  const { net } = pairNetwork(rule);
  const dopamine = net.modulator(new ConstantModulator('dopamine', 0.25));
  assert.throws(
    () => net.modulator(new FunctionModulator('dopamine', () => 5)),
    (e: Error) =>
      e.name === 'ConfigError' && e.message === 'modulator dopamine: a modulator with this name exists',
  );
  assert.deepEqual(net.modulators, [dopamine]);
  net.run(1);
  assert.equal(rule.modulator, 0.25, 'the rule reads the first source, not the refused one');
  const spikes = net.monitorSpikes(net.groups[0]);
  assert.deepEqual(net.monitors, [spikes]);
  // Only modulator() and addMonitor() add: the views have no push (checked by tsc; this function never runs).
  const pushPastTheChecks = () => {
    // @ts-expect-error modulators is a read-only view
    net.modulators.push(new FunctionModulator('dopamine', () => 5));
    // @ts-expect-error monitors is a read-only view
    net.monitors.push(spikes);
  };
  void pushPastTheChecks;
});

/** A spike source written here: neuron 0 fires every `period` steps. */
class Metronome implements SpikeSource {
  spikes = new Int32Array(0);
  private steps = 0;
  readonly size = 1;
  constructor(
    readonly name: string,
    readonly dtMs: number,
    readonly period: number,
  ) {}
  step(): void {
    this.spikes = ++this.steps % this.period === 0 ? Int32Array.of(0) : new Int32Array(0);
  }
}

/** A neuron model written here: perfect integrators (no leak) that fire at v >= 1 and reset to 0. */
class Integrator implements NeuronPopulation {
  readonly v: Float32Array;
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  spikes = new Int32Array(0);
  constructor(
    readonly name: string,
    readonly size: number,
    readonly dtMs: number,
  ) {
    this.v = new Float32Array(size);
    this.exc = new Float32Array(size);
    this.inh = new Float32Array(size);
  }
  step(): void {
    const fired: number[] = [];
    for (let i = 0; i < this.size; i++) {
      this.v[i] += this.exc[i] - this.inh[i];
      this.exc[i] = 0;
      this.inh[i] = 0;
      if (this.v[i] >= 1) {
        this.v[i] = 0;
        fired.push(i);
      }
    }
    this.spikes = Int32Array.from(fired);
  }
}

/** A rule written here reading two signals: each post spike adds gain x (dopamine - serotonin) to its synapses. */
class OpponentRule implements ModulatedRule {
  readonly kind = 'opponent';
  readonly modulatorNames = ['dopamine', 'serotonin'] as const;
  private projection: Projection | null = null;
  private drive = 0;
  constructor(readonly gain: number) {}
  attach(projection: Projection): void {
    this.projection = projection;
  }
  modulate(values: Float64Array): void {
    this.drive = values[0] - values[1];
  }
  step(_pre: Int32Array, post: Int32Array): void {
    const p = this.projection!;
    const { start, synapses } = p.columns();
    for (const j of post)
      for (let c = start[j]; c < start[j + 1]; c++) p.weight[synapses[c]] += this.gain * this.drive;
  }
}

/** A monitor written here: the weight sum every step. */
class TotalWeight implements Monitor {
  readonly totals: number[] = [];
  constructor(readonly projection: Projection) {}
  record(): void {
    this.totals.push(this.projection.weight.reduce((a, b) => a + b, 0));
  }
  csvFiles(): [string, string][] {
    return [['total-weight.csv', 'total\n' + this.totals.map((t) => `${t}\n`).join('')]];
  }
}

test('a source, population, modulated rule and monitor written outside the library plug into Network', async () => {
  const net = new Network(1);
  const clock = net.add(new Metronome('clock', 1, 2));
  const cells = net.add(new Integrator('cells', 2, 1));
  const rule = new OpponentRule(0.1);
  const proj = net.connect(clock, cells, { ...allToAll, seed: 1, plasticity: rule });
  net.modulator('dopamine', 1);
  net.modulator('serotonin', (tMs) => (tMs >= 10 ? 0.5 : 0));
  const spikes = net.monitorSpikes(cells);
  const v = net.monitorState(cells, 'v', [0, 1]);
  const total = net.addMonitor(new TotalWeight(proj));
  net.run(20);
  // The clock fires in steps 1, 3, 5, ... (from 0), each spike adding 0.5 to the cells' input, which they integrate
  // in their next step: they first reach 1 in step 4 (stamped at its start, t = 4 ms). Each post spike adds
  // 0.1 x (dopamine - serotonin) to each synapse: 0.1 in steps starting before 10 ms, 0.05 after.
  assert.equal(spikes.times[0], 4);
  assert.deepEqual(spikes.indices.slice(0, 2), [0, 1]);
  assert.equal(total.totals[3], 1);
  assert.ok(Math.abs(total.totals[4] - (1 + 2 * 0.1)) < 1e-6, `total ${total.totals[4]}`);
  const postSpikes = spikes.times.length / 2;
  const early = spikes.times.filter((t) => t < 10).length / 2;
  const want = 1 + 2 * 0.1 * (early + 0.5 * (postSpikes - early));
  assert.ok(Math.abs(total.totals.at(-1)! - want) < 1e-5, `${total.totals.at(-1)} vs ${want}`);
  assert.equal(v.values.length, 20);
  const files = await net.exportMonitors(join(tempDir(), 'monitors'));
  assert.deepEqual(
    files.map((f) => f.split('/').pop()),
    ['spikes-cells.csv', 'state-cells-v.csv', 'total-weight.csv'],
  );
  assert.equal(readFileSync(files[2], 'utf8').split('\n').length - 2, 20);
});

test('state monitors sample any Float32Array state of any population, and say what is wrong otherwise', () => {
  const net = new Network(1);
  const cells = net.add(new Integrator('cells', 2, 1));
  assert.throws(
    () => net.monitorState(cells, 'v', [2]),
    /cells state monitor: neuron 2 is outside the group of 2/,
  );
  assert.throws(
    () => net.monitorState(cells, 'spikes' as never, [0]),
    /cells state monitor: spikes is not a per-neuron state variable/,
  );
});

test('the Diehl & Cook cells are a NeuronPopulation too: a generic network drives them', () => {
  const net = new Network(0.5);
  const input = net.poisson('input', 100, 40, 3);
  const make = (name: string) =>
    net.add(new DiehlCookCellGroup(name, 5, DIEHL_COOK_DEFAULTS.excitatory, 0.5, 0.1));
  const driven = make('driven');
  const idle = make('idle');
  net.connect(input, driven, { ...allToAll, weight: 0.2, seed: 4 });
  const spikes = net.monitorSpikes(driven);
  const quiet = net.monitorSpikes(idle);
  net.run(500);
  assert.ok(spikes.times.length > 10, `${spikes.times.length} spikes`);
  assert.equal(quiet.times.length, 0);
  assert.throws(
    () => new DiehlCookCellGroup('bad', 5, DIEHL_COOK_DEFAULTS.excitatory, 2, 0.1),
    /bad\.tauExcMs: time step dt 2 ms is longer than the time constant 1 ms/,
  );
});
