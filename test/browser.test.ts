import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { engineProbe } from '../src/browser/index.js';
import * as shims from '../src/browser/node-shims.js';
import { onBackend, REPO_ROOT } from './helpers.js';

test('engineProbe gives the same bytes twice on wasm-simd, and covers each part', () => {
  const a = onBackend('wasm-simd', () => engineProbe(3));
  const b = onBackend('wasm-simd', () => engineProbe(3));
  assert.equal(a.backend, 'wasm-simd');
  assert.deepEqual(Object.keys(a.results).sort(), [
    'diehl-cook theta',
    'diehl-cook weights',
    'mlp fc1.bias',
    'mlp fc1.weight',
    'mlp fc2.bias',
    'mlp fc2.weight',
    'stdp spike counts',
    'stdp weights',
  ]);
  assert.deepEqual(a, b);
  // The runs did something: the STDP weights moved off their start (150 pA each) and cells fired.
  const w = new Float32Array(Uint8Array.from(Buffer.from(a.results['stdp weights'], 'hex')).buffer);
  assert.ok(w.some((x) => x !== 150));
  assert.notEqual(a.results['stdp spike counts'], '00'.repeat(80));
  const other = onBackend('wasm-simd', () => engineProbe(4));
  assert.notEqual(other.results['mlp fc1.weight'], a.results['mlp fc1.weight']);
});

test('the browser bundle, loaded with the WASM kernels as bytes, gives Node the same bytes as the sources', async () => {
  const bundle = join(REPO_ROOT, 'build', 'browser', 'neuroplast.mjs');
  const m = (await import(pathToFileURL(bundle).href)) as typeof import('../src/browser/index.js');
  // Before the kernels load, the bundle runs the reference kernels (its registry is its own).
  assert.equal(m.kernels.name, 'reference');
  const name = await m.loadWasmKernels(readFileSync(join(REPO_ROOT, 'wasm', 'kernels.wasm')));
  assert.equal(name, 'wasm-simd');
  assert.deepEqual(
    m.engineProbe(5),
    onBackend('wasm-simd', () => engineProbe(5)),
  );
  // Node-only functions in the bundle throw, naming themselves.
  await assert.rejects(() => new m.DiehlCookNetwork({ neurons: 4 }, 1).save('/tmp/x'), /needs Node/);
});

test('node-shims: the path helpers agree with node:path (POSIX); file access throws naming the call', () => {
  // Single separators: the engine's paths are joined, never typed (node's quirks for '//' are not copied).
  const segment = fc.constantFrom('a', 'b', '..', '.', 'c.txt', 'dir');
  const path = fc
    .tuple(fc.boolean(), fc.array(segment, { maxLength: 6 }))
    .map(([abs, parts]) => (abs ? '/' : '') + parts.join('/'));
  fc.assert(
    fc.property(fc.array(path, { minLength: 1, maxLength: 4 }), (parts) => {
      const nonEmpty = parts.filter(Boolean);
      if (nonEmpty.length) assert.equal(shims.join(...parts), posix.join(...parts));
      assert.equal(shims.resolve(...parts), posix.resolve('/', ...parts));
      for (const p of nonEmpty) {
        assert.equal(shims.normalize(p), posix.normalize(p));
        assert.equal(shims.basename(p), posix.basename(p));
        assert.equal(shims.dirname(p), posix.dirname(p));
      }
    }),
  );
  assert.throws(() => shims.readFileSync('x'), /fs\.readFileSync needs Node/);
  assert.throws(() => shims.promises.readFile('x'), /fs\.promises\.readFile needs Node/);
  assert.equal(shims.existsSync(), false);
  assert.equal(shims.endianness(), 'LE');
});
