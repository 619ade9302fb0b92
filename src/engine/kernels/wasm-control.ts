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
