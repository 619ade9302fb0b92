// The layouts of the blocks TypeScript and the WASM kernels exchange through linear memory, defined once: tsc
// compiles this file for the adapters and AssemblyScript compiles it for assembly/*.ts, which import it. So it may
// hold only what both languages accept: numeric enums with implicit values, each ending in SIZE (its slot count).
// After changing one, rebuild wasm/kernels.wasm (scripts/build-wasm.sh); native/kernels.c mirrors ConvGeometrySlot
// in its Geometry struct (test/kernel-layout.test.ts checks it).

/**
 * The LIF parameter block (f32 slots) that lifStep reads. EXC_GAIN and INH_GAIN scale the current-based synaptic
 * currents inside the held-drive steady state (vInf = E_LEAK + (EXC_GAIN Ie - INH_GAIN Ii + drive) / G_LEAK): 1 is
 * exponential Euler; the exact integrator's gains make each current's coefficient that of the exact solution.
 */
export enum LifParam {
  G_LEAK,
  CM,
  E_LEAK,
  E_EXC,
  E_INH,
  BIAS,
  V_THRESH,
  V_RESET,
  DT,
  DECAY_EXC,
  DECAY_INH,
  LEAK_DECAY,
  EXC_GAIN,
  INH_GAIN,
  SIZE,
}

/**
 * The GLIF3 parameter block (f32 slots) that glif3Step reads: the exact propagator of the linear system over one
 * step, precomputed by Glif3Group. The membrane works on u = v - E_LEAK; a constant current I relaxes u exactly toward
 * I / G_LEAK with LEAK_DECAY; each *_GAIN maps a variable at the step's start to its exact contribution to u (mV per
 * pA); RISE feeds an alpha channel's first variable into its current.
 */
export enum Glif3Param {
  E_LEAK,
  G_LEAK,
  V_THRESH,
  V_RESET,
  BIAS,
  LEAK_DECAY,
  ASC1_DECAY,
  ASC2_DECAY,
  ASC1_GAIN,
  ASC2_GAIN,
  ASC1_RETENTION,
  ASC2_RETENTION,
  ASC1_AMP,
  ASC2_AMP,
  EXC_DECAY,
  EXC_RISE,
  EXC_GAIN,
  EXC_CURRENT_GAIN,
  INH_DECAY,
  INH_RISE,
  INH_GAIN,
  INH_CURRENT_GAIN,
  SIZE,
}

/** A convolution's geometry block (i32 slots): the fields of ConvGeometry. */
export enum ConvGeometrySlot {
  IN_CHANNELS,
  IN_H,
  IN_W,
  OUT_CHANNELS,
  KERNEL_H,
  KERNEL_W,
  STRIDE_H,
  STRIDE_W,
  PAD_H,
  PAD_W,
  OUT_H,
  OUT_W,
  SIZE,
}

/** A pooling window's geometry block (i32 slots): the fields of PoolGeometry but the channel count. */
export enum PoolGeometrySlot {
  KERNEL,
  STRIDE,
  PAD,
  IN_H,
  IN_W,
  OUT_H,
  OUT_W,
  SIZE,
}

/** The sums NeuroPlastic's pass 1 (neuroplasticTraces) returns (f64 slots). */
export enum TraceSum {
  ABS_GRAD,
  TRACE,
  MEMORY,
  SIZE,
}

/** The sums the hybrid modes' residual (neuroplasticResidual) returns (f64 slots). */
export enum ResidualSum {
  BASE_SQ,
  RESIDUAL_SQ,
  CROSS,
  SIZE,
}
