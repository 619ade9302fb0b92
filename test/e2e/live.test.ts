import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from './chromium.js';
import { engineProbe, kernels, type EngineProbe } from '../../src/browser/index.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { onBackend, tempDir, testNeeding } from '../helpers.js';

/** A digest of the receptive-field canvas's pixels (what the page shows, not its DOM). */
const canvasDigest = (page: Page) =>
  page.evaluate(() => {
    const c = document.getElementById('fields') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) {
      // Grey pixels only: the weights' tiles, not the red digit each neuron has answered most (which changes
      // as answers are counted, learning or not).
      if (d[i] !== d[i + 2]) continue;
      h = Math.imul(h ^ d[i], 16777619);
      if (d[i] < 128) dark++;
    }
    return { hash: h >>> 0, dark, index: Number(c.dataset.index ?? -1), width: c.width };
  });

testNeeding(
  ['chromium'],
  'neuroplast in Chromium: the engine gives Node the same bytes, and the live network learns in the page',
  async () => {
    const dashboard = await startDashboard({ dirs: [tempDir('np-live-')], port: 0 });
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(new URL('live', dashboard.url).href);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page is cross-origin isolated');

      // The same seed, the same bytes: the browser build on its WASM kernels against Node's wasm-simd backend.
      const seeds = [11, 12, 13];
      const inPage: EngineProbe[] = await page.evaluate(async (list) => {
        const m = await import('/assets/neuroplast.mjs' as string);
        await m.loadWasmKernels('/assets/kernels.wasm');
        return list.map((seed: number) => m.engineProbe(seed));
      }, seeds);
      seeds.forEach((seed, i) => {
        const inNode = onBackend('wasm-simd', () => engineProbe(seed));
        assert.equal(inPage[i].backend, 'wasm-simd');
        assert.deepEqual(Object.keys(inPage[i].results).sort(), Object.keys(inNode.results).sort());
        for (const [key, bytes] of Object.entries(inNode.results))
          assert.equal(
            inPage[i].results[key],
            bytes,
            `seed ${seed}, ${key}: the page's bytes differ from Node's`,
          );
      });

      // In a page's worker the kernels take a second thread (a Worker of build/browser/kernel-thread.js): a GEMM
      // large enough to be cut in two and the probe give Node's bytes there too.
      const gemmInputs = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
      // The test's own worker script, served as the dashboard's assets are (same origin, isolated).
      await page.route('**/assets/test-probe-worker.js', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/javascript',
          headers: {
            'Cross-Origin-Embedder-Policy': 'require-corp',
            'Cross-Origin-Resource-Policy': 'same-origin',
          },
          body: `self.onmessage = async (e) => {
            const m = await import('/assets/neuroplast.mjs');
            await m.loadWasmKernels('/assets/kernels.wasm', { threadUrl: '/assets/kernel-thread.js' });
            await m.kernels.prepare();
            const n = 256;
            const input = (len) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37));
            const c = new Float32Array(n * n);
            m.kernels.gemm(false, false, n, n, n, 1, input(n * n), n, input(n * n), n, 0, c, n);
            postMessage({ threads: m.kernels.threads, gemm: Array.from(new Uint8Array(c.buffer)), probe: m.engineProbe(e.data) });
          };`,
        }),
      );
      const threaded = await page.evaluate(async (seed) => {
        const worker = new Worker('/assets/test-probe-worker.js', { type: 'module' });
        const answer = new Promise<{ threads: number; gemm: number[]; probe: EngineProbe }>((ok, fail) => {
          worker.onmessage = (e) => ok(e.data);
          worker.onerror = (e) => fail(new Error(`worker: ${e.message}`));
        });
        worker.postMessage(seed);
        return answer;
      }, seeds[0]);
      assert.equal(threaded.threads, 2, 'the kernel thread is up in the page');
      const c = new Float32Array(256 * 256);
      onBackend('wasm-simd', () =>
        kernels.gemm(
          false,
          false,
          256,
          256,
          256,
          1,
          gemmInputs(65536),
          256,
          gemmInputs(65536),
          256,
          0,
          c,
          256,
        ),
      );
      assert.ok(
        Buffer.from(c.buffer).equals(Buffer.from(threaded.gemm)),
        'the two-thread GEMM gives Node the same bytes',
      );
      assert.deepEqual(threaded.probe.results, onBackend('wasm-simd', () => engineProbe(seeds[0])).results);

      // The live page: a Diehl & Cook network learns MNIST in its worker; the receptive fields drawn change.
      const live = page.locator('#live');
      await page.waitForFunction(
        () => Number(document.getElementById('fields')?.dataset.index ?? -1) >= 5,
        null,
        {
          timeout: 60_000,
        },
      );
      assert.equal(await live.getAttribute('data-backend'), 'wasm-simd');
      assert.equal(
        await live.getAttribute('data-threads'),
        '2',
        'the live worker runs the kernels on two threads',
      );
      const before = await canvasDigest(page);
      await page.waitForFunction(
        (from) => Number(document.getElementById('fields')?.dataset.index ?? -1) >= from + 50,
        before.index,
        { timeout: 60_000 },
      );
      const after = await canvasDigest(page);
      assert.ok(after.width > 0 && after.dark > 0, 'the fields have pixels');
      assert.notEqual(after.hash, before.hash, 'the receptive fields changed while the network learned');
      await page.screenshot({ path: join(ARTIFACTS, 'live-network.png'), fullPage: true });

      // Pausing stops learning: the digit count stays put.
      await page.click('#pause');
      await page.waitForTimeout(300);
      const paused = Number(await live.getAttribute('data-presentations'));
      await page.waitForTimeout(700);
      assert.equal(Number(await live.getAttribute('data-presentations')), paused);
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await dashboard.close();
    }
  },
);
