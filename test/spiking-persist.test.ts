import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs, {
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  truncateSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import {
  AdaptiveLifGroup,
  ConstantModulator,
  DiehlCookNetwork,
  HeterosynapticCompetition,
  InhibitoryStdp,
  IzhikevichGroup,
  IZHIKEVICH_REGULAR_SPIKING,
  loadNetwork,
  Network,
  networkPersistence,
  PairStdp,
  RewardModulatedStdp,
  RuleChain,
  saveNetwork,
  ScheduledModulator,
  SpikeMonitor,
  StructuralPlasticity,
  SynapticScaling,
  TaylorRule,
  TripletStdp,
  type Monitor,
  type PlasticityRule,
  type Projection,
  type SpikeSource,
} from '../src/spiking/index.js';
import { loadDataset } from '../src/data/index.js';
import { NeuroplastError } from '../src/util/errors.js';

const lifParams = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -60,
  vThreshMv: -50,
  vResetMv: -60,
  refractoryMs: 5,
  synapse: 'conductance' as const,
  tauExcMs: 5,
  tauInhMs: 10,
  eExcMv: 0,
  eInhMv: -80,
  biasCurrentPa: 90,
};
const adaptiveParams = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -60,
  vThreshMv: -50,
  vResetMv: -60,
  refractoryMs: 2,
  tauSynMs: 5,
  aNs: 2,
  bPa: 20,
  tauAdaptMs: 100,
  deltaThetaMv: 1,
  tauThetaMs: 50,
};
const ach = (tMs: number) => Math.sin(tMs / 30);

/**
 * A network with every saved part: Poisson, spike-array, LIF (with a cell type), adaptive LIF and Izhikevich groups;
 * delays; reward-modulated STDP on a schedule, triplet STDP, pair STDP chained with synaptic scaling, structural
 * plasticity chained with a Taylor rule on a function-driven signal and heterosynaptic competition, inhibitory STDP;
 * the four built-in monitors.
 */
function buildNetwork(): Network {
  const net = new Network(0.1);
  const input = net.poisson('in', 40, 30, 1);
  const exc = net.lif('exc', 20, lifParams, { name: 'pyramidal', transmitter: 'excitatory' });
  const adapt = net.add(new AdaptiveLifGroup('adapt', 10, adaptiveParams, 0.1));
  adapt.inputPa.fill(50);
  const izh = net.add(new IzhikevichGroup('izh', 10, IZHIKEVICH_REGULAR_SPIKING, 0.1));
  izh.input.fill(5);
  const sched = net.spikeSource('sched', 5, [0, 1, 2, 3, 4, 0, 2, 2], [10, 20, 160, 170, 180, 250, 300, 300]);
  net.modulator(
    new ScheduledModulator('dopamine', [
      [50, 1],
      [120, -0.5],
      [220, 1],
    ]),
  );
  net.modulator('ach', ach);
  net.modulator(new ConstantModulator('unused', 0.3));
  const pair = { aPlus: 0.02, aMinus: 0.021, tauPlusMs: 20, tauMinusMs: 20, wMax: 2 };
  net.connect(input, exc, {
    connector: { kind: 'fixed-probability', p: 0.5 },
    weight: (rng) => 0.5 + rng.float(),
    delayMs: (rng) => 2 * rng.float(),
    receptor: 'exc',
    seed: 2,
    plasticity: new RewardModulatedStdp(pair, 100, 0.5),
  });
  net.connect(input, adapt, {
    connector: { kind: 'all-to-all' },
    weight: 25,
    delayMs: 1,
    receptor: 'exc',
    seed: 3,
    plasticity: new TripletStdp({
      a2Plus: 0.5,
      a3Plus: 0.3,
      a2Minus: 0.6,
      a3Minus: 0.1,
      tauPlusMs: 16.8,
      tauMinusMs: 33.7,
      tauXMs: 101,
      tauYMs: 125,
      wMax: 60,
    }),
  });
  net.connect(exc, izh, {
    connector: { kind: 'all-to-all' },
    weight: 2,
    receptor: 'exc',
    seed: 4,
    plasticity: new RuleChain([
      new PairStdp({ ...pair, wMax: 5, bounds: 'multiplicative', pairing: 'nearest' }),
      new SynapticScaling({ targetRateHz: 10, tauRateMs: 50, eta: 0.01, everyMs: 10 }),
    ]),
  });
  net.connect(sched, exc, {
    connector: { kind: 'all-to-all' },
    weight: 1,
    delayMs: 0.5,
    receptor: 'inh',
    seed: 5,
  });
  net.connect(input, izh, {
    connector: { kind: 'fixed-in-degree', k: 5 },
    weight: 1,
    receptor: 'exc',
    seed: 6,
    plasticity: new RuleChain([
      new StructuralPlasticity({ pruneBelow: 0.9, budget: 60, growWeight: 1, everyMs: 20, seed: 5 }),
      new TaylorRule({
        tauPreMs: 10,
        tauPostMs: 10,
        tauEligibilityMs: 50,
        wMax: 3,
        modulatorName: 'ach',
        adaptiveScaling: { stepFraction: 0.001, averagingSteps: 200 },
        terms: [
          { powers: [1, 0, 0, 1, 0, 0, 0], coefficient: -0.01 },
          { powers: [0, 1, 1, 0, 0, 1, 0], coefficient: 0.02 },
          { powers: [0, 0, 0, 0, 1, 0, 1], coefficient: -0.0001 },
        ],
      }),
      new HeterosynapticCompetition(8, 0.5),
    ]),
  });
  net.connect(izh, adapt, {
    connector: { kind: 'all-to-all' },
    weight: 2,
    delayMs: 0.3,
    receptor: 'inh',
    seed: 7,
    plasticity: new InhibitoryStdp({ eta: 0.01, tauMs: 20, targetRateHz: 5, wMax: 10 }),
  });
  for (const g of net.groups) net.monitorSpikes(g);
  net.monitorRate(exc, 7);
  net.monitorState(adapt, 'w', [0, 3], 3);
  net.monitorState(exc, 'v', [1, 2]);
  net.monitorWeights(
    net.connections[0].projection,
    [
      [0, 1],
      [1, 0],
      [2, 3],
    ],
    5,
  );
  return net;
}

/** Everything a continued run must reproduce: state of every part, every synapse, every recording. */
function snapshot(net: Network) {
  const state = (x: unknown) => (x as { saveState(): unknown }).saveState();
  const lif = net.groups[1] as unknown as Record<string, Float32Array | Int32Array>;
  return {
    stepCount: net.stepCount,
    groups: net.groups.map((g, i) =>
      i === 1
        ? ['v', 'exc', 'inh', 'inputPa', 'refractory', 'spikes'].map((k) => Array.from(lif[k]))
        : state(g),
    ),
    projections: net.connections.map(({ projection: p, plasticity }) => ({
      rowStart: p.rowStart,
      post: p.post,
      weight: p.weight,
      delaySteps: p.delaySteps,
      version: p.version,
      rule: plasticity ? state(plasticity) : null,
    })),
    modulators: net.modulators.map((m) => m.value),
    buffers: net.groups
      .filter((g) => 'exc' in g)
      .map((g) => net.delayBuffer(g as never))
      .map((b) => [b.inputs.exc, b.inputs.inh]),
    monitors: net.monitors.map((m) => m.csvFiles()),
  };
}

test('a loaded network continues bit for bit like the saved one: spikes, weights, traces, recordings', async () => {
  const dir = join(tempDir(), 'saved');
  const a = buildNetwork();
  a.run(150);
  await saveNetwork(a, dir);
  const b = await loadNetwork(dir, { functions: { ach } });
  assert.deepEqual(snapshot(b), snapshot(a), 'the loaded network is the saved one');
  a.run(200);
  b.run(200);
  const sa = snapshot(a);
  assert.deepEqual(snapshot(b), sa);
  // The run did something worth comparing: every group spiked, plasticity moved weights, structure was rewired.
  for (const m of a.monitors.filter((m): m is SpikeMonitor => m instanceof SpikeMonitor))
    assert.ok(
      m.times.some((t) => t > 150),
      `${m.group.name} spiked after the save`,
    );
  assert.ok(a.connections[4].projection.version >= 10, 'structural plasticity rewired');
  assert.ok(
    a.connections.every(
      ({ projection: p, plasticity }) => !plasticity || p.weight.some((w) => w !== p.weight[0]),
    ),
  );
  assert.equal(b.stepCount, 3500);
  // The same through the hook network.ts will call.
  const c = await networkPersistence.load(dir, { functions: { ach } });
  c.run(200);
  assert.deepEqual(snapshot(c), sa);
});

test('learning off freezes every weight, and a save keeps it off', async () => {
  const dir = join(tempDir(), 'frozen');
  const net = buildNetwork();
  net.run(100);
  net.learning = false;
  const weights = () => net.connections.map((c) => Array.from(c.projection.weight));
  const before = weights();
  net.run(200);
  assert.deepEqual(weights(), before, 'no rule stepped');
  await saveNetwork(net, dir);
  const loaded = await loadNetwork(dir, { functions: { ach } });
  assert.equal(loaded.learning, false);
  net.learning = true;
  net.run(200);
  assert.notDeepEqual(weights(), before, 'learning resumes when switched back on');
});

test('a save captures the network when it is called', async () => {
  const dir = join(tempDir(), 'saved');
  const net = buildNetwork();
  net.run(10);
  const saving = saveNetwork(net, dir);
  net.run(10);
  await saving;
  assert.equal((await loadNetwork(dir, { functions: { ach } })).stepCount, 100);
});

test('a save holds a versioned manifest and SHA-256-checked arrays', async () => {
  const dir = join(tempDir(), 'saved');
  const net = buildNetwork();
  net.run(20);
  await saveNetwork(net, dir);
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2);
  assert.equal(files[1], 'network.json');
  assert.match(files[0], /^arrays-[0-9a-f]{16}\.bin$/);
  const m = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8'));
  assert.equal(m.format, 'neuroplast-network');
  assert.equal(m.formatVersion, 1);
  assert.equal(typeof m.neuroplastVersion, 'string');
  assert.equal(m.dtMs, 0.1);
  assert.equal(m.stepCount, 200);
  assert.equal(m.arrays.file, files[0]);
  assert.deepEqual(m.groups[0].description, { kind: 'poisson', name: 'in', size: 40 });
  assert.equal(m.projections[2].plasticity.description.kind, 'rule-chain');
  assert.deepEqual(m.modulators[1].description, { kind: 'function', name: 'ach' });
  for (const e of m.arrays.entries) assert.match(e.sha256, /^[0-9a-f]{64}$/);
});

/** A parsed manifest, edited freely by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = Record<string, any>;

/** Saves the test network, lets `damage` change the directory, and returns the message loading gives. */
async function loadError(
  damage: (dir: string, manifest: Manifest) => void,
  options = { functions: { ach } },
) {
  const dir = join(tempDir(), 'saved');
  const net = buildNetwork();
  net.run(10);
  await saveNetwork(net, dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8'));
  damage(dir, manifest);
  try {
    await loadNetwork(dir, options);
  } catch (err) {
    assert.ok(err instanceof NeuroplastError, String((err as Error).stack));
    assert.ok(!err.message.includes('\n'), err.message);
    assert.ok(err.message.startsWith(dir), err.message);
    return { dir, message: err.message };
  }
  assert.fail('loaded');
}

const rewrite = (dir: string, m: unknown) => writeFileSync(join(dir, 'network.json'), JSON.stringify(m));
const arraysFile = (dir: string) =>
  join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('arrays-'))!,
  );

test('loading refuses another format version, naming the file, the field, expected and found', async () => {
  const { message } = await loadError((dir, m) =>
    rewrite(dir, { ...m, formatVersion: 2, neuroplastVersion: '9.0.0' }),
  );
  assert.match(
    message,
    /network\.json: formatVersion: expected 1, found 2 \(written by neuroplast 9\.0\.0; this is neuroplast [^;]+, which cannot read a newer format/,
  );
  const other = await loadError((dir, m) => rewrite(dir, { ...m, format: 'something-else' }));
  assert.match(
    other.message,
    /network\.json: format: expected "neuroplast-network", found "something-else"$/,
  );
});

test('loading refuses damaged, truncated and missing files, and a manifest that does not parse', async () => {
  const damaged = await loadError((dir) => {
    const f = arraysFile(dir);
    const bytes = readFileSync(f);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(f, bytes);
  });
  assert.match(
    damaged.message,
    /arrays-[0-9a-f]{16}\.bin: monitors\.\d+\.\w+: damaged: SHA-256 expected [0-9a-f]{16}\.\.\., found [0-9a-f]{16}\.\.\./,
  );
  const truncated = await loadError((dir) => truncateSync(arraysFile(dir), 1000));
  assert.match(
    truncated.message,
    /arrays-[0-9a-f]{16}\.bin: truncated: expected \d+ bytes \(network\.json arrays\.bytes\), found 1000$/,
  );
  const noArrays = await loadError((dir) => rmSync(arraysFile(dir)));
  assert.match(
    noArrays.message,
    /arrays-[0-9a-f]{16}\.bin: cannot read saved network arrays \(file not found\)$/,
  );
  const noManifest = await loadError((dir) => rmSync(join(dir, 'network.json')));
  assert.match(noManifest.message, /network\.json: cannot read saved network manifest \(file not found\)$/);
  const unparsable = await loadError((dir) =>
    writeFileSync(join(dir, 'network.json'), '{"format": "neuroplast-network", '),
  );
  assert.match(unparsable.message, /network\.json: does not parse as JSON: /);
});

test('loading refuses kinds it does not know and arrays whose length disagrees with the sizes', async () => {
  const group = await loadError((dir, m) => {
    m.groups[2].description.kind = 'hodgkin-huxley';
    rewrite(dir, m);
  });
  assert.match(
    group.message,
    /network\.json: groups\.2\.description\.kind: expected one of lif, adaptive-lif, izhikevich, glif3, glif-psc, iaf-psc-delta, poisson, spike-source, sparse-poisson; found "hodgkin-huxley"$/,
  );
  const rule = await loadError((dir, m) => {
    m.projections[1].plasticity.description.kind = 'quadruplet-stdp';
    rewrite(dir, m);
  });
  assert.match(
    rule.message,
    /network\.json: projections\.1\.plasticity\.description\.kind: expected one of pair-stdp, .*; found "quadruplet-stdp"$/,
  );
  const chained = await loadError((dir, m) => {
    m.projections[2].plasticity.description.rules[1].kind = 'nope';
    rewrite(dir, m);
  });
  assert.match(
    chained.message,
    /projections\.2\.plasticity\.description: rules\.1\.kind: expected one of .*; found "nope"$/,
  );
  const size = await loadError((dir, m) => {
    m.groups[0].description.size = 41;
    rewrite(dir, m);
  });
  assert.match(
    size.message,
    /network\.json: groups\.0\.state\.rateHz: expected 41 float32 values \(the group size\), found 40 float32 values$/,
  );
  const trace = await loadError((dir, m) => {
    m.projections[1].plasticity.state.o1 = m.projections[1].plasticity.state.r1;
    rewrite(dir, m);
  });
  assert.match(
    trace.message,
    /projections\.1\.plasticity\.state\.o1: expected 10 float32 values \(the target size\), found 40 float32 values$/,
  );
  const weights = await loadError((dir, m) => {
    m.projections[0].weight = m.projections[1].weight;
    rewrite(dir, m);
  });
  assert.match(
    weights.message,
    /projections\.0\.weight: expected \d+ float32 values \(the synapse count\), found 400 float32 values$/,
  );
  const version = await loadError((dir, m) => {
    m.formatVersion = 'one';
    rewrite(dir, m);
  });
  assert.match(version.message, /formatVersion: expected 1, found "one"/);
});

test('a FunctionModulator is saved by name; loading asks for its function, naming the file and the signal', async () => {
  const { message } = await loadError(() => undefined, { functions: {} } as never);
  assert.match(
    message,
    /network\.json: modulators\.1: modulator "ach" is a FunctionModulator, whose JavaScript function is not saved: pass it as loadNetwork\(dir, \{ functions: \{ "ach": \(tMs, step\) => \.\.\. \} \}\)$/,
  );
});

/** Saving `net` fails with one line matching `pattern`, and writes nothing. */
async function refusedAtSave(net: Network, pattern: RegExp) {
  const parent = tempDir();
  const dir = join(parent, 'saved');
  await assert.rejects(saveNetwork(net, dir), (err: Error) => {
    assert.ok(err instanceof NeuroplastError, String(err.stack));
    assert.ok(!err.message.includes('\n'));
    assert.match(err.message, pattern);
    return true;
  });
  assert.deepEqual(readdirSync(parent), []);
}

test('a part that cannot be saved is refused at save, naming it and what it must implement', async () => {
  const small = (rule?: PlasticityRule) => {
    const net = new Network(0.1);
    const pre = net.poisson('pre', 4, 20, 1);
    const post = net.poisson('post', 3, 20, 2);
    net.connect(pre, post, {
      connector: { kind: 'all-to-all' },
      weight: 0.5,
      receptor: 'exc',
      seed: 1,
      plasticity: rule,
    });
    return net;
  };
  class Bare implements PlasticityRule {
    attach(_p: Projection): void {}
    step(): void {}
  }
  await refusedAtSave(
    small(new Bare()),
    /^projections\.0 \("pre->post"\)\.plasticity: Bare cannot be saved: it must implement describe\(\) \(a description createPlasticityRule accepts\), saveState\(\) and loadState\(state, where\); missing describe, saveState, loadState$/,
  );
  await refusedAtSave(
    small(
      new RuleChain([
        new PairStdp({ aPlus: 0.1, aMinus: 0.1, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 }),
        new Bare(),
      ]),
    ),
    /^projections\.0 \("pre->post"\)\.plasticity: rule-chain\.rules\.1: Bare cannot be saved/,
  );
  class MyStdp extends PairStdp {}
  await refusedAtSave(
    small(new MyStdp({ aPlus: 0.1, aMinus: 0.1, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 })),
    /^projections\.0 \("pre->post"\)\.plasticity: MyStdp describes itself as kind "pair-stdp", which createPlasticityRule builds as PairStdp: it must implement its own describe\(\), saveState\(\) and loadState\(state, where\), with its kind registered by registerPlasticityRule$/,
  );
  class Clock implements SpikeSource {
    readonly name = 'clock';
    readonly size = 1;
    readonly dtMs = 0.1;
    spikes = new Int32Array(0);
    step(): void {}
  }
  const withGroup = small();
  withGroup.add(new Clock());
  await refusedAtSave(
    withGroup,
    /^groups\.2 \("clock"\): Clock cannot be saved: register a group kind for its class with registerGroupKind/,
  );
  const withMonitor = small();
  withMonitor.addMonitor(
    new (class Counter implements Monitor {
      record(): void {}
      csvFiles(): [string, string][] {
        return [];
      }
    })(),
  );
  await refusedAtSave(
    withMonitor,
    /^monitors\.0: Counter cannot be saved \(saved monitors: SpikeMonitor, PopulationRateMonitor, StateMonitor, WeightMonitor\)$/,
  );
  const shared = new PairStdp({ aPlus: 0.1, aMinus: 0.1, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 });
  const twice = small(shared);
  twice.connect(twice.groups[1], twice.groups[0], {
    connector: { kind: 'all-to-all' },
    weight: 1,
    receptor: 'exc',
    seed: 2,
    plasticity: shared,
  });
  await refusedAtSave(
    twice,
    /^projections\.1 \("post->pre"\)\.plasticity: is the rule object of projections\.0 too/,
  );
  const withSource = small();
  withSource.modulator({ name: 'reward', value: 1, step() {} });
  await refusedAtSave(
    withSource,
    /^modulators\.0 \("reward"\): Object cannot be saved: it must implement describe\(\) \(a description createModulator accepts\)/,
  );
});

test('saving is atomic: a save that fails midway leaves the previous save intact, and other files stay', async () => {
  const parent = tempDir();
  const dir = join(parent, 'saved');
  const net = buildNetwork();
  net.run(20);
  await saveNetwork(net, dir);
  const first = readFileSync(join(dir, 'network.json'), 'utf8');
  writeFileSync(join(dir, 'README'), 'my notes');
  net.run(20);
  // The commit (the manifest's rename into place) fails: the earlier save must stay whole and current.
  const rename = fs.promises.rename;
  const failing = mock.method(fs.promises, 'rename', async (from: string, to: string) => {
    if (to.endsWith('network.json'))
      throw Object.assign(new Error('no space'), { code: 'ENOSPC', syscall: 'rename', path: from, dest: to });
    return rename(from, to);
  });
  try {
    await assert.rejects(saveNetwork(net, dir), (err: Error) => {
      assert.ok(err instanceof NeuroplastError);
      assert.match(err.message, /cannot rename: no space left on device \(ENOSPC\)$/);
      return true;
    });
  } finally {
    failing.mock.restore();
  }
  assert.equal(readFileSync(join(dir, 'network.json'), 'utf8'), first);
  assert.deepEqual(readdirSync(parent), ['saved'], 'no temporary directory is left');
  assert.equal(readdirSync(dir).length, 3, 'the new arrays file is taken back');
  const restored = await loadNetwork(dir, { functions: { ach } });
  assert.equal(restored.stepCount, 200);
  // A save that succeeds replaces the network and keeps the other file.
  await saveNetwork(net, dir);
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => !f.startsWith('arrays-'))
      .sort(),
    ['README', 'network.json'],
  );
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('arrays-')).length, 1);
  assert.equal((await loadNetwork(dir, { functions: { ach } })).stepCount, 400);
  assert.equal(readFileSync(join(dir, 'README'), 'utf8'), 'my notes');
  // A save into a new directory that fails leaves nothing.
  const fresh = join(parent, 'fresh');
  const failingDir = mock.method(fs.promises, 'rename', async () => {
    throw Object.assign(new Error('io'), { code: 'EIO', syscall: 'rename', path: fresh });
  });
  try {
    await assert.rejects(saveNetwork(net, fresh), /cannot rename: input\/output error \(EIO\)/);
  } finally {
    failingDir.mock.restore();
  }
  assert.deepEqual(readdirSync(parent).sort(), ['saved']);
});

test('saving refuses a directory that holds something other than a saved network, touching nothing', async () => {
  const parent = tempDir();
  const net = buildNetwork();
  const other = join(parent, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'data.csv'), '1,2\n');
  await assert.rejects(
    saveNetwork(net, other),
    /other: holds other files and no network\.json; refusing to write a saved network there \(choose a new or empty directory, or one holding a saved network\)$/,
  );
  assert.deepEqual(readdirSync(other), ['data.csv']);
  writeFileSync(join(other, 'network.json'), '{"format": "somebody-else"}');
  await assert.rejects(
    saveNetwork(net, other),
    /its network\.json is not a saved network \(format "somebody-else"\)/,
  );
  const file = join(parent, 'file');
  writeFileSync(file, 'x');
  await assert.rejects(saveNetwork(net, file), /file: exists and is not a directory; refusing to replace it/);
  // An empty directory is fine.
  const empty = join(parent, 'empty');
  mkdirSync(empty);
  await saveNetwork(net, empty);
  assert.equal((await loadNetwork(empty, { functions: { ach } })).groups.length, 5);
});

test(
  'saving into a read-only directory fails in one line and leaves the earlier save',
  { skip: process.getuid?.() === 0 && 'root may write anywhere' },
  async () => {
    const parent = tempDir();
    const dir = join(parent, 'saved');
    const net = buildNetwork();
    await saveNetwork(net, dir);
    fs.chmodSync(dir, 0o555);
    try {
      net.run(10);
      await assert.rejects(saveNetwork(net, dir), /permission denied/);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
    assert.equal((await loadNetwork(dir, { functions: { ach } })).stepCount, 0);
  },
);

test('Diehl & Cook: saved mid-training and loaded, it learns the same weights as an uninterrupted run', async () => {
  const ds = await loadDataset('mnist');
  const images = [0, 1, 2, 3, 4].map((m) => ds.train.images.subarray(m * 784, (m + 1) * 784));
  const params = { neurons: 10, inputDelayMaxMs: 3 };
  const a = new DiehlCookNetwork(params, 5);
  const countsA = images.map((im) => Array.from(a.present(im, true).counts));
  const b = new DiehlCookNetwork(params, 5);
  for (const im of images.slice(0, 2)) b.present(im, true);
  const dir = join(tempDir(), 'dc');
  await b.save(dir);
  const c = await DiehlCookNetwork.load(dir);
  assert.deepEqual(c.params, b.params);
  const countsC = images.slice(2).map((im) => Array.from(c.present(im, true).counts));
  assert.deepEqual(countsC, countsA.slice(2));
  assert.deepEqual(c.weights, a.weights);
  assert.deepEqual(c.theta, a.theta);
  assert.ok(countsA.flat().some((n) => n > 0));
  // Each format refuses the other's directory.
  await assert.rejects(
    loadNetwork(dir),
    /network\.json: format: expected "neuroplast-network", found "neuroplast-diehl-cook"$/,
  );
  const netDir = join(tempDir(), 'net');
  await saveNetwork(new Network(0.5), netDir);
  await assert.rejects(
    DiehlCookNetwork.load(netDir),
    /network\.json: format: expected "neuroplast-diehl-cook", found "neuroplast-network"$/,
  );
  // A state that does not fit the parameters is named.
  const m = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8'));
  m.params.neurons = 11;
  writeFileSync(join(dir, 'network.json'), JSON.stringify(m));
  await assert.rejects(
    DiehlCookNetwork.load(dir),
    /network\.json: diehl-cook state\.weights: expected 8624 values \(784 inputs, 11 neurons\), found 7840$/,
  );
  assert.ok(existsSync(dir));
});
