/**
 * Image corruptions for vision under changing conditions: the 15 corruptions of MNIST-C (Mu & Gilmer 2019,
 * arXiv 1906.02337) plus two drifts of ours (contrast, lighting), on one 28x28 grey image in [0, 1].
 *
 * MNIST-C's generator (google-research/mnist-c, corruptions.py) lists five levels for most corruptions, while the
 * paper uses one severity per corruption. We take each function's default level there as that severity (an
 * inference: the paper's appendix was not at hand to confirm every value); it is tabled in MNIST_C_PARAMETERS and is
 * what severity 1 means here. The implementations are our own, written from those parameters and the published
 * description of each operation; MNIST-C's 8-bit rounding of outputs is not reproduced.
 *
 * Severity between 0 and 1 scales a corruption's own parameter: noise variance (shot noise), replaced fraction
 * (impulse noise), blur width and swap probability (glass blur), streak width (motion blur), angle (shear, rotate),
 * shrinkage (scale), offset (brightness, translate), fog strength, line intensity (dotted line, zigzag), contrast
 * loss and lighting gain. Stripe, spatter and Canny edges blend clean and corrupted pixels instead.
 */
import type { Rng } from '../../util/rng.js';
import { ConfigError } from '../../util/errors.js';
import {
  IMAGE_CENTRE,
  IMAGE_PIXELS,
  IMAGE_SIDE,
  addSoftLine,
  blendInto,
  cannyEdges,
  clipUnit,
  gaussianBlur,
  plasmaFractal,
  poissonDraw,
  warpAffine,
  type InverseAffine,
} from './image-ops.js';

/** The 15 MNIST-C corruptions plus two drifts. */
export const CORRUPTION_NAMES = [
  'shot_noise',
  'impulse_noise',
  'glass_blur',
  'motion_blur',
  'shear',
  'scale',
  'rotate',
  'brightness',
  'translate',
  'stripe',
  'fog',
  'spatter',
  'dotted_line',
  'zigzag',
  'canny_edges',
  'contrast',
  'lighting',
] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];

/**
 * Each corruption's parameters at severity 1. For the 15 MNIST-C corruptions these are the values of the
 * severity MNIST-C was generated at (the default severity argument of each function in google-research/mnist-c's
 * corruptions.py; given there as a level 1-5 of a five-value list, noted per entry). Entries marked "ours" are
 * not MNIST-C's.
 */
export const MNIST_C_PARAMETERS = {
  /** Poisson photon noise: a pixel of intensity x becomes Poisson(x * photons) / photons (level 5 of 60/25/12/5/3). */
  shot_noise: { photonsPerUnitIntensity: 3 },
  /** Salt and pepper: this fraction of pixels is replaced, half by 1 and half by 0 (level 4 of .03/.06/.09/.17/.27). */
  impulse_noise: { replacedFraction: 0.17, saltShare: 0.5 },
  /**
   * Blur, then `iterations` sweeps that swap each interior pixel with probability 1/2 with a neighbour offset by
   * an integer in [-maxShiftPx, maxShiftPx - 1] on each axis, then blur again (level 1 of five). The blurred
   * image is quantised to 8 bits before the swaps, as the original did.
   */
  glass_blur: { sigmaPx: 0.7, maxShiftPx: 1, iterations: 2, swapProbability: 0.5 },
  /**
   * ImageMagick's motion blur: a one-sided streak of 2*radius+1 taps weighted by a Gaussian of `sigmaPx` in the
   * distance along the streak, at an angle uniform in +-maxAngleDeg (level 1 of five). Borders repeat the edge.
   */
  motion_blur: { radiusPx: 10, sigmaPx: 3, maxAngleDeg: 45 },
  /**
   * skimage's affine shear (an angle: the inverse map is x' = x - sin(s) y, y' = cos(s) y about the centre) with a
   * random sign (level 2 of .2/.4/.6/.8/1 rad).
   */
  shear: { shearRad: 0.4 },
  /** The content shrinks about the centre to this fraction of its size (inverse-map scale 1/0.7; level 3 of five). */
  scale: { zoom: 0.7 },
  /** Rotation about the centre by this angle with a random sign (level 2 of .2/.4/.6/.8/1 rad, about 22.9 degrees). */
  rotate: { angleRad: 0.4 },
  /** Added to HSV value, which for a grey image adds to the intensity before clipping (level 5 of .1 to .5). */
  brightness: { valueShift: 0.5 },
  /** The content moves by this many pixels along each axis, each with a random sign (level 3 of 1 to 5). */
  translate: { shiftPx: 3 },
  /** Intensities inverted (1 - x) in columns [0, 7) and [21, 28). No severity levels in MNIST-C. */
  stripe: {
    invertedColumnRanges: [
      [0, 7],
      [21, 28],
    ],
  },
  /**
   * x + strength * plasma, rescaled by max / (max + strength), max the image's brightest pixel (level 5 of five).
   * MNIST-C cuts the 28x28 window from a 256x256 plasma map; ours draws a 32x32 toroidal map (ours: keeps the
   * work per image small), normalised over that map, with the same decay per octave.
   */
  fog: { strength: 3, wibbleDecay: 1.4, plasmaSidePx: 32 },
  /**
   * Mud: Gaussian noise N(liquidMean, liquidStd) blurred by liquidSigmaPx and thresholded at liquidThreshold gives
   * a mask, blurred by maskSigmaPx and kept where >= maskThreshold; masked pixels blend to mudIntensity (63/255)
   * (level 4 of five).
   */
  spatter: {
    liquidMean: 0.65,
    liquidStd: 0.3,
    liquidSigmaPx: 1,
    liquidThreshold: 0.65,
    maskSigmaPx: 1.5,
    maskThreshold: 0.8,
    mudIntensity: 63 / 255,
  },
  /**
   * A line from column 0 to 27 between rows drawn in [0, 26], profile 1 + ln(1 - d / falloffPx) at vertical
   * distance d, drawn in every other run of dashPx columns (starting with a gap). No severity levels in MNIST-C.
   */
  dotted_line: { falloffPx: 2.3, dashPx: 2 },
  /**
   * A zigzag of teeth toothLengthPx long and toothHeightPx high along a line from (startCol, r0) towards
   * (endCol, r0 + rise), r0 in [0, 26], rise an integer in [-maxRisePx, maxRisePx - 1], each segment drawn with
   * dotted_line's profile. No severity levels in MNIST-C.
   */
  zigzag: { toothLengthPx: 2, toothHeightPx: 2, startCol: 2, endCol: 25, maxRisePx: 5, falloffPx: 2.3 },
  /** skimage's Canny defaults for a float image: sigma 1, hysteresis thresholds 0.1 and 0.2 in Sobel units. */
  canny_edges: { sigmaPx: 1, lowThreshold: 0.1, highThreshold: 0.2 },
  /**
   * Ours (MNIST-C has no contrast corruption): deviations from the image mean scaled by `factor`, the first of
   * Hendrycks & Dietterich's ImageNet-C contrast levels (0.4, also level 1 of the unused contrast function in
   * MNIST-C's corruptions.py).
   */
  contrast: { factor: 0.4 },
  /**
   * Ours: a linear illumination ramp of uniformly random direction added to background and ink alike, rising from
   * 0 at the darkest corner to maxGain at the opposite one.
   */
  lighting: { maxGain: 0.5 },
} as const;

/** Checks a name (throws ConfigError naming `where`, the expected names and the name found). */
export function checkCorruptionName(name: string, where: string): CorruptionName {
  if ((CORRUPTION_NAMES as readonly string[]).includes(name)) return name as CorruptionName;
  throw new ConfigError(
    where,
    `expected one of ${CORRUPTION_NAMES.join(', ')}, found ${JSON.stringify(name)}`,
  );
}

const randomSign = (rng: Rng) => (rng.int(2) === 0 ? -1 : 1);

/**
 * image: one 28x28 grey image, row-major, values in [0, 1] (0 background, 1 ink, as MNIST/Fashion-MNIST scaled by
 * 1/255). Returns a new array, values clipped to [0,1]. severity: 0 gives the image back unchanged (a copy), 1
 * gives MNIST-C's published severity; values in between interpolate the corruption's own parameter (noise amount,
 * angle, blur length, shift...) where that is natural, else blend clean and corrupted pixels. Pure given (image,
 * rng state, severity).
 */
export function corruptImage(
  name: CorruptionName,
  image: Float32Array,
  rng: Rng,
  severity = 1,
): Float32Array {
  checkCorruptionName(name, 'corruption');
  if (!(image instanceof Float32Array) || image.length !== IMAGE_PIXELS) {
    const found = image instanceof Float32Array ? `${image.length} values` : typeof image;
    throw new ConfigError(
      `${name} image`,
      `expected a Float32Array of ${IMAGE_PIXELS} values (28x28), found ${found}`,
    );
  }
  if (typeof severity !== 'number' || !(severity >= 0 && severity <= 1)) {
    throw new ConfigError(`${name} severity`, `expected a number in [0, 1], found ${severity}`);
  }
  if (severity === 0) return image.slice();
  return clipUnit(CORRUPTIONS[name](image, rng, severity));
}

type Corruption = (image: Float32Array, rng: Rng, severity: number) => Float32Array;

const P = MNIST_C_PARAMETERS;

/** Rotation, shear, scale and translation as inverse maps (output -> input), in skimage's (x = col, y = row). */
function geometric(image: Float32Array, map: InverseAffine): Float32Array {
  return warpAffine(image, map, new Float32Array(IMAGE_PIXELS));
}

const CORRUPTIONS: Record<CorruptionName, Corruption> = {
  // Severity scales the noise variance: photons = published / severity.
  shot_noise(image, rng, severity) {
    const photons = P.shot_noise.photonsPerUnitIntensity / severity;
    const out = new Float32Array(IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) out[i] = poissonDraw(rng, image[i] * photons) / photons;
    return out;
  },

  impulse_noise(image, rng, severity) {
    const fraction = P.impulse_noise.replacedFraction * severity;
    const out = image.slice();
    for (let i = 0; i < IMAGE_PIXELS; i++) {
      const replaced = rng.float() < fraction;
      const salt = rng.float() < P.impulse_noise.saltShare;
      if (replaced) out[i] = salt ? 1 : 0;
    }
    return out;
  },

  // Severity scales the blur width and the swap probability.
  glass_blur(image, rng, severity) {
    const { sigmaPx, maxShiftPx, iterations, swapProbability } = P.glass_blur;
    const scratch = new Float32Array(IMAGE_PIXELS);
    const out = gaussianBlur(image, sigmaPx * severity, new Float32Array(IMAGE_PIXELS), scratch);
    for (let i = 0; i < IMAGE_PIXELS; i++) out[i] = Math.floor(Math.min(1, Math.max(0, out[i])) * 255) / 255;
    for (let sweep = 0; sweep < iterations; sweep++) {
      for (let row = IMAGE_SIDE - maxShiftPx; row > maxShiftPx; row--) {
        for (let col = IMAGE_SIDE - maxShiftPx; col > maxShiftPx; col--) {
          if (rng.float() >= swapProbability * severity) continue;
          const dx = rng.int(2 * maxShiftPx) - maxShiftPx;
          const dy = rng.int(2 * maxShiftPx) - maxShiftPx;
          // The sweep's bounds keep both pixels of a pair inside the image.
          const a = row * IMAGE_SIDE + col;
          const b = (row + dy) * IMAGE_SIDE + col + dx;
          const t = out[a];
          out[a] = out[b];
          out[b] = t;
        }
      }
    }
    return gaussianBlur(out, sigmaPx * severity, out, scratch);
  },

  // Severity scales the Gaussian weight's width along the streak.
  motion_blur(image, rng, severity) {
    const { radiusPx, sigmaPx, maxAngleDeg } = P.motion_blur;
    const angleRad = ((-maxAngleDeg + 2 * maxAngleDeg * rng.float()) * Math.PI) / 180;
    const taps = 2 * radiusPx + 1;
    const sigma = sigmaPx * severity;
    const weights = new Float64Array(taps);
    const offsetCol = new Int32Array(taps);
    const offsetRow = new Int32Array(taps);
    let total = 0;
    for (let k = 0; k < taps; k++) {
      total += weights[k] = Math.exp((-k * k) / (2 * sigma * sigma));
      // ImageMagick rounds halves down.
      offsetCol[k] = Math.ceil(k * Math.cos(angleRad) - 0.5);
      offsetRow[k] = Math.ceil(k * Math.sin(angleRad) - 0.5);
    }
    const out = new Float32Array(IMAGE_PIXELS);
    const clamp = (i: number) => (i < 0 ? 0 : i >= IMAGE_SIDE ? IMAGE_SIDE - 1 : i);
    for (let row = 0; row < IMAGE_SIDE; row++) {
      for (let col = 0; col < IMAGE_SIDE; col++) {
        let sum = 0;
        for (let k = 0; k < taps; k++)
          sum += weights[k] * image[clamp(row + offsetRow[k]) * IMAGE_SIDE + clamp(col + offsetCol[k])];
        out[row * IMAGE_SIDE + col] = sum / total;
      }
    }
    return out;
  },

  // Severity scales the shear angle.
  shear(image, rng, severity) {
    const shear = randomSign(rng) * P.shear.shearRad * severity;
    return geometric(image, {
      xx: 1,
      xy: -Math.sin(shear),
      yx: 0,
      yy: Math.cos(shear),
      shiftX: 0,
      shiftY: 0,
    });
  },

  // Severity moves the zoom from 1 towards the published fraction.
  scale(image, _rng, severity) {
    const inverseZoom = 1 / (1 - (1 - P.scale.zoom) * severity);
    return geometric(image, { xx: inverseZoom, xy: 0, yx: 0, yy: inverseZoom, shiftX: 0, shiftY: 0 });
  },

  // Severity scales the angle. The inverse map rotates by +angle, so the content turns by -angle (x right, y down).
  rotate(image, rng, severity) {
    const angle = randomSign(rng) * P.rotate.angleRad * severity;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    return geometric(image, { xx: cos, xy: -sin, yx: sin, yy: cos, shiftX: 0, shiftY: 0 });
  },

  brightness(image, _rng, severity) {
    const out = image.slice();
    for (let i = 0; i < IMAGE_PIXELS; i++) out[i] += P.brightness.valueShift * severity;
    return out;
  },

  // Severity scales the shift (fractional shifts interpolate bilinearly). The content moves by (+shiftX, +shiftY).
  translate(image, rng, severity) {
    const shiftX = randomSign(rng) * P.translate.shiftPx * severity;
    const shiftY = randomSign(rng) * P.translate.shiftPx * severity;
    return geometric(image, { xx: 1, xy: 0, yx: 0, yy: 1, shiftX: -shiftX, shiftY: -shiftY });
  },

  stripe(image, _rng, severity) {
    const out = image.slice();
    for (const [first, end] of P.stripe.invertedColumnRanges) {
      for (let row = 0; row < IMAGE_SIDE; row++) {
        for (let col = first; col < end; col++)
          out[row * IMAGE_SIDE + col] = 1 - image[row * IMAGE_SIDE + col];
      }
    }
    return blendInto(image, out, severity);
  },

  // Severity scales the fog strength.
  fog(image, rng, severity) {
    const { strength, wibbleDecay, plasmaSidePx } = P.fog;
    const fogStrength = strength * severity;
    const plasma = plasmaFractal(
      rng,
      plasmaSidePx,
      wibbleDecay,
      new Float64Array(plasmaSidePx * plasmaSidePx),
    );
    let brightest = 0;
    for (let i = 0; i < IMAGE_PIXELS; i++) brightest = Math.max(brightest, image[i]);
    const rescale = brightest / (brightest + fogStrength);
    const out = new Float32Array(IMAGE_PIXELS);
    for (let row = 0; row < IMAGE_SIDE; row++) {
      for (let col = 0; col < IMAGE_SIDE; col++) {
        const i = row * IMAGE_SIDE + col;
        out[i] = (image[i] + fogStrength * plasma[row * plasmaSidePx + col]) * rescale;
      }
    }
    return out;
  },

  spatter(image, rng, severity) {
    const s = P.spatter;
    const scratch = new Float32Array(IMAGE_PIXELS);
    const mask = new Float32Array(IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) mask[i] = s.liquidMean + s.liquidStd * rng.normal();
    gaussianBlur(mask, s.liquidSigmaPx, mask, scratch);
    for (let i = 0; i < IMAGE_PIXELS; i++) mask[i] = mask[i] > s.liquidThreshold ? 1 : 0;
    gaussianBlur(mask, s.maskSigmaPx, mask, scratch);
    const out = image.slice();
    for (let i = 0; i < IMAGE_PIXELS; i++) {
      const m = mask[i] < s.maskThreshold ? 0 : mask[i];
      out[i] = image[i] * (1 - m) + s.mudIntensity * m;
    }
    return blendInto(image, out, severity);
  },

  // Severity scales the line's intensity.
  dotted_line(image, rng, severity) {
    const { falloffPx, dashPx } = P.dotted_line;
    const row0 = rng.int(IMAGE_SIDE - 1);
    const row1 = rng.int(IMAGE_SIDE - 1);
    const out = image.slice();
    const inDash = (col: number) => Math.floor(col / dashPx) % 2 === 1;
    addSoftLine(out, 0, row0, IMAGE_SIDE - 1, row1, falloffPx, severity, inDash);
    return out;
  },

  // Severity scales the lines' intensity.
  zigzag(image, rng, severity) {
    const z = P.zigzag;
    const row0 = rng.int(IMAGE_SIDE - 1);
    const rise = rng.int(2 * z.maxRisePx) - z.maxRisePx;
    const theta = Math.atan(rise / (z.endCol - z.startCol));
    const lengthPx = (z.endCol - z.startCol) / Math.cos(theta);
    // Vertices along the unrotated axis: the start, then alternating tooth tips every 2 * toothLength, then a
    // closing vertex at the full length placed as MNIST-C places it.
    const cols = [0];
    const rows = [0];
    const a = z.toothLengthPx;
    const teeth = Math.floor((lengthPx - a) / (2 * a)) + 1;
    let lastTipRow = 0;
    for (let i = 0; i < teeth; i++) {
      cols.push((2 * i + 1) * a);
      lastTipRow = (i % 2 === 0 ? 1 : -1) * z.toothHeightPx;
      rows.push(lastTipRow);
    }
    const lastFullPeriod = 2 * a * Math.floor(lengthPx / (2 * a));
    if (lengthPx !== lastFullPeriod) {
      cols.push(lengthPx);
      rows.push(lastTipRow / (2 * (lengthPx - lastFullPeriod)));
    }
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const out = image.slice();
    let prevCol: number = z.startCol;
    let prevRow: number = row0;
    for (let k = 1; k < cols.length; k++) {
      const col = z.startCol + cos * cols[k] - sin * rows[k];
      const row = row0 + sin * cols[k] + cos * rows[k];
      addSoftLine(out, prevCol, prevRow, col, row, z.falloffPx, severity);
      prevCol = col;
      prevRow = row;
    }
    return out;
  },

  canny_edges(image, _rng, severity) {
    const c = P.canny_edges;
    const edges = cannyEdges(
      image,
      c.sigmaPx,
      c.lowThreshold,
      c.highThreshold,
      new Float32Array(IMAGE_PIXELS),
    );
    return blendInto(image, edges, severity);
  },

  // Severity moves the factor from 1 towards the published one.
  contrast(image, _rng, severity) {
    const factor = 1 - (1 - P.contrast.factor) * severity;
    let mean = 0;
    for (let i = 0; i < IMAGE_PIXELS; i++) mean += image[i];
    mean /= IMAGE_PIXELS;
    const out = new Float32Array(IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) out[i] = mean + (image[i] - mean) * factor;
    return out;
  },

  // Severity scales the gain.
  lighting(image, rng, severity) {
    const direction = 2 * Math.PI * rng.float();
    const ux = Math.cos(direction);
    const uy = Math.sin(direction);
    const farthest = IMAGE_CENTRE * (Math.abs(ux) + Math.abs(uy));
    const gain = P.lighting.maxGain * severity;
    const out = new Float32Array(IMAGE_PIXELS);
    for (let row = 0; row < IMAGE_SIDE; row++) {
      for (let col = 0; col < IMAGE_SIDE; col++) {
        const along = ((col - IMAGE_CENTRE) * ux + (row - IMAGE_CENTRE) * uy) / farthest;
        out[row * IMAGE_SIDE + col] = image[row * IMAGE_SIDE + col] + gain * (0.5 + 0.5 * along);
      }
    }
    return out;
  },
};
