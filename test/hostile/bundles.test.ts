import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { cnn, decodeBundle, decodeModel, encodeBundle, encodeModel } from '../../src/engine/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/experiments/index.js';
import { Adam } from '../../src/optim/index.js';
import { NeuroplastError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from '../helpers.js';

/** Runs `f`; anything it throws must be a one-line NeuroplastError naming `file`. */
function failsCleanly(f: () => unknown, file: string): void {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof NeuroplastError, `not a NeuroplastError: ${(err as Error)?.stack}`);
    assert.ok(!err.message.includes('\n'), err.message);
    assert.ok(err.message.startsWith(`${file}: `), err.message);
  }
}

const model = () => cnn([1, 8, 8], { channels: [2], hidden: [4] }, 3).init(new Rng(1));

test('tensor bundles: random bytes and mutations of a real one decode or fail in one line, never crash', () => {
  const good = encodeModel(model(), { note: 'fuzz' });
  assert.ok(decodeModel(good, 'ok.nptb'));
  const mutated = fc
    .tuple(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(good.length),
    )
    .map(([flips, cut]) => {
      const b = Uint8Array.from(good.subarray(0, Math.max(cut, 12)));
      for (const [at, v] of flips) if (at < b.length) b[at] = v;
      return b;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutated), (bytes) => {
      failsCleanly(() => decodeModel(bytes, 'fuzz.nptb'), 'fuzz.nptb');
    }),
    { seed: 16, numRuns: 3000 },
  );
});

test('tensor bundles: a header that promises more than the file holds is refused before allocating', () => {
  const bundle = { meta: {}, tensors: new Map([['w', { shape: [2], data: new Float32Array(2) }]]) };
  const text = Buffer.from(encodeBundle(bundle)).toString('latin1');
  for (const [from, to] of [
    ['"length":2', '"length":4000000000'],
    ['"offset":0', '"offset":-1'],
    ['"shape":[2]', '"shape":[3]'],
    ['"tensors":[', '"tensors":{"x":['],
  ]) {
    const bytes = Buffer.from(text.replace(from, to), 'latin1');
    assert.throws(
      () => decodeBundle(bytes, 'big.nptb'),
      (e: Error) =>
        e instanceof NeuroplastError &&
        /^big\.nptb: (truncated|corrupt bundle header|tensor w|damaged)/.test(e.message),
      `${from} -> ${to}`,
    );
  }
});

test('checkpoints: one without its loop or optimizer state is named, not a stack trace', async () => {
  const dir = tempDir();
  const m = model();
  const opt = new Adam({ lr: 1e-3 });
  const path = join(dir, 'last.nptb');
  await saveCheckpoint(path, m, opt, { step: 3 });
  assert.deepEqual(await loadCheckpoint(path, model(), new Adam({ lr: 1e-3 })), { step: 3 });
  const bundle = decodeBundle(
    encodeBundle(decodeBundle(await import('node:fs').then((f) => f.readFileSync(path)), path)),
    path,
  );
  for (const drop of ['loop', 'optimizer']) {
    const meta = { ...bundle.meta };
    delete meta[drop];
    writeFileSync(path, encodeBundle({ meta, tensors: bundle.tensors }));
    await assert.rejects(
      loadCheckpoint(path, model(), new Adam({ lr: 1e-3 })),
      new RegExp(`last\\.nptb: checkpoint header has no ${drop === 'loop' ? 'loop' : 'optimizer'} state$`),
    );
  }
});
