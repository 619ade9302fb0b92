import type {
  BackendControl,
  Kernels,
  NnKernels,
  OptimKernels,
  SpikingKernels,
  StateStorage,
} from './types.js';

/** One implementation of each kernel family. */
export interface KernelFamilies {
  nn: NnKernels;
  optim: OptimKernels;
  spiking: SpikingKernels;
}

/**
 * A backend from its control and storage and its kernel families. `control` becomes the backend itself, so that
 * its getters (a live thread count) stay live; the families' kernels are copied onto it.
 */
export function composeKernels(control: BackendControl & StateStorage, families: KernelFamilies): Kernels {
  return Object.assign(control, families.nn, families.optim, families.spiking);
}
