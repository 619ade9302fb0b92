import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DIEHL_COOK_DEFAULTS,
  DIEHL_COOK_TUNED,
  DIEHL_COOK_PAPER,
  DiehlCookNetwork,
  diehlCookCellSchema,
  diehlCookOverridesSchema,
  diehlCookParameters,
  diehlCookParametersSchema,
} from '../src/spiking/index.js';
import { diehlCookExperimentSchema, validateAnyExperiment } from '../src/experiments/index.js';

const sorted = (o: object) => Object.keys(o).sort();

test('Diehl & Cook parameters: the schema and the defaults name the same fields, cells included', () => {
  assert.deepEqual(sorted(diehlCookParametersSchema.shape), sorted(DIEHL_COOK_DEFAULTS));
  assert.deepEqual(sorted(diehlCookCellSchema.shape), sorted(DIEHL_COOK_DEFAULTS.excitatory));
  assert.deepEqual(sorted(diehlCookCellSchema.shape), sorted(DIEHL_COOK_DEFAULTS.inhibitory));
  assert.deepEqual(diehlCookParametersSchema.parse(DIEHL_COOK_DEFAULTS), DIEHL_COOK_DEFAULTS);
  assert.deepEqual(diehlCookParameters(), DIEHL_COOK_DEFAULTS);
  assert.equal(diehlCookParameters(DIEHL_COOK_TUNED).inhToExcWeight, 40);
  // One default: the bench, the protocol, the experiment kind and the constructor all get 40; the paper's 17 is named.
  assert.equal(diehlCookParameters().inhToExcWeight, 40);
  assert.equal(new DiehlCookNetwork({ neurons: 2 }).params.inhToExcWeight, 40);
  assert.equal(diehlCookParameters(DIEHL_COOK_PAPER).inhToExcWeight, 17);
  // Overrides: every field but inputSize (the dataset fixes it).
  const { inputSize, ...rest } = DIEHL_COOK_DEFAULTS;
  assert.equal(inputSize, 784);
  assert.deepEqual(sorted(diehlCookOverridesSchema.shape), sorted(rest));
});

test('an experiment network section takes exactly the overrides the spiking model schema defines', () => {
  const { inputSize, ...all } = DIEHL_COOK_DEFAULTS;
  assert.ok(inputSize);
  const numeric = Object.keys(all).filter((k) => k !== 'excitatory' && k !== 'inhibitory');
  const accepted: unknown[] = [
    {},
    all,
    { neurons: 8 },
    { excitatory: {} },
    { excitatory: { tauExcMs: 2 }, inhibitory: { vRestMv: -61 } },
    ...numeric.map((k) => ({ [k]: all[k as keyof typeof all] })),
  ];
  const rejected: unknown[] = [
    { nuPre: -1 },
    { excitatory: { vResetMv: -40 } },
    { neurons: 0 },
    { neurons: 2.5 },
    { neurons: '8' },
    { inputSize: 784 },
    { tauFoo: 1 },
    { excitatory: { tauFoo: 1 } },
    { excitatory: { tauExcMs: 'x' } },
    { excitatory: null },
    { excitatory: 1 },
    { nuPre: Number.POSITIVE_INFINITY },
    { nuPre: Number.NaN },
    { nuPre: null },
    null,
    [],
    ...numeric.flatMap((k) => [{ [k]: 'x' }, { [k]: true }]),
  ];
  const parse = (network: unknown) =>
    diehlCookExperimentSchema.safeParse({ name: 'probe', task: { kind: 'diehl-cook' }, network });
  for (const probe of accepted) {
    const r = parse(probe);
    assert.ok(r.success, JSON.stringify(probe));
    assert.deepEqual(r.data.network, diehlCookOverridesSchema.parse(probe));
  }
  for (const probe of rejected) assert.ok(!parse(probe).success, JSON.stringify(probe));
  // How parameters relate is checked with the file, at the field's path, before any work.
  assert.throws(
    () =>
      validateAnyExperiment({ name: 'x', task: { kind: 'diehl-cook' }, network: { nuPre: -1 } }, 'dc.yaml'),
    /^ConfigError: dc\.yaml: network\.nuPre: expected a number >= 0, found -1$/,
  );
});

test('Diehl & Cook overrides: errors name the field path, what was expected and what was found', () => {
  const issue = (x: unknown) => {
    const r = diehlCookOverridesSchema.safeParse(x);
    assert.ok(!r.success);
    return r.error.issues[0];
  };
  assert.deepEqual(issue({ excitatory: { tauExcMs: 'x' } }).path, ['excitatory', 'tauExcMs']);
  assert.match(issue({ excitatory: { tauExcMs: 'x' } }).message, /expected number, received string/);
  assert.deepEqual(issue({ neurons: 2.5 }).path, ['neurons']);
  assert.equal(issue({ neurons: 2.5 }).message, 'expected a positive integer');
  assert.equal(issue({ inhibitory: { tauFoo: 1 } }).code, 'unrecognized_keys');
  // Building the network: the same checks, as one-line ConfigErrors naming diehl-cook.<path>.
  assert.throws(
    () => diehlCookParameters({ neurons: 2.5 }),
    /^ConfigError: diehl-cook\.neurons: expected a positive integer, found 2\.5$/,
  );
  assert.throws(
    () => diehlCookParameters({ excitatory: { tauFoo: 1 } } as never),
    /diehl-cook\.excitatory: unknown field\(s\) "tauFoo"/,
  );
  assert.throws(
    () => diehlCookParameters({ nuPost: '0.1' } as never),
    /diehl-cook\.nuPost: Invalid input: expected number, received string/,
  );
});
