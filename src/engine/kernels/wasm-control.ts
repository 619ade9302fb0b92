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
 * How long (ms) each side polls the control block before it sleeps in Atomics.wait. A wake-up from Atomics.wait
 * took about 100 us on the project machine, longer than a half of most kernels; polling answers in about 1 us.
 */
export const SPIN_MS = 0.2;
