/**
 * Small image operations on one 28x28 grey image (row-major Float32Array of 784 values), the building blocks of the
 * MNIST-C corruptions in corruptions.ts. Every operation writes into a caller-given output so that a corruption
 * allocates only a few 784-element arrays.
 */
import type { Rng } from '../../util/rng.js';

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
/** The image centre in pixel coordinates (pixel centres sit on integers), the fixed point of the affine maps. */
export const IMAGE_CENTRE = (IMAGE_SIDE - 1) / 2;

/** Where a Gaussian blur reads beyond the border. */
export type BlurBorder =
  /** The nearest border pixel (scipy/skimage mode 'nearest'). */
  | 'nearest'
  /** Zero outside, with the weights renormalised over the pixels inside (skimage's Canny smoothing). */
  | 'renormalised';

const MAX_KERNEL_RADIUS = IMAGE_SIDE;

/** A 784-value image buffer: Float32Array for images, Float64Array for Canny's gradients. */
export type Pixels = Float32Array | Float64Array;

/**
 * Separable Gaussian blur of `src` into `out` (may alias `src`), using `scratch` (784 values) between the passes.
 * The kernel reaches int(4 sigma + 0.5) pixels each side, as scipy's gaussian_filter with truncate 4.
 */
export function gaussianBlur<T extends Pixels>(
  src: Pixels,
  sigmaPx: number,
  out: T,
  scratch: Pixels,
  border: BlurBorder = 'nearest',
): T {
  if (!(sigmaPx > 0)) {
    out.set(src);
    return out;
  }
  const radius = Math.min(MAX_KERNEL_RADIUS, Math.floor(4 * sigmaPx + 0.5));
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++)
    total += weights[k + radius] = Math.exp((-k * k) / (2 * sigmaPx * sigmaPx));
  for (let k = 0; k < weights.length; k++) weights[k] /= total;
  const n = IMAGE_SIDE;
  const clamp = (i: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  // Pass 1 along rows (horizontal), src -> scratch; pass 2 along columns, scratch -> out.
  for (let pass = 0; pass < 2; pass++) {
    const from = pass === 0 ? src : scratch;
    const to = pass === 0 ? scratch : out;
    for (let line = 0; line < n; line++) {
      for (let i = 0; i < n; i++) {
        let sum = 0;
        let weightInside = 0;
        for (let k = -radius; k <= radius; k++) {
          let j = i + k;
          if (j < 0 || j >= n) {
            if (border === 'renormalised') continue;
            j = clamp(j);
          }
          const w = weights[k + radius];
          sum += w * (pass === 0 ? from[line * n + j] : from[j * n + line]);
          weightInside += w;
        }
        const value = border === 'renormalised' ? sum / weightInside : sum;
        if (pass === 0) to[line * n + i] = value;
        else to[i * n + line] = value;
      }
    }
  }
  return out;
}

/** Bilinear sample at (row, col) with zero outside the image (skimage warp with order 1, mode 'constant'). */
export function sampleBilinear(src: Float32Array, row: number, col: number): number {
  const r0 = Math.floor(row);
  const c0 = Math.floor(col);
  const fr = row - r0;
  const fc = col - c0;
  const at = (r: number, c: number) =>
    r < 0 || r >= IMAGE_SIDE || c < 0 || c >= IMAGE_SIDE ? 0 : src[r * IMAGE_SIDE + c];
  return (
    (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) +
    fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1))
  );
}

/**
 * An inverse affine map about the image centre: the output pixel at offset (dx, dy) = (col, row) - centre reads the
 * input at centre + (xx*dx + xy*dy + shiftX, yx*dx + yy*dy + shiftY). x is the column, y the row (down).
 */
export interface InverseAffine {
  xx: number;
  xy: number;
  yx: number;
  yy: number;
  shiftX: number;
  shiftY: number;
}

/** Warps `src` into `out` (must not alias) by an inverse affine map with bilinear interpolation. */
export function warpAffine(src: Float32Array, map: InverseAffine, out: Float32Array): Float32Array {
  for (let row = 0; row < IMAGE_SIDE; row++) {
    const dy = row - IMAGE_CENTRE;
    for (let col = 0; col < IMAGE_SIDE; col++) {
      const dx = col - IMAGE_CENTRE;
      const srcCol = IMAGE_CENTRE + map.xx * dx + map.xy * dy + map.shiftX;
      const srcRow = IMAGE_CENTRE + map.yx * dx + map.yy * dy + map.shiftY;
      out[row * IMAGE_SIDE + col] = sampleBilinear(src, srcRow, srcCol);
    }
  }
  return out;
}

/** Clips every value to [0, 1] in place. */
export function clipUnit(image: Float32Array): Float32Array {
  for (let i = 0; i < image.length; i++) image[i] = image[i] < 0 ? 0 : image[i] > 1 ? 1 : image[i];
  return image;
}

/** out = (1 - weight) * clean + weight * corrupted, in place in `corrupted`. */
export function blendInto(clean: Float32Array, corrupted: Float32Array, weight: number): Float32Array {
  if (weight === 1) return corrupted;
  for (let i = 0; i < corrupted.length; i++) corrupted[i] = clean[i] + weight * (corrupted[i] - clean[i]);
  return corrupted;
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error near 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let series = c[0];
  for (let i = 1; i < 9; i++) series += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/**
 * A Poisson(lambda) draw: multiplication of uniforms for small means, Hörmann's transformed rejection (PTRS, 1993)
 * above, so the cost stays bounded however bright the pixel.
 */
export function poissonDraw(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let count = 0;
    let product = rng.float();
    while (product > limit) {
      count++;
      product *= rng.float();
    }
    return count;
  }
  const sqrtLambda = Math.sqrt(lambda);
  const logLambda = Math.log(lambda);
  const b = 0.931 + 2.53 * sqrtLambda;
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const acceptBox = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.float() - 0.5;
    const v = rng.float();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= acceptBox) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const lhs = Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b);
    if (lhs <= -lambda + k * logLambda - logGamma(k + 1)) return k;
  }
}

/**
 * Sobel derivatives (scipy's unnormalised [1 2 1] x [-1 0 1]; the border repeats the edge pixel): `alongCols` is
 * d/dx (column direction), `alongRows` d/dy.
 */
export function sobel(src: Pixels, alongCols: Pixels, alongRows: Pixels): void {
  const n = IMAGE_SIDE;
  const at = (r: number, c: number) =>
    src[(r < 0 ? 0 : r >= n ? n - 1 : r) * n + (c < 0 ? 0 : c >= n ? n - 1 : c)];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      alongCols[r * n + c] =
        at(r - 1, c + 1) +
        2 * at(r, c + 1) +
        at(r + 1, c + 1) -
        at(r - 1, c - 1) -
        2 * at(r, c - 1) -
        at(r + 1, c - 1);
      alongRows[r * n + c] =
        at(r + 1, c - 1) +
        2 * at(r + 1, c) +
        at(r + 1, c + 1) -
        at(r - 1, c - 1) -
        2 * at(r - 1, c) -
        at(r - 1, c + 1);
    }
  }
}

/**
 * Canny edges into `out` as 0/1: Gaussian smoothing (renormalised at the border), Sobel gradients, non-maximum
 * suppression against the gradient magnitude interpolated where the gradient line leaves the 3x3 neighbourhood,
 * then hysteresis: a weak edge (magnitude >= low) survives when 8-connected through weak edges to a strong one
 * (>= high). The one-pixel frame never holds an edge, as in skimage. Thresholds are in Sobel units of the [0, 1]
 * image.
 */
export function cannyEdges(
  src: Float32Array,
  sigmaPx: number,
  lowThreshold: number,
  highThreshold: number,
  out: Float32Array,
): Float32Array {
  const n = IMAGE_SIDE;
  // Gradients in double precision, as skimage's. Magnitudes equal in exact arithmetic (an edge exactly between two
  // pixel centres) may still break their tie either way.
  const smoothed = gaussianBlur(
    src,
    sigmaPx,
    new Float64Array(IMAGE_PIXELS),
    new Float64Array(IMAGE_PIXELS),
    'renormalised',
  );
  const gradX = new Float64Array(IMAGE_PIXELS);
  const gradY = new Float64Array(IMAGE_PIXELS);
  sobel(smoothed, gradX, gradY);
  // Magnitude reuses `smoothed`, which is no longer needed.
  const magnitude = smoothed;
  for (let i = 0; i < IMAGE_PIXELS; i++) magnitude[i] = Math.hypot(gradX[i], gradY[i]);
  // Weak/strong classes of the surviving maxima: 0 none, 1 weak, 2 strong (in `gradX`, reused).
  const level = gradX;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      const m = magnitude[i];
      let kept = 0;
      if (r > 0 && r < n - 1 && c > 0 && c < n - 1 && m >= lowThreshold) {
        const gx = gradX[i];
        const gy = gradY[i];
        const reach = Math.max(Math.abs(gx), Math.abs(gy));
        const stepCol = gx / reach;
        const stepRow = gy / reach;
        const ahead = interpolateMagnitude(magnitude, r + stepRow, c + stepCol);
        const behind = interpolateMagnitude(magnitude, r - stepRow, c - stepCol);
        if (m >= ahead && m >= behind) kept = m >= highThreshold ? 2 : 1;
      }
      level[i] = kept;
    }
  }
  // Hysteresis: flood from strong edges through weak ones; `gradY` is the stack of pixel indices.
  out.fill(0);
  const stack = gradY;
  let top = 0;
  for (let i = 0; i < IMAGE_PIXELS; i++) {
    if (level[i] !== 2) continue;
    out[i] = 1;
    stack[top++] = i;
  }
  while (top > 0) {
    const i = stack[--top];
    const r = Math.floor(i / n);
    const c = i - r * n;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || rr >= n || cc < 0 || cc >= n) continue;
        const j = rr * n + cc;
        if (level[j] !== 0 && out[j] === 0) {
          out[j] = 1;
          stack[top++] = j;
        }
      }
    }
  }
  return out;
}

function interpolateMagnitude(magnitude: Pixels, row: number, col: number): number {
  const r0 = Math.floor(row);
  const c0 = Math.floor(col);
  const fr = row - r0;
  const fc = col - c0;
  const n = IMAGE_SIDE;
  const at = (r: number, c: number) => (r < n && c < n ? magnitude[r * n + c] : 0);
  return (
    (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) +
    fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1))
  );
}

/**
 * A plasma (diamond-square) height map on a torus of side `side` (a power of two), normalised to [0, 1], into
 * `out` (side*side values). The random amplitude at each level is `wibble` squared, `wibble` shrinking by
 * `decay` per halving of the step, as in the map MNIST-C's fog draws.
 */
export function plasmaFractal(rng: Rng, side: number, decay: number, out: Float64Array): Float64Array {
  const at = (r: number, c: number) => out[((r + side) % side) * side + ((c + side) % side)];
  out.fill(0);
  let wibble = 100;
  const jitter = () => wibble * (-wibble + 2 * wibble * rng.float());
  for (let step = side; step >= 2; step /= 2) {
    const half = step / 2;
    // Square step: the centre of each square from its four corners.
    for (let r = half; r < side; r += step)
      for (let c = half; c < side; c += step)
        out[r * side + c] =
          (at(r - half, c - half) +
            at(r - half, c + half) +
            at(r + half, c - half) +
            at(r + half, c + half)) /
            4 +
          jitter();
    // Diamond step: edge midpoints from the two corners and two centres beside them.
    for (let r = 0; r < side; r += half) {
      for (let c = (r / half) % 2 === 0 ? half : 0; c < side; c += step) {
        out[r * side + c] =
          (at(r - half, c) + at(r + half, c) + at(r, c - half) + at(r, c + half)) / 4 + jitter();
      }
    }
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < out.length; i++) {
    lo = Math.min(lo, out[i]);
    hi = Math.max(hi, out[i]);
  }
  for (let i = 0; i < out.length; i++) out[i] = hi > lo ? (out[i] - lo) / (hi - lo) : 0;
  return out;
}

/**
 * Adds a soft line through (col0, row0)-(col1, row1) to `image`: intensity 1 + ln(1 - d / falloff) at vertical
 * distance d < falloff from the line (clipped to [0, 1]), only in columns floor(col0) <= c < ceil(col1); the
 * profile of MNIST-C's line corruptions. `strength` scales it (severity). Columns where `keepColumn` is false stay
 * untouched (dashes).
 */
export function addSoftLine(
  image: Float32Array,
  col0: number,
  row0: number,
  col1: number,
  row1: number,
  falloffPx: number,
  strength: number,
  keepColumn: (col: number) => boolean = () => true,
): void {
  if (col1 === col0) return;
  const slope = (row1 - row0) / (col1 - col0);
  const first = Math.max(0, Math.floor(col0));
  const end = Math.min(IMAGE_SIDE, Math.ceil(col1));
  for (let c = first; c < end; c++) {
    if (!keepColumn(c)) continue;
    const lineRow = row0 + slope * (c - col0);
    for (let r = 0; r < IMAGE_SIDE; r++) {
      const distance = Math.abs(r - lineRow);
      if (distance >= falloffPx) continue;
      const profile = Math.min(1, Math.max(0, 1 + Math.log(1 - distance / falloffPx)));
      const i = r * IMAGE_SIDE + c;
      image[i] = Math.min(1, image[i] + strength * profile);
    }
  }
}
