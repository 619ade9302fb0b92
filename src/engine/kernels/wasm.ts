import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../../version.js';
import type { ConvGeometry, Gemm, Kernels, PoolGeometry } from './types.js';
import { checkGemmArgs, referenceKernels } from './reference.js';
import { CTRL, Waiter } from './wasm-control.js';
import { loadNativeAddon, NATIVE_ADDON_PATH, withNative, type NativeAddon } from './native.js';

type Fn = (...args: number[]) => number;
const FUNCTIONS = [
  'sgemm',
  'im2col',
  'col2im',
  'conv2dForward',
  'conv2dBackward',
  'relu',
  'reluBackward',
  'axpy',
  'scale',
  'dot',
  'channelSum',
  'gemv',
  'ger',
  'neuroplasticTraces',
  'neuroplasticUpdate',
  'applyUpdate',
  'adamUpdate',
  'baseDirection',
  'neuroplasticResidual',
  'applyResidualUpdate',
  'lifStep',
  'maxPool2dForward',
  'maxPool2dBackward',
  'avgPool2d',
] as const;
type FnName = (typeof FUNCTIONS)[number];

/** Linear memory map: control block, two conv geometry blocks, two per-thread workspaces, then operands. */
const CONTROL = 1024;
const GEOMETRY = 2048;
const WORK_BASE = 4096;
const PAGE = 64 * 1024;
const MAX_PAGES = 65536;
/** Below this many multiply-adds the copy in and out of linear memory costs more than it saves. */
const SMALL_WORK = 8 * 8 * 8;
/**
 * Vector kernels on fewer elements run in TypeScript: measured here, copying in and out of linear memory loses
 * below about 10^4 elements and wins 1.2-4x above (scripts in docs/benchmarks.md).
 */
const VECTOR_MIN = 4096;
/**
 * The optimizer kernels do 10-20 operations per element, so WASM wins from a few vectors up even when operands must
 * be copied (the TypeScript loops take 5-15 ns per element). The choice depends on n alone, never on where the
 * arrays live, so a run's numbers do not either.
 */
const OPTIM_VECTOR_MIN = 64;
/** Optimizer kernels from this many values up are cut in two halves (one per thread), at a multiple of this. */
const OPTIM_PARALLEL_MIN = 1 << 15;
const OPTIM_SPLIT_ALIGN = 256;
/** GEMMs and convolutions above this many multiply-adds are split across two threads. */
const PARALLEL_WORK = 1 << 21;

/** Rounds up to a multiple of 16 in plain arithmetic: addresses reach 4 GiB, where 32-bit bitwise operators wrap. */
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Threads: NEUROPLAST_THREADS (1 disables the kernel thread), else all cores up to two. */
function threadCount(): number {
  const env = Number(process.env.NEUROPLAST_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(availableParallelism(), 2);
}

/**
 * The WASM module (assembly/*.ts, built by scripts/build-wasm.sh into wasm/kernels.wasm) over shared memory,
 * with an optional second thread. Work is always cut the same way, whether or not the thread runs its half,
 * so results do not depend on the machine's core count.
 */
class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  /** Function tables: 0 the WASM exports, 1 the same with the native addon's functions swapped in (when built). */
  private readonly tables: Record<FnName, Fn>[];
  readonly native: NativeAddon | null;
  readonly workBytes: number;
  private worker: Worker | null = null;
  private workerStarted = false;
  private readonly module: WebAssembly.Module;
  private readonly ctrl: Int32Array;
  private readonly waiter: Waiter;
  private readonly args: Float64Array;
  private top = 0;
  /** Persistent state (allocState) lies between the workspaces and the per-call operand region. */
  private persistTop = 0;
  /** The highest address per-call operands have reached (memory above it has never been written). */
  private operandsTop = 0;
  private readonly freeBlocks = new Map<number, number[]>();
  private readonly freed = new FinalizationRegistry<{ at: number; bytes: number }>(({ at, bytes }) =>
    this.release(at, bytes),
  );
  /** Blocks allocated in each open state scope, innermost last. */
  private readonly scopes: { view: Float32Array; at: number; bytes: number }[][] = [];
  /** Every SharedArrayBuffer object the memory has been seen through (one per growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** At most this many threads are used (setThreads). */
  maxThreads = 2;

  constructor(wasmPath = join(PACKAGE_ROOT, 'wasm', 'kernels.wasm')) {
    const module = new WebAssembly.Module(readFileSync(wasmPath));
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const exports = instance.exports as unknown as Record<FnName, Fn>;
    this.tables = [exports];
    this.native = loadNativeAddon();
    if (this.native) this.tables.push(withNative(exports, this.native, this.memory));
    this.workBytes = align16((instance.exports.workspaceBytes as Fn)());
    this.ctrl = new Int32Array(this.memory.buffer, CONTROL, CTRL.INTS);
    this.waiter = new Waiter(this.ctrl);
    this.args = new Float64Array(this.memory.buffer, CONTROL + CTRL.ARGS_BYTE, CTRL.MAX_ARGS);
    this.module = module;
    this.persistTop = WORK_BASE + 2 * this.workBytes;
    this.buffers.add(this.memory.buffer);
  }

  /** Whether `a` is a view of this module's linear memory (so kernels can use it in place). */
  holds(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * Zeroed persistent storage in linear memory. Blocks return to a free list when their array is garbage
   * collected; shared memory never detaches, so the views stay valid as the memory grows.
   */
  allocState(n: number): Float32Array {
    const bytes = align16(4 * Math.max(n, 1));
    let at = this.freeBlocks.get(bytes)?.pop();
    const reused = at !== undefined;
    if (at === undefined) {
      try {
        this.grow(this.persistTop + bytes);
      } catch {
        // Linear memory is full (4 GiB): an ordinary array still works with every kernel, by copying.
        return new Float32Array(n);
      }
      at = this.persistTop;
      this.persistTop += bytes;
    }
    const view = new Float32Array(this.memory.buffer, at, n);
    // Memory no call has used since it grew is zero already, and stays untouched (not resident) until used.
    const dirty = reused ? n : Math.min(n, Math.max(0, Math.ceil((this.operandsTop - at) / 4)));
    if (dirty > 0) view.fill(0, 0, dirty);
    this.freed.register(view, { at, bytes }, view);
    this.scopes.at(-1)?.push({ view, at, bytes });
    return view;
  }

  beginStateScope(): void {
    this.scopes.push([]);
  }

  /** Frees the innermost scope's blocks now (those the collector has not freed already). */
  endStateScope(): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endStateScope: no open state scope');
    for (const { view, at, bytes } of scope) if (this.freed.unregister(view)) this.release(at, bytes);
  }

  private release(at: number, bytes: number): void {
    const list = this.freeBlocks.get(bytes) ?? [];
    list.push(at);
    this.freeBlocks.set(bytes, list);
  }

  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.buffers.add(this.memory.buffer);
  }

  /** Starts the kernel thread on first use, so commands that never run a large kernel never pay for it. */
  private startWorker(): void {
    this.workerStarted = true;
    if (threadCount() < 2) return;
    try {
      this.worker = new Worker(new URL('./wasm-worker.js', import.meta.url), {
        workerData: {
          module: this.module,
          memory: this.memory,
          control: CONTROL,
          functions: FUNCTIONS,
          nativePath: this.native ? NATIVE_ADDON_PATH : null,
        },
      });
      this.worker.unref();
      this.worker.on('error', () => (this.worker = null));
    } catch {
      this.worker = null;
    }
  }

  /** Starts the kernel thread if it is not running and waits (up to 5 s) until it is ready. */
  async prepare(): Promise<void> {
    if (!this.workerStarted) this.startWorker();
    const deadline = Date.now() + 5000;
    while (this.worker && Atomics.load(this.ctrl, CTRL.READY) !== 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
  }

  get threads(): number {
    return this.maxThreads > 1 && this.worker && Atomics.load(this.ctrl, CTRL.READY) === 1 ? 2 : 1;
  }

  /** Start of the operand region, after both threads' workspaces. */
  reset(): void {
    this.top = this.persistTop;
  }

  work(thread: number): number {
    return WORK_BASE + thread * this.workBytes;
  }

  /** Reserves `floats` floats of linear memory (16-byte aligned), growing the memory when needed. */
  reserve(floats: number): number {
    const at = align16(this.top);
    this.top = at + 4 * floats;
    this.grow(this.top);
    this.operandsTop = Math.max(this.operandsTop, this.top);
    return at;
  }

  view(at: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, floats);
  }

  /** The address of `a` when it lives in linear memory, else of a copy of its first `floats` values. */
  address(a: Float32Array | Int32Array, floats: number): number {
    return this.holds(a) ? a.byteOffset : this.put(a, floats);
  }

  /** Copies `src[0, floats)` in and returns its address. */
  put(src: Float32Array | Int32Array, floats = src.length): number {
    const at = this.reserve(floats);
    const heap =
      src instanceof Int32Array ? new Int32Array(this.memory.buffer, at, floats) : this.view(at, floats);
    heap.set(src.subarray(0, floats));
    return at;
  }

  geometry(slot: number, g: ConvGeometry): number {
    const at = GEOMETRY + 64 * slot;
    new Int32Array(this.memory.buffer, at, 12).set([
      g.inChannels,
      g.inH,
      g.inW,
      g.outChannels,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.outH,
      g.outW,
    ]);
    return at;
  }

  /** Writes a pooling window's geometry into the second geometry slot and returns its address. */
  poolGeometry(g: PoolGeometry): number {
    const at = GEOMETRY + 64;
    new Int32Array(this.memory.buffer, at, 7).set([g.kernel, g.stride, g.pad, g.inH, g.inW, g.outH, g.outW]);
    return at;
  }

  /** Copies `n` values at `ptr` back into `a` unless `a` already is that memory. */
  copyBack(a: Float32Array | Int32Array, ptr: number, n: number): void {
    if (this.holds(a)) return;
    if (a instanceof Int32Array) a.set(new Int32Array(this.memory.buffer, ptr, n));
    else a.set(this.view(ptr, n));
  }

  call(table: number, fn: FnName, ...args: number[]): number {
    return this.tables[table][fn](...args);
  }

  /** Runs two calls of `fn`: the second on the kernel thread when it is up, else both here, in order. */
  parallel(table: number, fn: FnName, first: number[], second: number[]): void {
    if (!this.workerStarted) this.startWorker();
    if (this.threads < 2) {
      this.call(table, fn, ...first);
      this.call(table, fn, ...second);
      return;
    }
    const { ctrl } = this;
    this.args.set(second);
    ctrl[CTRL.TABLE] = table;
    ctrl[CTRL.FUNCTION] = FUNCTIONS.indexOf(fn);
    ctrl[CTRL.ARGC] = second.length;
    const request = Atomics.add(ctrl, CTRL.REQUEST, 1) + 1;
    Atomics.notify(ctrl, CTRL.REQUEST);
    this.call(table, fn, ...first);
    for (let done = Atomics.load(ctrl, CTRL.DONE); done !== request; done = Atomics.load(ctrl, CTRL.DONE))
      this.waiter.wait(CTRL.DONE, done);
    if (Atomics.exchange(ctrl, CTRL.FAILED, 0) !== 0) throw new Error(`wasm kernel thread failed in ${fn}`);
  }
}

/**
 * NeuroPlastic's alpha = clip(g_hat) + mix (clip(ka act + wg g_hat + km mem) - clip(g_hat)), g_hat = |g| invG, as the
 * WASM kernels take it: (1 - mix) clip(g_hat) + mix clip(full) with each factor folded into its clip's input and
 * bounds (k clip(x, lo, hi) = clip(k x, k lo, k hi), bounds swapped when k < 0), which saves the arithmetic-bound
 * pass 2 two vector operations. Returns [kGrad, gradLo, gradHi, kAct, kGradFull, kMem, fullLo, fullHi].
 */
function foldAlpha(invG: number, ka: number, wg: number, km: number, lo: number, hi: number, mix: number) {
  const keep = 1 - mix;
  return [
    keep * invG,
    Math.min(keep * lo, keep * hi),
    Math.max(keep * lo, keep * hi),
    mix * ka,
    mix * wg * invG,
    mix * km,
    Math.min(mix * lo, mix * hi),
    Math.max(mix * lo, mix * hi),
  ];
}

/** Float count an operand spans given its rows, columns and leading dimension. */
const span = (rows: number, cols: number, ld: number) =>
  rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;

/** Kernels over the runtime with function table `table` (0: WASM only, 1: native addon where it has the function). */
function wasmKernels(rt: WasmRuntime, table: number, name: string): Kernels {
  const call = (fn: FnName, ...args: number[]) => rt.call(table, fn, ...args);
  const parallel = (fn: FnName, first: number[], second: number[]) => rt.parallel(table, fn, first, second);
  const ref = referenceKernels;
  const sumOfSquares = new Float64Array(1);
  /**
   * Runs an element-wise optimizer kernel over [0, n), cut in two at a fixed place from OPTIM_PARALLEL_MIN values up
   * (the second half on the kernel thread when it runs). Kernels that sum write `count` f64 sums per half at
   * `sumsAt` (second half after the first); `sums` receives first + second, in that order.
   */
  const splitOptim = (
    fn: FnName,
    n: number,
    run: (i0: number, i1: number, at: number) => number[],
    sumsAt = 0,
    count = 0,
    sums?: Float64Array,
  ) => {
    if (n < OPTIM_PARALLEL_MIN) rt.call(table, fn, ...run(0, n, sumsAt));
    else {
      const h = Math.floor(n / 2 / OPTIM_SPLIT_ALIGN) * OPTIM_SPLIT_ALIGN;
      parallel(fn, run(0, h, sumsAt), run(h, n, sumsAt + 8 * count));
    }
    if (!sums) return;
    const halves = new Float64Array(rt.memory.buffer, sumsAt, 2 * count);
    for (let i = 0; i < count; i++)
      sums[i] = n < OPTIM_PARALLEL_MIN ? halves[i] : halves[i] + halves[count + i];
  };
  const gemm: Gemm = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    checkGemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (m === 0 || n === 0) return;
    if (m * n * k < SMALL_WORK) {
      referenceKernels.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
    rt.reset();
    const pa = rt.address(a, span(transA ? k : m, transA ? m : k, lda));
    const pb = rt.address(b, span(transB ? n : k, transB ? k : n, ldb));
    const lenC = span(m, n, ldc);
    const pc = rt.address(c, lenC);
    const args = (i0: number, j0: number, mm: number, nn: number, thread: number) => [
      transA ? 1 : 0,
      transB ? 1 : 0,
      mm,
      nn,
      k,
      alpha,
      pa + 4 * (transA ? i0 : i0 * lda),
      lda,
      pb + 4 * (transB ? j0 * ldb : j0),
      ldb,
      beta,
      pc + 4 * (i0 * ldc + j0),
      ldc,
      rt.work(thread),
    ];
    if (m * n * k < PARALLEL_WORK || (n < 16 && m < 8)) {
      call('sgemm', ...args(0, 0, m, n, 0));
    } else if (n >= 16) {
      // Column halves on 8-column boundaries: each C element is computed exactly as unsplit (a micro-kernel's sums
      // do not depend on a column's place in its tile, in WASM or native).
      const h = Math.ceil(n / 16) * 8;
      parallel('sgemm', args(0, 0, m, h, 0), args(0, h, m, n - h, 1));
    } else {
      const h = Math.ceil(m / 8) * 4;
      parallel('sgemm', args(0, 0, h, n, 0), args(h, 0, m - h, n, 1));
    }
    rt.copyBack(c, pc, lenC);
  };

  const colsFloats = (g: ConvGeometry) => g.inChannels * g.kernelH * g.kernelW * g.outH * g.outW;
  const sizes = (g: ConvGeometry) => ({
    inSize: g.inChannels * g.inH * g.inW,
    outSize: g.outChannels * g.outH * g.outW,
  });

  /** Runs a vector kernel in linear memory: inputs copied in, `out` (when given) copied back. */
  const vec = (
    fn: FnName,
    n: number,
    scalars: number[],
    inputs: Float32Array[],
    out?: Float32Array,
  ): number => {
    rt.reset();
    const ptrs = inputs.map((a) => rt.address(a, n));
    const po = out ? rt.address(out, n) : 0;
    const r = call(fn, n, ...scalars, ...ptrs, ...(out ? [po] : []));
    if (out) rt.copyBack(out, po, n);
    return r;
  };

  return {
    ...referenceKernels,
    name,
    get threads() {
      return rt.threads;
    },
    setThreads(n: number) {
      rt.maxThreads = n;
    },
    prepare: () => rt.prepare(),
    gemm,
    allocState: (n) => rt.allocState(n),
    beginStateScope: () => rt.beginStateScope(),
    endStateScope: () => rt.endStateScope(),
    neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, ba, bm, bv, eps, sums) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, ba, bm, bv, eps, sums);
      rt.reset();
      const outs = [act, m, v, mem];
      const ptrs = outs.map((a) => rt.address(a, n));
      const pg = rt.address(g, n);
      const ps = rt.reserve(12);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        pg + 4 * i0,
        ...ptrs.map((p) => p + 4 * i0),
        startFromSignal ? 1 : 0,
        ba,
        bm,
        bv,
        eps,
        at,
      ];
      splitOptim('neuroplasticTraces', n, run, ps, 3, sums);
      outs.forEach((a, i) => rt.copyBack(a, ptrs[i], n));
    },
    neuroplasticUpdate(n, g, w, act, mem, upd, invG, ka, wg, km, lo, hi, mix, l2) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.neuroplasticUpdate(n, g, w, act, mem, upd, invG, ka, wg, km, lo, hi, mix, l2);
      rt.reset();
      const [pg, pw, pa, pm] = [g, w, act, mem].map((a) => rt.address(a, n));
      const pu = upd === mem ? pm : rt.address(upd, n);
      const ps = rt.reserve(4);
      const folded = foldAlpha(invG, ka, wg, km, lo, hi, mix);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        ...[pg, pw, pa, pm, pu].map((p) => p + 4 * i0),
        ...folded,
        l2,
        at,
      ];
      splitOptim('neuroplasticUpdate', n, run, ps, 1, sumOfSquares);
      rt.copyBack(upd, pu, n);
      return sumOfSquares[0];
    },
    applyUpdate(n, w, upd, shrink, stepSize) {
      if (n < OPTIM_VECTOR_MIN) return ref.applyUpdate(n, w, upd, shrink, stepSize);
      rt.reset();
      const pw = rt.address(w, n);
      const pu = rt.address(upd, n);
      const run = (i0: number, i1: number) => [i1 - i0, pw + 4 * i0, pu + 4 * i0, shrink, stepSize];
      splitOptim('applyUpdate', n, run);
      rt.copyBack(w, pw, n);
    },
    baseDirection(n, kind, g, w, m, v, out, b1, b2, invBc1, invBc2, eps, wd) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.baseDirection(n, kind, g, w, m, v, out, b1, b2, invBc1, invBc2, eps, wd);
      rt.reset();
      const [pm, pv, po] = [m, v, out].map((a) => rt.address(a, n));
      const [pg, pw] = [g, w].map((a) => rt.address(a, n));
      const run = (i0: number, i1: number) => [
        i1 - i0,
        kind,
        ...[pg, pw, pm, pv, po].map((p) => p + 4 * i0),
        b1,
        b2,
        invBc1,
        invBc2,
        eps,
        wd,
      ];
      splitOptim('baseDirection', n, run);
      rt.copyBack(m, pm, n);
      rt.copyBack(v, pv, n);
      rt.copyBack(out, po, n);
    },
    neuroplasticResidual(n, g, act, mem, base, out, invG, ka, wg, km, lo, hi, mix, strength, sums) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.neuroplasticResidual(
          n,
          g,
          act,
          mem,
          base,
          out,
          invG,
          ka,
          wg,
          km,
          lo,
          hi,
          mix,
          strength,
          sums,
        );
      rt.reset();
      const [pg, pa, pm, pb] = [g, act, mem, base].map((a) => rt.address(a, n));
      const po = out === mem ? pm : rt.address(out, n);
      const ps = rt.reserve(12);
      const folded = foldAlpha(invG, ka, wg, km, lo, hi, mix);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        ...[pg, pa, pm, pb, po].map((p) => p + 4 * i0),
        ...folded,
        strength,
        at,
      ];
      splitOptim('neuroplasticResidual', n, run, ps, 3, sums);
      rt.copyBack(out, po, n);
    },
    applyResidualUpdate(n, w, base, resid, k, shrink, stepSize) {
      if (n < OPTIM_VECTOR_MIN) return ref.applyResidualUpdate(n, w, base, resid, k, shrink, stepSize);
      rt.reset();
      const [pw, pb, pr] = [w, base, resid].map((a) => rt.address(a, n));
      const run = (i0: number, i1: number) => [
        i1 - i0,
        pw + 4 * i0,
        pb + 4 * i0,
        pr + 4 * i0,
        k,
        shrink,
        stepSize,
      ];
      splitOptim('applyResidualUpdate', n, run);
      rt.copyBack(w, pw, n);
    },
    lifStep(n, v, exc, inh, input, refractory, spikes, prm, conductance, refractorySteps) {
      if (n < 64)
        return ref.lifStep(n, v, exc, inh, input, refractory, spikes, prm, conductance, refractorySteps);
      rt.reset();
      const arrays = [v, exc, inh, input, refractory];
      const ptrs = arrays.map((a) => rt.address(a, n));
      const ps = rt.holds(spikes) ? spikes.byteOffset : rt.reserve(n);
      const count = call('lifStep', n, ...ptrs, ps, rt.put(prm, 12), conductance ? 1 : 0, refractorySteps);
      arrays.forEach((a, i) => rt.copyBack(a, ptrs[i], n));
      rt.copyBack(spikes, ps, count);
      return count;
    },
    maxPool2dForward(g, batch, x, y, argmax) {
      const planes = batch * g.channels;
      const inN = planes * g.inH * g.inW;
      const outN = planes * g.outH * g.outW;
      rt.reset();
      const geo = rt.poolGeometry(g);
      const [px, py, pa] = [rt.address(x, inN), rt.address(y, outN), rt.address(argmax, outN)];
      call('maxPool2dForward', geo, planes, px, py, pa);
      rt.copyBack(y, py, outN);
      rt.copyBack(argmax, pa, outN);
    },
    maxPool2dBackward(g, batch, dy, argmax, dx) {
      const planes = batch * g.channels;
      const inN = planes * g.inH * g.inW;
      const outN = planes * g.outH * g.outW;
      rt.reset();
      const geo = rt.poolGeometry(g);
      const [pdy, pa, pdx] = [rt.address(dy, outN), rt.address(argmax, outN), rt.address(dx, inN)];
      call('maxPool2dBackward', geo, planes, pdy, pa, pdx);
      rt.copyBack(dx, pdx, inN);
    },
    avgPool2dForward(g, batch, x, y) {
      const planes = batch * g.channels;
      rt.reset();
      const geo = rt.poolGeometry(g);
      const [px, py] = [rt.address(x, planes * g.inH * g.inW), rt.address(y, planes * g.outH * g.outW)];
      call('avgPool2d', geo, planes, px, py, 0);
      rt.copyBack(y, py, planes * g.outH * g.outW);
    },
    avgPool2dBackward(g, batch, dy, dx) {
      const planes = batch * g.channels;
      rt.reset();
      const geo = rt.poolGeometry(g);
      const [pdy, pdx] = [rt.address(dy, planes * g.outH * g.outW), rt.address(dx, planes * g.inH * g.inW)];
      call('avgPool2d', geo, planes, pdy, pdx, 1);
      rt.copyBack(dx, pdx, planes * g.inH * g.inW);
    },
    adamUpdate(n, w, g, m, v, b1, b2, l2, shrink, stepSize, invSqrtBc2, eps) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.adamUpdate(n, w, g, m, v, b1, b2, l2, shrink, stepSize, invSqrtBc2, eps);
      rt.reset();
      const ptrs = [w, g, m, v].map((a) => rt.address(a, n));
      const [pw, , pm, pv] = ptrs;
      const run = (i0: number, i1: number) => [
        i1 - i0,
        ...ptrs.map((p) => p + 4 * i0),
        b1,
        b2,
        l2,
        shrink,
        stepSize,
        invSqrtBc2,
        eps,
      ];
      splitOptim('adamUpdate', n, run);
      rt.copyBack(w, pw, n);
      rt.copyBack(m, pm, n);
      rt.copyBack(v, pv, n);
    },
    relu: (n, x, y) => (n < VECTOR_MIN ? ref.relu(n, x, y) : void vec('relu', n, [], [x], y)),
    reluBackward: (n, y, dy, dx) =>
      n < VECTOR_MIN ? ref.reluBackward(n, y, dy, dx) : void vec('reluBackward', n, [], [y, dy], dx),
    axpy: (n, alpha, x, y) =>
      n < VECTOR_MIN ? ref.axpy(n, alpha, x, y) : void vec('axpy', n, [alpha], [x], y),
    scale(n, alpha, x) {
      if (n < VECTOR_MIN) return ref.scale(n, alpha, x);
      rt.reset();
      const px = rt.address(x, n);
      call('scale', n, alpha, px);
      rt.copyBack(x, px, n);
    },
    dot: (n, x, y) => (n < VECTOR_MIN ? ref.dot(n, x, y) : vec('dot', n, [], [x, y])),
    sum(n, x) {
      if (n < VECTOR_MIN) return ref.sum(n, x);
      rt.reset();
      return call('dot', n, rt.address(x, n), 0);
    },
    channelSum(batch, channels, spatial, x, out) {
      if (batch * channels * spatial < VECTOR_MIN) return ref.channelSum(batch, channels, spatial, x, out);
      rt.reset();
      const px = rt.address(x, batch * channels * spatial);
      const po = rt.address(out, channels);
      call('channelSum', batch, channels, spatial, px, po);
      rt.copyBack(out, po, channels);
    },
    gemv(trans, m, n, alpha, a, lda, x, beta, y) {
      if (m * n < VECTOR_MIN) return ref.gemv(trans, m, n, alpha, a, lda, x, beta, y);
      rt.reset();
      const pa = rt.address(a, span(m, n, lda));
      const px = rt.address(x, trans ? m : n);
      const py = rt.address(y, trans ? n : m);
      call('gemv', trans ? 1 : 0, m, n, alpha, pa, lda, px, beta, py);
      rt.copyBack(y, py, trans ? n : m);
    },
    ger(m, n, alpha, x, y, a, lda) {
      if (m * n < VECTOR_MIN) return ref.ger(m, n, alpha, x, y, a, lda);
      rt.reset();
      const px = rt.address(x, m);
      const py = rt.address(y, n);
      const pa = rt.address(a, span(m, n, lda));
      call('ger', m, n, alpha, px, py, pa, lda);
      rt.copyBack(a, pa, span(m, n, lda));
    },
    im2col(g, x, xOffset, cols) {
      rt.reset();
      const px = rt.put(x.subarray(xOffset), g.inChannels * g.inH * g.inW);
      const pc = rt.reserve(colsFloats(g));
      call('im2col', rt.geometry(0, g), px, pc);
      cols.set(rt.view(pc, colsFloats(g)));
    },
    col2im(g, cols, dx, dxOffset) {
      rt.reset();
      const n = g.inChannels * g.inH * g.inW;
      const pc = rt.put(cols, colsFloats(g));
      const pd = rt.put(dx.subarray(dxOffset), n);
      call('col2im', rt.geometry(0, g), pc, pd);
      dx.set(rt.view(pd, n), dxOffset);
    },
    conv2dForward(g, batch, x, weight, bias, y, relu = false) {
      const { inSize, outSize } = sizes(g);
      rt.reset();
      const geo = rt.geometry(0, g);
      const cols0 = rt.reserve(colsFloats(g));
      const cols1 = rt.reserve(colsFloats(g));
      const px = rt.address(x, batch * inSize);
      const pw = rt.address(weight, g.outChannels * g.inChannels * g.kernelH * g.kernelW);
      const pb = bias ? rt.address(bias, g.outChannels) : 0;
      const py = rt.holds(y) ? y.byteOffset : rt.reserve(batch * outSize);
      const run = (b0: number, b1: number, t: number) => [
        geo,
        b0,
        b1,
        px,
        pw,
        pb,
        py,
        rt.work(t),
        t ? cols1 : cols0,
        relu ? 1 : 0,
      ];
      const macs = batch * outSize * (colsFloats(g) / (g.outH * g.outW));
      if (batch >= 2 && macs >= PARALLEL_WORK) {
        const h = batch >> 1;
        parallel('conv2dForward', run(0, h, 0), run(h, batch, 1));
      } else call('conv2dForward', ...run(0, batch, 0));
      rt.copyBack(y, py, batch * outSize);
    },
    conv2dBackward(g, batch, x, weight, dy, dWeight, dBias, dx) {
      const { inSize, outSize } = sizes(g);
      rt.reset();
      const geo = rt.geometry(0, g);
      const cols0 = rt.reserve(colsFloats(g));
      const cols1 = rt.reserve(colsFloats(g));
      const px = rt.address(x, batch * inSize);
      const pw = rt.address(weight, weight.length);
      const pdy = rt.address(dy, batch * outSize);
      const pdw = rt.address(dWeight, dWeight.length);
      const pdx = dx ? (rt.holds(dx) ? dx.byteOffset : rt.reserve(batch * inSize)) : 0;
      if (dBias) {
        // dy is already in linear memory: sum it there.
        const pdb = rt.address(dBias, g.outChannels);
        call('channelSum', batch, g.outChannels, g.outH * g.outW, pdy, pdb);
        rt.copyBack(dBias, pdb, g.outChannels);
      }
      // The second half of the batch always accumulates into its own zeroed dW, added afterwards, so the
      // summation order (and so every bit of the result) is the same with one thread or two.
      const split = batch >= 2;
      const pdw1 = split ? rt.reserve(dWeight.length) : 0;
      if (split) rt.view(pdw1, dWeight.length).fill(0);
      const run = (b0: number, b1: number, t: number) => [
        geo,
        b0,
        b1,
        px,
        pw,
        pdy,
        t ? pdw1 : pdw,
        pdx,
        rt.work(t),
        t ? cols1 : cols0,
      ];
      if (split) {
        const h = batch >> 1;
        const macs = batch * outSize * (colsFloats(g) / (g.outH * g.outW));
        if (macs >= PARALLEL_WORK) parallel('conv2dBackward', run(0, h, 0), run(h, batch, 1));
        else {
          call('conv2dBackward', ...run(0, h, 0));
          call('conv2dBackward', ...run(h, batch, 1));
        }
        call('axpy', dWeight.length, 1, pdw1, pdw);
      } else call('conv2dBackward', ...run(0, batch, 0));
      rt.copyBack(dWeight, pdw, dWeight.length);
      if (dx) rt.copyBack(dx, pdx, batch * inSize);
    },
  };
}

/**
 * The WASM backend ("wasm-simd") and, where the optional native addon was built, "native" (the same kernels with
 * GEMM and convolutions in native code, sharing the memory, so arrays stay in place when switching); none where
 * WebAssembly SIMD or shared memory is unavailable.
 */
export function createWasmBackends(): Kernels[] {
  let runtime: WasmRuntime;
  try {
    runtime = new WasmRuntime();
  } catch {
    return [];
  }
  const backends = [wasmKernels(runtime, 0, 'wasm-simd')];
  if (runtime.native) backends.push(wasmKernels(runtime, 1, 'native'));
  return backends;
}
