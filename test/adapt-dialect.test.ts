import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CharPredictor,
  DEFAULT_DIALECT_OPTIONS,
  SYMBOLS,
  encodeWords,
  runDialectSeed,
  splitDialects,
  surprisalBits,
} from '../src/adapt/dialect/index.js';
import { readWordList } from '../src/data/index.js';
import { softmaxCrossEntropy, tensor } from '../src/engine/index.js';
import { REPO_ROOT, runCli, tempDir, testNeeding } from './helpers.js';

test('encodeWords: every letter and the end of each word, with start-padded contexts', () => {
  const e = encodeWords(['ab', 'c'], 2);
  assert.equal(e.count, 5);
  assert.deepEqual([...e.targets], [1, 2, 0, 3, 0]);
  assert.deepEqual([...e.contexts], [0, 0, 0, 1, 1, 2, 0, 0, 0, 3]);
  assert.deepEqual([...e.wordOf], [0, 0, 0, 1, 1]);
});

test('a predictor with all weights zero spends log2(27) bits on every character', () => {
  const m = new CharPredictor({ contextChars: 3, hiddenUnits: 8 }, 1);
  for (const p of m.params()) p.value.fill(0);
  assert.ok(Math.abs(m.bitsPerChar(encodeWords(['colour', 'color'], 3)) - Math.log2(SYMBOLS)) < 1e-6);
});

test("the fast weights' rule is minus the cross-entropy gradient of the readout (gates 1, no decay)", () => {
  const m = new CharPredictor({ contextChars: 3, hiddenUnits: 16 }, 2);
  const set = encodeWords(['honour', 'honor', 'centre'], 3);
  const { hidden, logits } = m.forward(set, 0, set.count);
  const h = hidden.data.slice();
  const grad = tensor(logits.shape);
  softmaxCrossEntropy(logits, set.targets, grad.data);
  m.head.zeroGrad();
  m.head.backward(grad);
  const readoutGrad = m.head.params()[0].grad; // [hidden, symbols], d(mean loss)/dW
  // The rule as the study applies it: A += rate/rows sum_r h_r (y_r - p_r).
  const rate = 0.3;
  const z = logits.data.slice();
  const expected = new Float64Array(readoutGrad.length);
  for (let r = 0; r < set.count; r++) {
    let max = -Infinity;
    for (let s = 0; s < SYMBOLS; s++) max = Math.max(max, z[r * SYMBOLS + s]);
    let sum = 0;
    for (let s = 0; s < SYMBOLS; s++) sum += Math.exp(z[r * SYMBOLS + s] - max);
    for (let u = 0; u < 16; u++)
      for (let s = 0; s < SYMBOLS; s++) {
        const p = Math.exp(z[r * SYMBOLS + s] - max) / sum;
        expected[u * SYMBOLS + s] +=
          (rate / set.count) * h[r * 16 + u] * ((s === set.targets[r] ? 1 : 0) - p);
      }
  }
  readoutGrad.forEach((g, i) => assert.ok(Math.abs(expected[i] + rate * g) < 1e-6, `weight ${i}`));
  // And fast weights enter the logits as h A.
  m.fast.fill(0);
  m.fast[5 * SYMBOLS + 3] = 2;
  m.fastInUse = true;
  const again = m.forward(set, 0, 1);
  assert.ok(Math.abs(again.logits.data[3] - (z[3] + 2 * h[5])) < 1e-5);
});

test('surprisalBits is -log2 of the softmax probability of the target', () => {
  const logits = tensor([1, 3], new Float32Array([1, 2, 3]));
  const bits = surprisalBits(logits, new Int32Array([0]), 0);
  const p0 = Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
  assert.ok(Math.abs(bits[0] + Math.log2(p0)) < 1e-6);
});

test('splitDialects: held-out words never trained on; the stream is the second list', () => {
  const first = ['color', 'honor', 'cat', 'dog', 'tree', 'house', 'road', 'meter', 'run', 'sky'];
  const second = ['colour', 'honour', 'cat', 'dog', 'tree', 'house', 'road', 'metre', 'run', 'sky'];
  const s = splitDialects(first, second, { ...DEFAULT_DIALECT_OPTIONS, heldOutFraction: 0.5 }, 3);
  assert.deepEqual(s.counts, { firstOnly: 3, secondOnly: 3, shared: 7 });
  const train = new Set([...s.firstTrain, ...s.secondTrain]);
  for (const w of [...s.test.firstOnly, ...s.test.secondOnly, ...s.test.shared]) assert.ok(!train.has(w), w);
  assert.ok(s.secondTrain.every((w) => second.includes(w)));
  assert.ok(s.firstTrain.every((w) => first.includes(w)));
  assert.deepEqual(
    splitDialects(first, second, DEFAULT_DIALECT_OPTIONS, 3),
    splitDialects(first, second, DEFAULT_DIALECT_OPTIONS, 3),
  );
});

test('readWordList: a missing list names its Debian package; a binary file is refused naming the file', async () => {
  const dir = tempDir();
  const env = { dataDir: dir, cacheDir: dir, systemDirs: false, offline: true };
  await assert.rejects(
    readWordList('british', env),
    /word list british: not found .*apt-get install wbritish/,
  );
  mkdirSync(join(dir, 'dict'));
  writeFileSync(join(dir, 'dict', 'british-english'), Buffer.from([0x61, 0x00, 0x62]));
  await assert.rejects(readWordList('british', env), /british-english: expected a text file of words/);
  writeFileSync(join(dir, 'dict', 'british-english'), "Colour\ncolour\nlabour\nlabour\ncafé\nit's\n");
  assert.deepEqual((await readWordList('british', env)).words, ['colour', 'labour']);
});

testNeeding(
  ['word-lists'],
  'on the real word lists, fine-tuning lowers the bits on second-dialect-only words and the seed fixes every number',
  async () => {
    const a = (await readWordList('american')).words;
    const b = (await readWordList('british')).words;
    const o = structuredClone(DEFAULT_DIALECT_OPTIONS);
    o.pretrain.maxWords = 4000;
    o.pretrain.epochs = 2;
    o.stream.maxWords = 3000;
    o.stream.evalPoints = 3;
    o.hiddenUnits = 64;
    const r = runDialectSeed(a, b, o, 5, ['frozen', 'finetune', 'neuromodulated']);
    const frozen = r.methods.frozen.curve;
    const tuned = r.methods.finetune.curve;
    assert.equal(frozen.at(-1)!.secondOnly, frozen[0].secondOnly);
    assert.ok(tuned.at(-1)!.secondOnly < tuned[0].secondOnly - 0.02, JSON.stringify(tuned));
    // The surprise factor is divided by its running mean: the neuromodulated rate averages the plain one's.
    const gates = r.methods.neuromodulated.curve.slice(1).map((p) => p.gateShared!);
    const meanGate = gates.reduce((x, y) => x + y, 0) / gates.length;
    assert.ok(meanGate > 0.9 && meanGate < 1.1, `mean gate ${meanGate}`);
    const again = runDialectSeed(a, b, o, 5, ['finetune']);
    assert.deepEqual(again.methods.finetune, r.methods.finetune);
  },
);

testNeeding(
  ['word-lists'],
  'neuroplast run --quick experiments/adapt-dialect.yaml writes summary.json with every method',
  async () => {
    const out = join(tempDir(), 'run');
    const r = await runCli(
      ['run', join(REPO_ROOT, 'experiments', 'adapt-dialect.yaml'), '--quick', '--out', out, '--jobs', '1'],
      {},
      { timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(s.kind, 'adapt-dialect');
    assert.deepEqual(Object.keys(s.methods), ['frozen', 'finetune', 'fast-weights', 'neuromodulated']);
    for (const m of Object.values(s.methods) as { mean: number; std: number; n: number; metric: string }[]) {
      assert.equal(m.metric, 'bpc_second_only');
      assert.equal(m.n, 2);
      assert.ok(m.mean > 0.5 && m.mean < 5 && m.std >= 0, JSON.stringify(m));
    }
    const page = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(page, /bpc_second_only/);
    assert.match(page, /<svg/);
  },
);
