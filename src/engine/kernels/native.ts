import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../version.js';

/** The WASM exports the native addon (native/kernels.c) replaces, with the same signatures (byte offsets). */
export const NATIVE_FUNCTIONS = ['sgemm', 'conv2dForward', 'conv2dBackward'] as const;
export type NativeFunction = (typeof NATIVE_FUNCTIONS)[number];

export interface NativeAddon extends Record<NativeFunction, (...args: number[]) => number> {
  /** Makes later offsets relative to this view of the whole WASM memory (per thread). */
  bindMemory(view: Uint8Array): void;
  /** The instruction set its GEMM runs with here, e.g. "AVX2 (256-bit FMA)". */
  target(): string;
  /** Picks the GEMM's vector width for this thread (8, or 16 with AVX-512; 16 is the default); returns it. */
  useVectorWidth(width: 8 | 16): number;
}

/** Where scripts/build-native.mjs (run at install) leaves the addon. */
export const NATIVE_ADDON_PATH = join(PACKAGE_ROOT, 'native', 'build', 'Release', 'neuroplast_native.node');

/**
 * Loads the optional native addon, or returns null: when it was not built (no compiler at install), fails to load,
 * or NEUROPLAST_NATIVE=0 turns it off. Nothing requires it; the WASM kernels cover every function.
 */
export function loadNativeAddon(path = NATIVE_ADDON_PATH): NativeAddon | null {
  if (process.env.NEUROPLAST_NATIVE === '0' || !existsSync(path)) return null;
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return NATIVE_FUNCTIONS.every((f) => typeof addon[f] === 'function') ? addon : null;
  } catch {
    return null;
  }
}

/**
 * `exports` with the addon's functions swapped in, after binding the addon to `memory` for this thread; each thread
 * (the main one and the kernel thread) builds its own.
 */
export function withNative<T extends Record<string, (...args: number[]) => number>>(
  exports: T,
  addon: NativeAddon,
  memory: WebAssembly.Memory,
): T {
  addon.bindMemory(new Uint8Array(memory.buffer));
  return { ...exports, ...Object.fromEntries(NATIVE_FUNCTIONS.map((f) => [f, addon[f].bind(addon)])) };
}
