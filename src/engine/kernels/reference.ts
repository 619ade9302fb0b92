import type { Kernels } from './types.js';
import { composeKernels } from './backend.js';
import { referenceNn } from './reference-nn.js';
import { referenceOptim } from './reference-optim.js';
import { referenceSpiking } from './reference-spiking.js';

/** The reference backend: portable TypeScript kernels that define every kernel's answer. */
export const referenceKernels: Kernels = composeKernels(
  {
    name: 'reference',
    allocState: (n) => new Float32Array(n),
    // Ordinary arrays: the garbage collector frees them.
    beginStateScope() {},
    endStateScope() {},
  },
  { nn: referenceNn, optim: referenceOptim, spiking: referenceSpiking },
);
