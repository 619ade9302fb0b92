import type { Kernels } from './types.js';
import { referenceKernels } from './reference.js';
import { createWasmBackends } from './wasm.js';

const backends = new Map<string, Kernels>([[referenceKernels.name, referenceKernels]]);
const fast = createWasmBackends();
for (const k of fast) backends.set(k.name, k);
/**
 * The fastest available backend is the default (native where the addon was built, else wasm-simd);
 * NEUROPLAST_BACKEND names another (reference: the portable TypeScript kernels).
 */
let active: Kernels = backends.get(process.env.NEUROPLAST_BACKEND ?? '') ?? fast.at(-1) ?? referenceKernels;

export function registerBackend(k: Kernels): void {
  backends.set(k.name, k);
}

export function setBackend(name: string): Kernels {
  const k = backends.get(name);
  if (!k) throw new Error(`unknown kernel backend "${name}" (available: ${[...backends.keys()].join(', ')})`);
  active = k;
  activeBound = bindAll(k);
  return k;
}

export function getBackend(name?: string): Kernels {
  if (name === undefined) return active;
  const k = backends.get(name);
  if (!k) throw new Error(`unknown kernel backend "${name}"`);
  return k;
}

export function backendNames(): string[] {
  return [...backends.keys()];
}

type KernelFunction = (...a: unknown[]) => unknown;
const KERNEL_NAMES = (Object.keys(referenceKernels) as (keyof Kernels)[]).filter(
  (k) => !['name', 'threads', 'setThreads', 'prepare'].includes(k),
);

/** The backend's kernels bound to it, so a call through `kernels` is one getter and one call (no argument copy). */
function bindAll(k: Kernels): Record<string, KernelFunction> {
  return Object.fromEntries(
    KERNEL_NAMES.map((name) => {
      const f = k[name] as KernelFunction | undefined;
      const missing = () => {
        throw new Error(`kernel backend "${k.name}" has no kernel ${name}`);
      };
      return [name, typeof f === 'function' ? f.bind(k) : missing];
    }),
  );
}
let activeBound = bindAll(active);

/** The active backend's kernels; layers call through this so the backend can be switched at runtime. */
export const kernels: Kernels = Object.defineProperties({} as Kernels, {
  name: { get: () => active.name, enumerable: true },
  threads: { get: () => active.threads ?? 1, enumerable: true },
  // The active backend's helper threads up (resolves at once where it has none).
  prepare: { get: () => () => active.prepare?.() ?? Promise.resolve(), enumerable: true },
  ...Object.fromEntries(KERNEL_NAMES.map((k) => [k, { get: () => activeBound[k], enumerable: true }])),
});
