import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadExperimentFile,
  validateClassificationExperiment,
  type ClassificationConfig,
} from '../src/experiments/index.js';
import { tempDir, REPO_ROOT } from './helpers.js';

const base = () => ({
  name: 'x',
  task: { kind: 'classification', dataset: 'mnist' },
  model: { type: 'mlp', hidden: [16] },
  learner: { optimizer: { name: 'adam', lr: 0.001 } },
});

test('a valid experiment gets its defaults filled in', () => {
  const c = validateClassificationExperiment(base(), 'e.yaml');
  assert.equal(c.seed, 0);
  assert.equal(c.task.trainFraction, 1);
  assert.equal(c.learner.batchSize, 64);
  assert.equal(c.log.everySteps, 100);
});

test('invalid fields name the file, the field path, what was expected and what was found', () => {
  const cases: [(c: ReturnType<typeof base>) => void, RegExp][] = [
    [
      (c) => ((c.learner.optimizer as Record<string, unknown>).lr = -1),
      /^e\.yaml: learner\.optimizer\.lr: .*>0.*found -1$/,
    ],
    [
      (c) => ((c.learner.optimizer as Record<string, unknown>).lr = 'fast'),
      /^e\.yaml: learner\.optimizer\.lr: .*expected number, received string/,
    ],
    [
      (c) => (c.task.dataset = 'imagenet'),
      /^e\.yaml: task\.dataset: unknown dataset "imagenet" \(known: mnist, fashion-mnist, cifar10\)/,
    ],
    [
      (c) => ((c.learner.optimizer as Record<string, unknown>).beta1 = 1),
      /learner\.optimizer\.beta1: .*<1.*found 1/,
    ],
    [
      (c) => ((c.model as Record<string, unknown>).hiden = [3]),
      /^e\.yaml: model: unknown field\(s\) "hiden"/,
    ],
    [(c) => ((c.learner.optimizer as Record<string, unknown>).name = 'rmsprop'), /learner\.optimizer\.name/],
    [(c) => ((c.task as Record<string, unknown>).trainFraction = 0), /task\.trainFraction: .*found 0/],
  ];
  for (const [mutate, re] of cases) {
    const c = base();
    mutate(c);
    assert.throws(
      () => validateClassificationExperiment(c, 'e.yaml'),
      (e: Error) => re.test(e.message) && !e.message.includes('\n'),
      `expected ${re}`,
    );
  }
});

test('YAML syntax errors and non-mapping files are reported with the file name', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: x\ntask: [unclosed\n');
  await assert.rejects(loadExperimentFile(bad), (e: Error) =>
    e.message.startsWith(`${bad}:3:1: invalid YAML: `),
  );
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- 1\n- 2\n');
  await assert.rejects(loadExperimentFile(list), /expected a mapping .* found a list/);
  await assert.rejects(
    loadExperimentFile(join(dir, 'missing.yaml')),
    /missing\.yaml: cannot read experiment file \(file not found\)/,
  );
});

test('every bundled experiment file validates', async () => {
  const c = (await loadExperimentFile(
    join(REPO_ROOT, 'experiments', 'quickstart.yaml'),
  )) as ClassificationConfig;
  assert.equal(c.task.kind, 'classification');
  assert.equal(c.task.dataset, 'mnist');
});

test('every experiment file shipped in experiments/ (and its folders) validates', async () => {
  const dir = join(REPO_ROOT, 'experiments');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 7, `found ${files}`);
  for (const f of files) {
    const cfg = await loadExperimentFile(join(dir, f));
    assert.equal(typeof cfg.name, 'string', f);
  }
});

test('a seed listed twice, in any kind and in its --quick settings, is one line naming the list', async () => {
  const { parse } = await import('yaml');
  const { readFileSync } = await import('node:fs');
  const { validateAnyExperiment } = await import('../src/experiments/index.js');
  const dir = join(REPO_ROOT, 'experiments');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
  const paths = new Set<string>();
  for (const f of files) {
    const raw = parse(readFileSync(join(dir, f), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const [holder, at] of [
      [raw, 'seeds'],
      [raw.quick, 'quick.seeds'],
      [raw.grid, 'grid.seeds'],
      [(raw.grid as Record<string, Record<string, unknown>> | undefined)?.quick, 'grid.quick.seeds'],
      [raw.heterogeneity, 'heterogeneity.seeds'],
    ] as const) {
      if (!holder || !Array.isArray(holder.seeds)) continue;
      const seeds = holder.seeds;
      holder.seeds = [...seeds, seeds[0]];
      assert.throws(
        () => validateAnyExperiment(raw, f),
        (e: Error) =>
          e.message.startsWith(`${f}: ${at}: expected each seed once, found [`) && !e.message.includes('\n'),
        `${f} ${at}`,
      );
      holder.seeds = seeds;
      paths.add(at);
    }
  }
  // The shipped files cover the run lists and the --quick lists of several kinds.
  for (const at of ['seeds', 'quick.seeds', 'grid.seeds', 'heterogeneity.seeds'])
    assert.ok(paths.has(at), at);
});
