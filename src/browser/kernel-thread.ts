/**
 * The WASM kernels' second thread in a page: a classic Worker started by `loadWasmKernels(..., { threadUrl })`
 * from a worker (the page's own thread may not block in Atomics.wait). Its first message is the compiled kernels,
 * their shared memory and the control block's place; it then serves kernel calls for ever.
 */
import { serveKernelCalls, type KernelThreadData } from '../engine/kernels/wasm-control.js';

self.onmessage = (e: MessageEvent<KernelThreadData>) => serveKernelCalls(e.data);
