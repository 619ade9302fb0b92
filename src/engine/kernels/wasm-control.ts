/** Layout of the control block the main thread and the kernel thread share (Int32 slots, then float64 args). */
export const CTRL = {
  INTS: 16,
  REQUEST: 0,
  DONE: 1,
  FUNCTION: 2,
  ARGC: 3,
  READY: 4,
  FAILED: 5,
  /** Which function table (0 WASM, 1 with the native addon) the request uses. */
  TABLE: 6,
  ARGS_BYTE: 64,
  MAX_ARGS: 24,
  BYTES: 64 + 24 * 8,
} as const;

/**
 * Waits until ctrl[slot] differs from `value`: polls for up to SPIN_MS, then sleeps in Atomics.wait. A round trip
 * to a thread sleeping in Atomics.wait takes longer than half of most kernels, and a small fraction of that with
 * polling (scripts/thread-handoff.mjs). Polling only pays while each thread has a core of its own: a poll loop that
 * keeps being descheduled (gaps of over PREEMPTED_MS between two looks at the clock) means another process wants the
 * core, and this side then only sleeps for BACKOFF_MS. Beside one busy process `bench train-mlp` is faster with this
 * back-off than with plain polling; idle, about as fast (one idle run tripped it by mistake). The measurements are in
 * docs/benchmarks.md ("Threads").
 */
export class Waiter {
  private backoffUntil = 0;
  private strikes = 0;
  private lastStrike = 0;
  constructor(
    private readonly ctrl: Int32Array,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Whether polling is off (contention was seen within the last BACKOFF_MS). */
  backingOff(now = this.clock()): boolean {
    return now < this.backoffUntil;
  }

  wait(slot: number, value: number): void {
    const { ctrl } = this;
    const start = this.clock();
    if (!this.backingOff(start)) {
      for (let last = start; Atomics.load(ctrl, slot) === value;) {
        const now = this.clock();
        if (now - last > PREEMPTED_MS) {
          this.preempted(now);
          break;
        }
        if (now - start > SPIN_MS) break;
        last = now;
      }
    }
    for (let seen = Atomics.load(ctrl, slot); seen === value; seen = Atomics.load(ctrl, slot))
      Atomics.wait(ctrl, slot, seen);
  }

  /** One descheduled poll can be a stray interrupt; STRIKES of them within STRIKE_WINDOW_MS mean contention. */
  private preempted(now: number): void {
    this.strikes = now - this.lastStrike < STRIKE_WINDOW_MS ? this.strikes + 1 : 1;
    this.lastStrike = now;
    if (this.strikes >= STRIKES) {
      this.backoffUntil = now + BACKOFF_MS;
      this.strikes = 0;
    }
  }
}

const SPIN_MS = 0.2;
const PREEMPTED_MS = 0.1;
const BACKOFF_MS = 1000;
const STRIKES = 3;
const STRIKE_WINDOW_MS = 100;

/** What a kernel thread is given: the compiled kernels, their shared memory and where the control block is. */
export interface KernelThreadData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  functions: readonly string[];
  nativePath: string | null;
}

/**
 * Starts a kernel thread with `data` (Node: worker_threads; a page: a Worker), or returns null when it cannot;
 * `failed` is called if the thread dies, so the main thread stops handing it work.
 */
export type KernelThreadStarter = (
  data: KernelThreadData,
  failed: () => void,
) => { terminate(): unknown } | null;

type Fn = (...args: number[]) => number;

/**
 * A kernel thread's life: instantiates the kernels over the shared memory and runs, for ever, the calls the main
 * thread posts in the control block (`tables` as the main thread's: WASM exports, then any with native functions).
 */
export function serveKernelCalls(
  data: KernelThreadData,
  extraTables: (exports: Record<string, Fn>) => Record<string, Fn>[] = () => [],
): never {
  const { module, memory, control, functions } = data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Fn>;
  const tables = [exports, ...extraTables(exports)];
  const ctrl = new Int32Array(memory.buffer, control, CTRL.INTS);
  const args = new Float64Array(memory.buffer, control + CTRL.ARGS_BYTE, CTRL.MAX_ARGS);
  const waiter = new Waiter(ctrl);
  // Read the request count before announcing READY: the main thread posts requests as soon as it sees READY, and
  // one posted in between would otherwise count as already seen (and the main thread would wait for it forever).
  let seen = Atomics.load(ctrl, CTRL.REQUEST);
  Atomics.store(ctrl, CTRL.READY, 1);
  for (;;) {
    waiter.wait(CTRL.REQUEST, seen);
    seen = Atomics.load(ctrl, CTRL.REQUEST);
    try {
      tables[ctrl[CTRL.TABLE]][functions[ctrl[CTRL.FUNCTION]]](...args.subarray(0, ctrl[CTRL.ARGC]));
    } catch {
      Atomics.store(ctrl, CTRL.FAILED, 1);
    }
    Atomics.store(ctrl, CTRL.DONE, seen);
    Atomics.notify(ctrl, CTRL.DONE);
  }
}
