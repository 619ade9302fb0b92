#!/usr/bin/env node
// How long does handing work to a second thread take? (1) A ping-pong between the main thread and a worker over a
// SharedArrayBuffer, answered by Atomics.wait/notify alone or by polling first; (2) the backend's applyUpdate on
// 32,768 values in its own linear memory (split in halves) on one thread and on two.
// Usage: npm run build && node scripts/thread-handoff.mjs
/* global performance */
import { Worker } from 'node:worker_threads';
import { getBackend } from '../build/src/engine/index.js';

const ROUNDS = 2000;

/** Median round-trip microseconds: main bumps slot 0, the worker answers in slot 1. */
async function pingPong(poll) {
  const ctrl = new Int32Array(new SharedArrayBuffer(16));
  const worker = new Worker(
    `const { workerData: { ctrl, poll } } = require('node:worker_threads');
     for (let seen = 0; ; ) {
       if (poll) { const t = performance.now(); while (Atomics.load(ctrl, 0) === seen && performance.now() - t < 0.2); }
       Atomics.wait(ctrl, 0, seen);
       seen = Atomics.load(ctrl, 0);
       if (seen < 0) break;
       Atomics.store(ctrl, 1, seen);
       Atomics.notify(ctrl, 1);
     }`,
    { eval: true, workerData: { ctrl, poll } },
  );
  const times = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const t0 = performance.now();
    Atomics.store(ctrl, 0, i);
    Atomics.notify(ctrl, 0);
    if (poll) while (Atomics.load(ctrl, 1) !== i && performance.now() - t0 < 0.2);
    while (Atomics.load(ctrl, 1) !== i) Atomics.wait(ctrl, 1, Atomics.load(ctrl, 1));
    times.push((performance.now() - t0) * 1000);
    // Idle between rounds, as between kernel calls, so the worker has gone to sleep when it is not polling.
    const idle = performance.now();
    while (performance.now() - idle < 0.05);
  }
  Atomics.store(ctrl, 0, -1);
  Atomics.notify(ctrl, 0);
  await worker.terminate();
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Microseconds per applyUpdate call on n values in the backend's own memory, with `threads` threads. */
function applyUpdateUs(k, threads, n = 32768) {
  k.setThreads?.(threads);
  const w = k.allocState(n);
  const u = k.allocState(n).fill(1e-6);
  // Warm up for over a second: V8's compiler threads busy both cores at first, and a kernel thread that sees its
  // polls descheduled then stops polling for a second (see Waiter in src/engine/kernels/wasm-control.ts).
  for (const t = performance.now(); performance.now() - t < 1200;) k.applyUpdate(n, w, u, 1, 0.1);
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < 500) {
    k.applyUpdate(n, w, u, 1, 0.1);
    calls++;
  }
  return ((performance.now() - t0) / calls) * 1000;
}

const k = getBackend();
await k.prepare?.();
const result = {
  backend: k.name,
  round_trip_wait_only_us: Number((await pingPong(false)).toFixed(1)),
  round_trip_polling_us: Number((await pingPong(true)).toFixed(1)),
  apply_update_32768_one_thread_us: Number(applyUpdateUs(k, 1).toFixed(2)),
  apply_update_32768_two_threads_us: Number(applyUpdateUs(k, 2).toFixed(2)),
};
console.log(JSON.stringify(result));
