import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AdaptiveLifGroup,
  loadNetwork,
  Network,
  RewardModulatedStdp,
  RuleChain,
  saveNetwork,
  ScheduledModulator,
  SparsePoissonGroup,
  SynapticScaling,
  TripletStdp,
} from '../../src/spiking/index.js';
import { NeuroplastError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

const functions = { ach: (tMs: number) => (tMs > 5 ? 1 : 0) };

/** A small network with most kinds of saved part, run a little so its state is not all zero. */
async function savedNetwork(dir: string) {
  const net = new Network(0.1);
  const input = net.poisson('in', 6, 50, 1);
  const lif = net.lif('lif', 4, {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -60,
    vThreshMv: -50,
    vResetMv: -60,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 10,
    biasCurrentPa: 95,
  });
  const adapt = net.add(
    new AdaptiveLifGroup(
      'adapt',
      3,
      {
        cmPf: 200,
        gLeakNs: 10,
        eLeakMv: -60,
        vThreshMv: -50,
        vResetMv: -60,
        refractoryMs: 2,
        tauSynMs: 5,
        bPa: 10,
      },
      0.1,
    ),
  );
  net.spikeSource('clock', 2, [0, 1], [1, 2]);
  net.modulator(new ScheduledModulator('dopamine', [[2, 1]]));
  net.modulator('ach', functions.ach);
  const pair = { aPlus: 0.01, aMinus: 0.01, tauPlusMs: 10, tauMinusMs: 10, wMax: 50 };
  net.connect(input, lif, {
    connector: { kind: 'all-to-all' },
    weight: 20,
    delayMs: (rng) => rng.float(),
    receptor: 'exc',
    seed: 1,
    plasticity: new RewardModulatedStdp(pair, 20, 0.1),
  });
  net.connect(lif, adapt, {
    connector: { kind: 'all-to-all' },
    weight: 30,
    receptor: 'exc',
    seed: 2,
    plasticity: new RuleChain([
      new TripletStdp({
        a2Plus: 0.1,
        a3Plus: 0.1,
        a2Minus: 0.1,
        a3Minus: 0.1,
        tauPlusMs: 10,
        tauMinusMs: 10,
        tauXMs: 50,
        tauYMs: 50,
        wMax: 50,
      }),
      new SynapticScaling({ targetRateHz: 10, tauRateMs: 20, eta: 0.01, everyMs: 1 }),
    ]),
  });
  // The parts of the spiking API issue: subgroups (a range and a list), noise of both kinds, a sparse Poisson input.
  const head = net.subgroup(lif, 0, 2);
  const picked = net.subgroup(lif, [3, 1], 'picked');
  net.noise(head, { kind: 'ou-current', meanPa: 10, sigmaPa: 5, tauMs: 2, seed: 3 });
  net.noise(picked, { kind: 'poisson', rateHz: 20, count: 3, weight: 2, receptor: 'exc', seed: 4 });
  const sparse = net.add(new SparsePoissonGroup('sparse', 5, 40, 0.1, 6));
  net.connect(sparse, picked, {
    connector: { kind: 'all-to-all' },
    weight: 5,
    receptor: 'exc',
    seed: 7,
    delayMs: 0.3,
  });
  net.monitorSpikes([lif, sparse]);
  net.monitorRate(adapt, 0.7);
  net.monitorState(picked, 'v', 'all', 2);
  net.monitorWeights(net.connections[0].projection, [[0, 1]]);
  net.run(3);
  await saveNetwork(net, dir);
}

/**
 * Loads `dir`: it works, or fails with one line naming a file in `dir`. What loads then runs a little: it runs, or
 * stops with one line (a rule reading a signal no source provides, runaway activity).
 */
async function loadsOrFailsCleanly(dir: string): Promise<boolean> {
  const clean = (err: unknown, fromFile: boolean) => {
    assert.ok(err instanceof NeuroplastError, `not a NeuroplastError: ${(err as Error)?.stack}`);
    assert.ok(!err.message.includes('\n'), err.message);
    if (fromFile) assert.ok(err.message.startsWith(dir), err.message);
  };
  let net: Network;
  try {
    net = await loadNetwork(dir, { functions });
  } catch (err) {
    clean(err, true);
    return false;
  }
  try {
    net.run(5 * net.dtMs);
  } catch (err) {
    clean(err, false);
  }
  return true;
}

/** Every [container, key] of a parsed manifest, to mutate one. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  return out;
}

test('saved networks: manifests with any field replaced or removed load or fail in one line, never crash', async () => {
  const base = join(tempDir(), 'saved');
  await savedNetwork(base);
  const text = readFileSync(join(base, 'network.json'), 'utf8');
  const arraysName = readdirSync(base).find((f) => f.startsWith('arrays-'))!;
  const arrays = readFileSync(join(base, arraysName));
  const count = slots(JSON.parse(text)).length;
  const dir = join(tempDir(), 'fuzz');
  await saveNetwork(new Network(1), dir);
  writeFileSync(join(dir, arraysName), arrays);
  assert.ok(await loadsOrFailsCleanly(base), 'the unmutated save loads');
  const replacement = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(-1, 0, 1, 0.5, 2 ** 31, 2 ** 32, 1e300, '', 'lif', 'exc', 'function', null, [], {}),
    fc.record({ $array: fc.integer({ min: -1, max: 60 }) }),
    fc.record({ $number: fc.constantFrom('NaN', 'Infinity', '-0', 'x') }),
  );
  let loaded = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(count - 1), fc.option(replacement, { freq: 4 })), {
        minLength: 1,
        maxLength: 3,
      }),
      async (edits) => {
        const m = JSON.parse(text);
        for (const [at, value] of edits) {
          const all = slots(m);
          if (all.length === 0) break;
          const [container, key] = all[at % all.length];
          if (value === null && !Array.isArray(container)) delete (container as Record<string, unknown>)[key];
          else (container as Record<string | number, unknown>)[key] = value;
        }
        writeFileSync(join(dir, 'network.json'), JSON.stringify(m));
        if (await loadsOrFailsCleanly(dir)) loaded++;
      },
    ),
    { seed: 41, numRuns: 1500 },
  );
  assert.ok(loaded > 0, 'some harmless edits still load');
});

test('saved networks: flipped or cut bytes in either file load or fail in one line', async () => {
  const base = join(tempDir(), 'saved');
  await savedNetwork(base);
  const arraysName = readdirSync(base).find((f) => f.startsWith('arrays-'))!;
  const files = {
    manifest: readFileSync(join(base, 'network.json')),
    arrays: readFileSync(join(base, arraysName)),
  };
  const dir = join(tempDir(), 'fuzz');
  await saveNetwork(new Network(1), dir);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('manifest' as const, 'arrays' as const),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat(), { freq: 3 }),
      async (which, flips, cut) => {
        const good = files[which];
        const bytes = Uint8Array.from(good.subarray(0, cut === null ? good.length : cut % (good.length + 1)));
        for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
        writeFileSync(join(dir, 'network.json'), which === 'manifest' ? bytes : files.manifest);
        writeFileSync(join(dir, arraysName), which === 'arrays' ? bytes : files.arrays);
        await loadsOrFailsCleanly(dir);
      },
    ),
    { seed: 42, numRuns: 800 },
  );
});

test('saved networks: a manifest that promises more than the budget is refused before anything is allocated', async () => {
  const dir = join(tempDir(), 'saved');
  await savedNetwork(dir);
  const m = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8'));
  const huge = structuredClone(m);
  huge.arrays.bytes = 2 ** 52;
  huge.arrays.entries[0].length = 2 ** 49;
  writeFileSync(join(dir, 'network.json'), JSON.stringify(huge));
  await assert.rejects(loadNetwork(dir, { functions }), (err: Error) => {
    assert.match(
      err.message,
      /network\.json: its arrays need \d+ bytes \(\d+\.\d PiB\), over the model budget of .*; set NEUROPLAST_MAX_MODEL_BYTES=\d+ or more to allow it$/,
    );
    return true;
  });
  const wide = structuredClone(m);
  wide.groups[1].description.size = 2 ** 40;
  writeFileSync(join(dir, 'network.json'), JSON.stringify(wide));
  await assert.rejects(
    loadNetwork(dir, { functions }),
    /network\.json: groups\.1: the groups so far have \d+ neurons, which need about \d+ bytes .*over the model budget/,
  );
  const deep = structuredClone(m);
  let chain: Record<string, unknown> = { kind: 'pair-stdp' };
  for (let i = 0; i < 200; i++) chain = { kind: 'rule-chain', rules: [chain] };
  deep.projections[0].plasticity.description = chain;
  writeFileSync(join(dir, 'network.json'), JSON.stringify(deep));
  await assert.rejects(
    loadNetwork(dir, { functions }),
    /network\.json: projections\.0\.plasticity\.description[.a-z0-9]*: nested deeper than 64 levels$/,
  );
});
