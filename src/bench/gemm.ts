import { getBackend, backendNames } from '../engine/index.js';
import { Rng } from '../util/rng.js';

/** GFLOP/s of C = A*B for n x n float32 matrices on each available backend and thread count (best of `reps`). */
export async function benchGemm(n = 1024, reps = 5): Promise<Record<string, unknown>> {
  const rng = new Rng(0);
  const a = rng.fillUniform(new Float32Array(n * n), -1, 1);
  const b = rng.fillUniform(new Float32Array(n * n), -1, 1);
  const c = new Float32Array(n * n);
  const flops = 2 * n * n * n;
  const results: Record<string, number> = {};
  // The reference last and timed once: it is ~40x slower and only reported for the ratio.
  const names = backendNames().sort((x, y) => Number(x === 'reference') - Number(y === 'reference'));
  const time = (name: string) => {
    const k = getBackend(name);
    k.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n); // warm-up (JIT, WASM memory growth)
    let best = Infinity;
    for (let r = 0; r < (name === 'reference' ? 1 : reps); r++) {
      const t0 = process.hrtime.bigint();
      k.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return flops / best / 1e9;
  };
  const perThread: Record<string, number> = {};
  for (const name of names) {
    const k = getBackend(name);
    await k.prepare?.();
    results[name] = time(name);
    if (k.setThreads && (k.threads ?? 1) > 1) {
      k.setThreads(1);
      perThread[`${name}_1_thread`] = time(name);
      k.setThreads(2);
    }
  }
  const fastest = Object.entries(results).sort((x, y) => y[1] - x[1])[0];
  return {
    n,
    gflops: Number(fastest[1].toFixed(3)),
    backend: fastest[0],
    threads: getBackend(fastest[0]).threads ?? 1,
    by_backend: Object.fromEntries(
      Object.entries({ ...results, ...perThread }).map(([k, v]) => [k, Number(v.toFixed(3))]),
    ),
    anchor: { name: 'tfjs-wasm-simd (shared/README.md figure)', gflops: 18.5 },
    ratio_vs_tfjs_wasm: Number((fastest[1] / 18.5).toFixed(3)),
  };
}
