import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../version.js';
import type { Gemm, Kernels } from './types.js';
import { checkGemmArgs, referenceKernels } from './reference.js';
import { col2im, convKernels, im2col } from './reference-nn.js';

interface GemmExports {
  sgemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  workspaceBytes(): number;
}

/** Bytes below this are the module's own (edge-tile scratch and statics); host buffers start here. */
const HOST_BASE = 64 * 1024;
const PAGE = 64 * 1024;
/** Below this many multiply-adds the copy in and out of linear memory costs more than it saves. */
const SMALL_WORK = 8 * 8 * 8;

const align16 = (n: number) => (n + 15) & ~15;

/**
 * The WASM SIMD backend (assembly/gemm.ts, built by scripts/build-wasm.sh into wasm/gemm.wasm). Operands are
 * copied into the module's linear memory, multiplied there with a packed 4x8 SIMD micro-kernel, and C is
 * copied back. Tested against the reference on random and odd shapes.
 */
export class WasmGemm {
  private readonly memory: WebAssembly.Memory;
  private readonly exports: GemmExports;
  private readonly workBytes: number;

  constructor(wasmPath = join(PACKAGE_ROOT, 'wasm', 'gemm.wasm')) {
    const module = new WebAssembly.Module(readFileSync(wasmPath));
    this.memory = new WebAssembly.Memory({ initial: 32 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as GemmExports;
    this.workBytes = align16(this.exports.workspaceBytes());
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  readonly gemm: Gemm = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    checkGemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (m === 0 || n === 0) return;
    if (m * n * k < SMALL_WORK) {
      referenceKernels.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
    const lenA = k === 0 ? 0 : ((transA ? k : m) - 1) * lda + (transA ? m : k);
    const lenB = k === 0 ? 0 : ((transB ? n : k) - 1) * ldb + (transB ? k : n);
    const lenC = (m - 1) * ldc + n;
    const work = HOST_BASE;
    const offA = align16(work + this.workBytes);
    const offB = align16(offA + 4 * lenA);
    const offC = align16(offB + 4 * lenB);
    this.ensure(offC + 4 * lenC);
    const heap = this.memory.buffer;
    new Float32Array(heap, offA, lenA).set(a.subarray(0, lenA));
    new Float32Array(heap, offB, lenB).set(b.subarray(0, lenB));
    const cView = new Float32Array(heap, offC, lenC);
    cView.set(c.subarray(0, lenC));
    this.exports.sgemm(
      transA ? 1 : 0,
      transB ? 1 : 0,
      m,
      n,
      k,
      alpha,
      offA,
      lda,
      offB,
      ldb,
      beta,
      offC,
      ldc,
      work,
    );
    c.set(cView);
  };
}

/** The WASM backend, or null where WebAssembly SIMD is unavailable (it is then simply not registered). */
export function tryCreateWasmKernels(): Kernels | null {
  let runtime: WasmGemm;
  try {
    runtime = new WasmGemm();
  } catch {
    return null;
  }
  const gemm = runtime.gemm;
  return { ...referenceKernels, name: 'wasm-simd', gemm, ...convKernels(gemm, im2col, col2im) };
}
