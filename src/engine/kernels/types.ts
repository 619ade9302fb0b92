/**
 * The kernel interface every backend implements (tfjs-core style): the TypeScript reference defines the
 * answer; faster backends must agree with it to float32 rounding and are tested against it. A backend is composed
 * (composeKernels in backend.ts) from one implementation of each family: network (NnKernels), optimizer
 * (OptimKernels) and spiking (SpikingKernels) kernels, beside its state storage.
 * All matrices are row-major Float32Array with explicit leading dimensions; images are NCHW.
 */
export interface Kernels extends BackendControl, StateStorage, NnKernels, OptimKernels, SpikingKernels {}

/** A backend's name and its optional thread control. */
export interface BackendControl {
  readonly name: string;
  /** Threads the backend computes large kernels on (1 when absent). */
  readonly threads?: number;
  /** Caps the threads (1 keeps all work on the calling thread); results do not change, only speed. */
  setThreads?(n: number): void;
  /** Starts helper threads now and resolves when they are up (benchmarks call it before timing). */
  prepare?(): Promise<void>;
}

/** Where tensors, optimizer state and neuron state live. */
export interface StateStorage {
  /**
   * Zeroed storage for state. The WASM backend places it in its linear memory, where its kernels read and write it
   * without copying; any Float32Array still works with every kernel.
   */
  allocState(n: number): Float32Array;
  /**
   * Opens a scope whose allocState blocks endStateScope frees all at once (a grid cell's model, optimizer state and
   * activations), instead of whenever the garbage collector finds their arrays; scopes nest. Arrays from a closed
   * scope must not be used again. A no-op where allocState makes ordinary arrays.
   */
  beginStateScope(): void;
  endStateScope(): void;
}

/** Network kernels: BLAS-style products, convolution, pooling and element-wise operations. */
export interface NnKernels {
  gemm: Gemm;
  /** y = alpha * op(A) x + beta * y, A stored m x n (op = transpose when `trans`). */
  gemv(
    trans: boolean,
    m: number,
    n: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    x: Float32Array,
    beta: number,
    y: Float32Array,
  ): void;
  /** Rank-1 update A += alpha * x y^T (A m x n): the Hebbian outer product. */
  ger(
    m: number,
    n: number,
    alpha: number,
    x: Float32Array,
    y: Float32Array,
    a: Float32Array,
    lda: number,
  ): void;
  /** Unfolds one image (at `xOffset` in x) into cols [inChannels*kernelH*kernelW, outH*outW]. */
  im2col(g: ConvGeometry, x: Float32Array, xOffset: number, cols: Float32Array): void;
  /** Folds cols back, accumulating into one image of dx at `dxOffset` (the adjoint of im2col). */
  col2im(g: ConvGeometry, cols: Float32Array, dx: Float32Array, dxOffset: number): void;
  /**
   * y = act(conv(x, weight) + bias) over a batch; weight is [outChannels, inChannels, kernelH, kernelW], and
   * act is the identity or, fused while the output is hot in cache, max(., 0).
   */
  conv2dForward(
    g: ConvGeometry,
    batch: number,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    relu?: boolean,
  ): void;
  /** Accumulates dWeight and dBias; overwrites dx unless it is null (first layer). */
  conv2dBackward(
    g: ConvGeometry,
    batch: number,
    x: Float32Array,
    weight: Float32Array,
    dy: Float32Array,
    dWeight: Float32Array,
    dBias: Float32Array | null,
    dx: Float32Array | null,
  ): void;
  /** Max pooling; `argmax` receives the flat input index (within the image) each output came from. */
  maxPool2dForward(
    g: PoolGeometry,
    batch: number,
    x: Float32Array,
    y: Float32Array,
    argmax: Int32Array,
  ): void;
  /** Overwrites dx with dy scattered to the argmax positions. */
  maxPool2dBackward(
    g: PoolGeometry,
    batch: number,
    dy: Float32Array,
    argmax: Int32Array,
    dx: Float32Array,
  ): void;
  /** Average pooling, padding counted in the divisor (PyTorch's count_include_pad default). */
  avgPool2dForward(g: PoolGeometry, batch: number, x: Float32Array, y: Float32Array): void;
  avgPool2dBackward(g: PoolGeometry, batch: number, dy: Float32Array, dx: Float32Array): void;
  /** y[i] = max(x[i], 0). */
  relu(n: number, x: Float32Array, y: Float32Array): void;
  /** dx[i] = y[i] > 0 ? dy[i] : 0, from the ReLU's output y. */
  reluBackward(n: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** y += alpha * x. */
  axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  /** x *= alpha. */
  scale(n: number, alpha: number, x: Float32Array): void;
  /** Sum of x[i] * y[i], accumulated in float64. */
  dot(n: number, x: Float32Array, y: Float32Array): number;
  /** Sum of x[i], accumulated in float64. */
  sum(n: number, x: Float32Array): number;
  /** out[c] += sum over batch and spatial of x[b, c, s] (bias gradients, batch-norm statistics). */
  channelSum(batch: number, channels: number, spatial: number, x: Float32Array, out: Float32Array): void;
}

/** The decays of NeuroPlastic's pass 1 (a NeuroPlastic's options carry them under these names). */
export interface TraceTerms {
  /** Decay of the activity trace, an EMA of |g|. */
  activityDecay: number;
  /** Decays of the moment EMAs m (of g) and v (of g^2). */
  momentumDecay: number;
  varianceDecay: number;
  /** Added to sqrt(v) in the memory signal |m| / (sqrt(v) + eps). */
  eps: number;
}

/**
 * NeuroPlastic's modulation, per value: alpha = clip(g_hat) + mix (clip(full) - clip(g_hat)), with
 * g_hat = |g| gradScale, full = activityCoef act + gradientCoef g_hat + memoryCoef mem and clip to
 * [alphaMin, alphaMax]. The tensor-mean normalisations are folded into the scale and coefficients.
 */
export interface AlphaTerms {
  gradScale: number;
  activityCoef: number;
  gradientCoef: number;
  memoryCoef: number;
  alphaMin: number;
  alphaMax: number;
  mix: number;
}

/** One Adam step's terms (PyTorch's semantics; see adamUpdate). */
export interface AdamTerms {
  beta1: number;
  beta2: number;
  /** Weight decay added to the gradient (Adam's L2; 0 for AdamW). */
  l2: number;
  /** The weights' factor before the step (1 - lr wd for AdamW's decoupled decay, else 1). */
  shrink: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** 1 / sqrt(1 - beta2^t). */
  invSqrtBc2: number;
  eps: number;
}

/** The terms of the base optimizer's direction in NeuroPlastic's hybrid modes (see baseDirection). */
export interface BaseDirectionTerms {
  /** AdamW's beta1, or SGD's momentum. */
  beta1: number;
  /** AdamW's beta2 (unused by SGD). */
  beta2: number;
  /** AdamW's bias corrections 1 / (1 - beta^t) (unused by SGD). */
  invBc1: number;
  invBc2: number;
  eps: number;
  /** SGD's weight decay, added to the gradient (0 for AdamW, which decays the weights when applying). */
  weightDecay: number;
}

/** Optimizer kernels: the NeuroPlastic passes, its hybrid modes' and Adam's step. */
export interface OptimKernels {
  /**
   * NeuroPlastic pass 1: activity trace (EMA of |g|, or |g| itself on the first step), moment EMAs m and v, and the
   * memory signal |m| / (sqrt(v) + eps) into `mem`; `sums` receives the TraceSum slots (sum |g|, trace, memory).
   */
  neuroplasticTraces(
    n: number,
    g: Float32Array,
    act: Float32Array,
    m: Float32Array,
    v: Float32Array,
    mem: Float32Array,
    startFromSignal: boolean,
    terms: TraceTerms,
    sums: Float64Array,
  ): void;
  /** NeuroPlastic pass 2: upd = alpha g + l2 w (`upd` may be `mem`); returns sum(upd^2). */
  neuroplasticUpdate(
    n: number,
    g: Float32Array,
    w: Float32Array,
    act: Float32Array,
    mem: Float32Array,
    upd: Float32Array,
    alpha: AlphaTerms,
    l2: number,
  ): number;
  /**
   * One steady step of synaptic intelligence's penalty (Zenke et al. 2017), per element in f64: the previous step's
   * term path -= grad (v - before); with d = v - anchor, g += weight omega d; then grad = g and before = v. Returns
   * sum(omega d^2).
   */
  siStep(
    n: number,
    v: Float32Array,
    g: Float32Array,
    path: Float32Array,
    before: Float32Array,
    grad: Float32Array,
    omega: Float32Array,
    anchor: Float32Array,
    weight: number,
  ): number;
  /** w = w * shrink - stepSize * upd. */
  applyUpdate(n: number, w: Float32Array, upd: Float32Array, shrink: number, stepSize: number): void;
  /**
   * The base optimizer's direction for NeuroPlastic's hybrid modes, into `out`. kind 0 (AdamW): m, v EMAs of g and
   * g^2, out = m invBc1 / (sqrt(v invBc2) + eps). kind 1 (SGD with momentum): m = beta1 m + g + wd w, out = m.
   */
  baseDirection(
    n: number,
    kind: 0 | 1,
    g: Float32Array,
    w: Float32Array,
    m: Float32Array,
    v: Float32Array,
    out: Float32Array,
    terms: BaseDirectionTerms,
  ): void;
  /**
   * The hybrid modes' residual out = strength (alpha - 1) base (`out` may be `mem`); `sums` receives the ResidualSum
   * slots (sum base^2, sum out^2, sum base out).
   */
  neuroplasticResidual(
    n: number,
    g: Float32Array,
    act: Float32Array,
    mem: Float32Array,
    base: Float32Array,
    out: Float32Array,
    alpha: AlphaTerms,
    strength: number,
    sums: Float64Array,
  ): void;
  /** w = w * shrink - stepSize (base + k resid). */
  applyResidualUpdate(
    n: number,
    w: Float32Array,
    base: Float32Array,
    resid: Float32Array,
    k: number,
    shrink: number,
    stepSize: number,
  ): void;
  /**
   * One Adam step with PyTorch's semantics: g' = g + l2 w; m, v EMAs of g' and g'^2;
   * w = w * shrink - stepSize m / (sqrt(v) invSqrtBc2 + eps).
   */
  adamUpdate(
    n: number,
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    terms: AdamTerms,
  ): void;
}

/** Spiking kernels. */
export interface SpikingKernels {
  /**
   * One step of n LIF neurons (`params` laid out as LifParam in layouts.ts): exponential Euler, or with current
   * synapses the exact step when the block's EXC_GAIN and INH_GAIN are the exact integrator's; writes the indices
   * of the neurons that fired to `spikes` and returns how many.
   */
  lifStep(
    n: number,
    v: Float32Array,
    exc: Float32Array,
    inh: Float32Array,
    input: Float32Array,
    refractory: Int32Array,
    spikes: Int32Array,
    params: Float32Array,
    conductance: boolean,
    refractorySteps: number,
  ): number;
  /**
   * One exact step of n GLIF3 neurons (LIF with two after-spike currents and alpha-shaped current synapses;
   * `params` laid out as Glif3Param in layouts.ts): every state variable advances by the block's propagator, with
   * the drive `bias + input` held over the step; refractory neurons hold V_RESET while the currents evolve; a neuron
   * whose v ends above V_THRESH + thresholdOffset fires: reset, refractory count, after-spike currents
   * asc <- RETENTION asc + AMP. Writes the indices of the neurons that fired to `spikes` and returns how many.
   */
  glif3Step(
    n: number,
    v: Float32Array,
    asc1: Float32Array,
    asc2: Float32Array,
    exc: Float32Array,
    excCurrent: Float32Array,
    inh: Float32Array,
    inhCurrent: Float32Array,
    input: Float32Array,
    thresholdOffset: Float32Array,
    refractory: Int32Array,
    spikes: Int32Array,
    params: Float32Array,
    refractorySteps: number,
  ): number;
  /**
   * One step of n independent Poisson inputs: input i spikes when the next draw u of the xoshiro128** generator
   * whose state is `rngState` (4 words, advanced n times in place) satisfies u < rateHz[i] x scale, where
   * scale = dt(s) x 2^32 (so u / 2^32 < rate x dt, the same decisions as `Rng.float() < p`). Writes the indices of
   * the inputs that spiked to `spikes` (room for n: entries past the count are scratch), ascending, and returns how
   * many.
   */
  poissonStep(
    n: number,
    rateHz: Float32Array,
    scale: number,
    rngState: Int32Array,
    spikes: Int32Array,
  ): number;
}

/**
 * C = alpha * op(A) * op(B) + beta * C, where op(A) is M x K and op(B) is K x N.
 * transA: A is stored K x M (lda >= M); transB: B is stored N x K (ldb >= K).
 */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** A 2-D convolution's shapes (per image; zero padding). */
export interface ConvGeometry {
  inChannels: number;
  inH: number;
  inW: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

/** A 2-D pooling window's shapes (per image; square window, floor mode as in PyTorch). */
export interface PoolGeometry {
  channels: number;
  inH: number;
  inW: number;
  kernel: number;
  stride: number;
  pad: number;
  outH: number;
  outW: number;
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/** Output size of a strided, padded window along one axis (floor mode), or throws naming the axis. */
function outSize(
  what: string,
  axis: string,
  input: number,
  kernel: number,
  stride: number,
  pad: number,
): number {
  if (!positiveInt(kernel) || !positiveInt(stride) || !Number.isInteger(pad) || pad < 0)
    throw new RangeError(
      `${what}: kernel and stride must be positive integers and padding >= 0, found kernel ${kernel}, stride ${stride}, padding ${pad}`,
    );
  const out = Math.floor((input + 2 * pad - kernel) / stride) + 1;
  if (out < 1)
    throw new RangeError(
      `${what}: input ${axis} ${input} (padding ${pad}) is smaller than the kernel ${kernel}`,
    );
  return out;
}

export function convGeometry(
  what: string,
  input: readonly number[],
  outChannels: number,
  kernel: [number, number],
  stride: [number, number],
  pad: [number, number],
): ConvGeometry {
  const [inChannels, inH, inW] = input;
  return {
    inChannels,
    inH,
    inW,
    outChannels,
    kernelH: kernel[0],
    kernelW: kernel[1],
    strideH: stride[0],
    strideW: stride[1],
    padH: pad[0],
    padW: pad[1],
    outH: outSize(what, 'height', inH, kernel[0], stride[0], pad[0]),
    outW: outSize(what, 'width', inW, kernel[1], stride[1], pad[1]),
  };
}

export function poolGeometry(
  what: string,
  input: readonly number[],
  kernel: number,
  stride: number,
  pad: number,
): PoolGeometry {
  const [channels, inH, inW] = input;
  if (2 * pad > kernel)
    throw new RangeError(`${what}: padding ${pad} must be at most half the kernel ${kernel}`);
  return {
    channels,
    inH,
    inW,
    kernel,
    stride,
    pad,
    outH: outSize(what, 'height', inH, kernel, stride, pad),
    outW: outSize(what, 'width', inW, kernel, stride, pad),
  };
}
