import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../../version.js';
import { CTRL, Waiter, type KernelThreadStarter } from './wasm-control.js';
import { loadNativeAddon, NATIVE_ADDON_PATH, withNative, type NativeAddon } from './native.js';

type Fn = (...args: number[]) => number;
/** The exports of wasm/kernels.wasm the adapters call, by family as in assembly/index.ts. */
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
  'maxPool2dForward',
  'maxPool2dBackward',
  'avgPool2d',
  'neuroplasticTraces',
  'neuroplasticUpdate',
  'applyUpdate',
  'adamUpdate',
  'baseDirection',
  'neuroplasticResidual',
  'applyResidualUpdate',
  'siStep',
  'lifStep',
  'glif3Step',
  'poissonStep',
] as const;
export type WasmFunction = (typeof FUNCTIONS)[number];

/** Linear memory map: control block, parameter slots, two per-thread workspaces, then operands. */
const CONTROL = 1024;
const PARAM_SLOTS = 2048;
/** Bytes of one parameter slot: room for a block of 16 four-byte values. */
export const PARAM_SLOT_BYTES = 64;
const PARAM_SLOT_COUNT = 2;
const WORK_BASE = 4096;
const PAGE = 64 * 1024;
const MAX_PAGES = 65536;

/** Rounds up to a multiple of 16 in plain arithmetic: addresses reach 4 GiB, where 32-bit bitwise operators wrap. */
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Threads: NEUROPLAST_THREADS (1 disables the kernel thread), else all cores up to two. */
function threadCount(): number {
  const env = Number(process.env.NEUROPLAST_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(availableParallelism(), 2);
}

/** The kernel thread in Node: a worker_threads Worker running wasm-worker.ts, never keeping the process alive. */
const startNodeThread: KernelThreadStarter = (data, failed) => {
  const worker = new Worker(new URL('./wasm-worker.js', import.meta.url), { workerData: data });
  worker.unref();
  worker.on('error', failed);
  return worker;
};

/**
 * The WASM module (assembly/*.ts, built by scripts/build-wasm.sh into wasm/kernels.wasm) over shared memory: its
 * allocator for persistent state and per-call operands, and the optional kernel thread. The per-family adapters
 * (wasm-nn.ts, wasm-optim.ts, wasm-spiking.ts) call its functions through a WasmFunctions table. Work is always cut
 * the same way, whether or not the thread runs its half, so results do not depend on the machine's core count.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  /** Function tables: 0 the WASM exports, 1 the same with the native addon's functions swapped in (when built). */
  private readonly tables: Record<WasmFunction, Fn>[];
  readonly native: NativeAddon | null;
  readonly workBytes: number;
  private worker: { terminate(): unknown } | null = null;
  private workerStarted = false;
  private readonly module: WebAssembly.Module;
  private readonly ctrl: Int32Array;
  private readonly waiter: Waiter;
  private readonly args: Float64Array;
  /** Cached i32 views of the parameter slots (shared memory never detaches, so they stay valid). */
  private readonly paramViews: Int32Array[] = [];
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
  /** The memory's buffer object and size as of the last growth (read on every call, so kept here). */
  private current: ArrayBufferLike;
  private capacity = 0;
  /** At most this many threads are used (setThreads). */
  maxThreads = 2;

  /**
   * `source`: the compiled kernels (a browser fetches and compiles them first), else read from the package;
   * `startThread`: how the kernel thread starts (default: a worker_threads Worker; a page passes a Worker of its own).
   */
  constructor(
    source: WebAssembly.Module | string = join(PACKAGE_ROOT, 'wasm', 'kernels.wasm'),
    private readonly startThread: KernelThreadStarter = startNodeThread,
  ) {
    const module = typeof source === 'string' ? new WebAssembly.Module(readFileSync(source)) : source;
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const exports = instance.exports as unknown as Record<WasmFunction, Fn>;
    this.tables = [exports];
    this.native = loadNativeAddon();
    if (this.native) this.tables.push(withNative(exports, this.native, this.memory));
    this.workBytes = align16((instance.exports.workspaceBytes as Fn)());
    this.ctrl = new Int32Array(this.memory.buffer, CONTROL, CTRL.INTS);
    this.waiter = new Waiter(this.ctrl);
    this.args = new Float64Array(this.memory.buffer, CONTROL + CTRL.ARGS_BYTE, CTRL.MAX_ARGS);
    for (let slot = 0; slot < PARAM_SLOT_COUNT; slot++)
      this.paramViews.push(new Int32Array(this.memory.buffer, this.paramAddress(slot), PARAM_SLOT_BYTES / 4));
    this.module = module;
    this.persistTop = WORK_BASE + 2 * this.workBytes;
    this.current = this.memory.buffer;
    this.capacity = this.current.byteLength;
    this.buffers.add(this.current);
  }

  /** Whether `a` is a view of this module's linear memory (so kernels can use it in place). */
  holds(a: ArrayBufferView): boolean {
    const b = a.buffer;
    return b === this.current || this.buffers.has(b);
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
    if (bytes <= this.capacity) return;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.current = this.memory.buffer;
    this.capacity = this.current.byteLength;
    this.buffers.add(this.current);
  }

  /** Starts the kernel thread on first use, so commands that never run a large kernel never pay for it. */
  private startWorker(): void {
    this.workerStarted = true;
    if (threadCount() < 2) return;
    try {
      this.worker = this.startThread(
        {
          module: this.module,
          memory: this.memory,
          control: CONTROL,
          functions: FUNCTIONS,
          nativePath: this.native ? NATIVE_ADDON_PATH : null,
        },
        () => (this.worker = null),
      );
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

  /** The address of parameter slot `slot`, where an adapter writes a block (see layouts.ts) before a call. */
  paramAddress(slot: number): number {
    return PARAM_SLOTS + PARAM_SLOT_BYTES * slot;
  }

  /** Parameter slot `slot` as i32 values. */
  paramInts(slot: number): Int32Array {
    return this.paramViews[slot];
  }

  /** Copies `n` values at `ptr` back into `a` unless `a` already is that memory. */
  copyBack(a: Float32Array | Int32Array, ptr: number, n: number): void {
    if (this.holds(a)) return;
    if (a instanceof Int32Array) a.set(new Int32Array(this.memory.buffer, ptr, n));
    else a.set(this.view(ptr, n));
  }

  /** The functions of table `table`: 0 the WASM exports, 1 with the native addon's swapped in (when built). */
  functions(table: number): WasmFunctions {
    return {
      call: (fn, ...args) => this.call(table, fn, ...args),
      direct: (fn) => this.tables[table][fn],
      parallel: (fn, first, second) => this.parallel(table, fn, first, second),
    };
  }

  private call(table: number, fn: WasmFunction, ...args: number[]): number {
    return this.tables[table][fn](...args);
  }

  /** Runs two calls of `fn`: the second on the kernel thread when it is up, else both here, in order. */
  private parallel(table: number, fn: WasmFunction, first: number[], second: number[]): void {
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

/** One function table of a runtime: how adapters call the kernels (arguments are numbers and byte offsets). */
export interface WasmFunctions {
  call(fn: WasmFunction, ...args: number[]): number;
  /** The function itself, for hot paths that call it with a fixed argument list (same thread, no copies). */
  direct(fn: WasmFunction): (...args: number[]) => number;
  /** Two calls of `fn`, the second on the kernel thread when it is up (else both on this thread, in order). */
  parallel(fn: WasmFunction, first: number[], second: number[]): void;
}
