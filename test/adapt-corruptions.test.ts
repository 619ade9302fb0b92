import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Rng } from '../src/util/rng.js';
import { ConfigError } from '../src/util/errors.js';
import {
  CORRUPTION_NAMES,
  MNIST_C_PARAMETERS,
  checkCorruptionName,
  corruptImage,
  type CorruptionName,
} from '../src/adapt/vision/corruptions.js';
import { ORACLE_PYTHON, REPO_ROOT, testNeeding } from './helpers.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CENTRE = 13.5;

/** A digit-like "0": an elliptic ring about two pixels thick with soft edges, values in [0, 1]. */
function ringDigit(): Float32Array {
  const image = new Float32Array(PIXELS);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const radial = Math.hypot((c - CENTRE) / 6, (r - CENTRE) / 9);
      const distancePx = Math.abs(radial - 1) * 7;
      image[r * SIDE + c] = Math.min(1, Math.max(0, 1.6 - 0.8 * distancePx));
    }
  }
  return image;
}

/** A Gaussian spot centred at (row, col). */
function blob(row: number, col: number, sigmaPx = 1.2): Float32Array {
  const image = new Float32Array(PIXELS);
  for (let r = 0; r < SIDE; r++)
    for (let c = 0; c < SIDE; c++)
      image[r * SIDE + c] = Math.exp(-((r - row) ** 2 + (c - col) ** 2) / (2 * sigmaPx * sigmaPx));
  return image;
}

function uniformImage(value: number): Float32Array {
  return new Float32Array(PIXELS).fill(value);
}

/** Centre of mass as [x (column), y (row)]. */
function centreOfMass(image: Float32Array): [number, number] {
  let total = 0;
  let x = 0;
  let y = 0;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const v = image[r * SIDE + c];
      total += v;
      x += v * c;
      y += v * r;
    }
  }
  return [x / total, y / total];
}

const sum = (image: Float32Array) => image.reduce((a, b) => a + b, 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

test('names: the 15 MNIST-C corruptions plus two drifts, each with a parameter entry; unknown names fail in one line', () => {
  assert.equal(CORRUPTION_NAMES.length, 17);
  assert.deepEqual(Object.keys(MNIST_C_PARAMETERS).sort(), [...CORRUPTION_NAMES].sort());
  assert.equal(checkCorruptionName('fog', 'task.corruption'), 'fog');
  assert.throws(
    () => checkCorruptionName('frost', 'task.corruption'),
    (e: Error) =>
      e instanceof ConfigError &&
      /^task\.corruption: expected one of shot_noise, .*lighting, found "frost"$/.test(e.message) &&
      !e.message.includes('\n'),
  );
});

test('a wrong image length or a severity outside [0, 1] is a one-line ConfigError', () => {
  const rng = new Rng(1);
  assert.throws(
    () => corruptImage('rotate', new Float32Array(100), rng),
    (e: Error) => e instanceof ConfigError && /784 values \(28x28\), found 100 values/.test(e.message),
  );
  for (const severity of [-0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => corruptImage('fog', ringDigit(), rng, severity),
      (e: Error) =>
        e instanceof ConfigError &&
        /expected a number in \[0, 1\]/.test(e.message) &&
        !e.message.includes('\n'),
    );
  }
  assert.throws(() => corruptImage('nope' as CorruptionName, ringDigit(), rng), ConfigError);
});

test('every corruption: deterministic per seed, in [0, 1], changes the digit; severity 0 returns an exact copy', () => {
  const digit = ringDigit();
  const before = digit.slice();
  for (const name of CORRUPTION_NAMES) {
    const a = corruptImage(name, digit, new Rng(7));
    const b = corruptImage(name, digit, new Rng(7));
    assert.equal(a.length, PIXELS, name);
    assert.deepEqual(a, b, `${name}: same seed, same output`);
    assert.ok(
      a.every((v) => Number.isFinite(v) && v >= 0 && v <= 1),
      `${name}: values in [0, 1]`,
    );
    assert.ok(maxAbsDiff(a, digit) > 0.05, `${name}: changes the image`);
    const half = corruptImage(name, digit, new Rng(7), 0.5);
    assert.ok(
      half.every((v) => v >= 0 && v <= 1),
      `${name}: severity 0.5 in [0, 1]`,
    );
    const clean = corruptImage(name, digit, new Rng(7), 0);
    assert.notEqual(clean, digit, `${name}: a copy`);
    assert.deepEqual(clean, digit, `${name}: severity 0 is the clean image`);
  }
  assert.deepEqual(digit, before, 'the input is never written');
  // Random corruptions differ between seeds.
  for (const name of [
    'shot_noise',
    'impulse_noise',
    'glass_blur',
    'fog',
    'spatter',
    'dotted_line',
    'zigzag',
  ] as const)
    assert.notDeepEqual(corruptImage(name, digit, new Rng(1)), corruptImage(name, digit, new Rng(2)), name);
});

/** Exact moments of min(K / photons, 1), K ~ Poisson(x * photons), by summing the probability mass function. */
function clippedPoissonMoments(
  x: number,
  photons: number,
): { mean: number; variance: number; fourth: number } {
  const lambda = x * photons;
  const values: number[] = [];
  const probabilities: number[] = [];
  let p = Math.exp(-lambda);
  for (let k = 0; k < 400; k++) {
    values.push(Math.min(k / photons, 1));
    probabilities.push(p);
    p *= lambda / (k + 1);
  }
  const mean = values.reduce((acc, v, k) => acc + v * probabilities[k], 0);
  const variance = values.reduce((acc, v, k) => acc + (v - mean) ** 2 * probabilities[k], 0);
  const fourth = values.reduce((acc, v, k) => acc + (v - mean) ** 4 * probabilities[k], 0);
  return { mean, variance, fourth };
}

test('shot noise: pixel mean and variance match Poisson(x * photons) / photons, photons = 3 / severity', () => {
  assert.equal(MNIST_C_PARAMETERS.shot_noise.photonsPerUnitIntensity, 3);
  // Severity 0.1 gives a mean of 15 photons, which takes the rejection sampler's branch.
  for (const [x, severity] of [
    [0.3, 1],
    [0.6, 1],
    [0.3, 0.5],
    [0.5, 0.1],
  ]) {
    const rng = new Rng(11);
    const samples: number[] = [];
    for (let n = 0; n < 40; n++) samples.push(...corruptImage('shot_noise', uniformImage(x), rng, severity));
    const exact = clippedPoissonMoments(x, 3 / severity);
    const n = samples.length;
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    const variance = samples.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
    const meanSe = Math.sqrt(exact.variance / n);
    const varianceSe = Math.sqrt((exact.fourth - exact.variance ** 2) / n);
    assert.ok(
      Math.abs(mean - exact.mean) < 5 * meanSe,
      `x=${x} s=${severity}: mean ${mean} vs ${exact.mean}`,
    );
    assert.ok(
      Math.abs(variance - exact.variance) < 5 * varianceSe,
      `x=${x} s=${severity}: variance ${variance} vs ${exact.variance}`,
    );
  }
});

test('impulse noise replaces the stated fraction of pixels, half by salt and half by pepper', () => {
  assert.equal(MNIST_C_PARAMETERS.impulse_noise.replacedFraction, 0.17);
  for (const severity of [1, 0.5]) {
    const expected = 0.17 * severity;
    const rng = new Rng(3);
    let replaced = 0;
    let salt = 0;
    const images = 20;
    for (let n = 0; n < images; n++) {
      for (const v of corruptImage('impulse_noise', uniformImage(0.5), rng, severity)) {
        if (v !== 0.5) replaced++;
        if (v === 1) salt++;
        assert.ok(v === 0 || v === 0.5 || v === 1);
      }
    }
    const total = images * PIXELS;
    const se = Math.sqrt((expected * (1 - expected)) / total);
    assert.ok(Math.abs(replaced / total - expected) < 5 * se, `severity ${severity}: ${replaced / total}`);
    assert.ok(
      Math.abs(salt / replaced - 0.5) < 5 * Math.sqrt(0.25 / replaced),
      `salt share ${salt / replaced}`,
    );
  }
});

/** Where the forward map of an inverse map [[xx, xy], [yx, yy]] about the centre sends a point (x, y). */
function forwardPoint(
  inverse: [[number, number], [number, number]],
  [x, y]: [number, number],
): [number, number] {
  const [[a, b], [c, d]] = inverse;
  const det = a * d - b * c;
  const dx = x - CENTRE;
  const dy = y - CENTRE;
  return [CENTRE + (d * dx - b * dy) / det, CENTRE + (-c * dx + a * dy) / det];
}

test('rotate, shear and scale move a spot where analytic geometry says, with both random signs', () => {
  const spot = blob(8, 18);
  const source = centreOfMass(spot);
  const cases: Array<[CorruptionName, number, (sign: number) => [[number, number], [number, number]]]> = [
    // The content turns by the angle: inverse map R(sign * angle) in (x right, y down).
    [
      'rotate',
      1,
      (s) => [
        [Math.cos(0.4 * s), -Math.sin(0.4 * s)],
        [Math.sin(0.4 * s), Math.cos(0.4 * s)],
      ],
    ],
    [
      'rotate',
      0.5,
      (s) => [
        [Math.cos(0.2 * s), -Math.sin(0.2 * s)],
        [Math.sin(0.2 * s), Math.cos(0.2 * s)],
      ],
    ],
    [
      'shear',
      1,
      (s) => [
        [1, -Math.sin(0.4 * s)],
        [0, Math.cos(0.4 * s)],
      ],
    ],
    [
      'scale',
      1,
      () => [
        [1 / 0.7, 0],
        [0, 1 / 0.7],
      ],
    ],
  ];
  for (const [name, severity, inverseFor] of cases) {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 8; seed++) {
      const moved = centreOfMass(corruptImage(name, spot, new Rng(seed), severity));
      const errors = [1, -1].map((sign) =>
        Math.hypot(...forwardPoint(inverseFor(sign), source).map((v, k) => v - moved[k])),
      );
      const best = errors[0] <= errors[1] ? 1 : -1;
      assert.ok(
        Math.min(...errors) < 0.1,
        `${name} s=${severity} seed ${seed}: off by ${Math.min(...errors)} px`,
      );
      seen.add(best);
    }
    if (name !== 'scale') assert.equal(seen.size, 2, `${name}: both directions drawn`);
  }
  // The angle itself: the spot's bearing from the centre turns by 0.4 rad.
  const turned = centreOfMass(corruptImage('rotate', spot, new Rng(1), 1));
  const bearing = (p: [number, number]) => Math.atan2(p[1] - CENTRE, p[0] - CENTRE);
  assert.ok(Math.abs(Math.abs(bearing(turned) - bearing(source)) - 0.4) < 0.01);
});

test('translate shifts the centre of mass by 3 px on each axis (1.5 px at severity 0.5), random signs', () => {
  const spot = blob(13, 14);
  const source = centreOfMass(spot);
  for (const severity of [1, 0.5]) {
    const signs = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const [x, y] = centreOfMass(corruptImage('translate', spot, new Rng(seed), severity));
      const dx = x - source[0];
      const dy = y - source[1];
      assert.ok(Math.abs(Math.abs(dx) - 3 * severity) < 1e-3, `dx ${dx}`);
      assert.ok(Math.abs(Math.abs(dy) - 3 * severity) < 1e-3, `dy ${dy}`);
      signs.add(`${Math.sign(dx)},${Math.sign(dy)}`);
    }
    assert.ok(signs.size >= 3, `sign pairs drawn: ${[...signs].join(' ')}`);
  }
});

test('brightness, contrast and stripe follow their formulas', () => {
  const digit = ringDigit();
  const rng = new Rng(5);
  for (const severity of [1, 0.5]) {
    const bright = corruptImage('brightness', digit, rng, severity);
    const contrast = corruptImage('contrast', digit, rng, severity);
    const factor = 1 - 0.6 * severity;
    const mean = sum(digit) / PIXELS;
    for (let i = 0; i < PIXELS; i++) {
      assert.ok(Math.abs(bright[i] - Math.min(1, digit[i] + 0.5 * severity)) < 1e-6);
      assert.ok(Math.abs(contrast[i] - (mean + factor * (digit[i] - mean))) < 1e-6);
    }
  }
  const stripe = corruptImage('stripe', digit, rng);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const i = r * SIDE + c;
      const inverted = c < 7 || c >= 21;
      assert.ok(Math.abs(stripe[i] - (inverted ? 1 - digit[i] : digit[i])) < 1e-6, `stripe at ${r},${c}`);
    }
  }
});

test('lighting adds a planar ramp from 0 to +0.5 across the image', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const lit = corruptImage('lighting', uniformImage(0), new Rng(seed));
    assert.ok(Math.abs(Math.max(...lit) - 0.5) < 1e-6 && Math.abs(Math.min(...lit)) < 1e-6);
    // Planar: every second difference along rows and columns vanishes.
    for (let r = 0; r < SIDE; r++) {
      for (let c = 1; c < SIDE - 1; c++) {
        assert.ok(Math.abs(lit[r * SIDE + c - 1] - 2 * lit[r * SIDE + c] + lit[r * SIDE + c + 1]) < 1e-5);
        assert.ok(Math.abs(lit[(c - 1) * SIDE + r] - 2 * lit[c * SIDE + r] + lit[(c + 1) * SIDE + r]) < 1e-5);
      }
    }
  }
});

test('motion blur smears mass into a one-sided streak of Gaussian weights within 45 degrees of the x axis', () => {
  const spot = blob(14, 16);
  const source = centreOfMass(spot);
  // Mean tap distance of a half-Gaussian of sigma 3 px: 3 sqrt(2 / pi).
  const meanReachPx = 3 * Math.sqrt(2 / Math.PI);
  for (let seed = 1; seed <= 6; seed++) {
    const smeared = corruptImage('motion_blur', spot, new Rng(seed));
    assert.ok(Math.abs(sum(smeared) - sum(spot)) < 1e-3 * sum(spot), 'mass kept');
    const [x, y] = centreOfMass(smeared);
    const dx = x - source[0];
    const dy = y - source[1];
    // Each output pixel reads the pixels ahead along the angle, so the content trails behind (towards -x).
    assert.ok(Math.abs(Math.hypot(dx, dy) - meanReachPx) < 0.35, `streak reach ${Math.hypot(dx, dy)}`);
    assert.ok(dx < 0 && Math.abs(dy) <= -dx + 0.3, `direction ${dx}, ${dy}`);
  }
});

test('fog, spatter, glass blur, dotted line and zigzag stay within their constructions', () => {
  const digit = ringDigit();
  for (let seed = 1; seed <= 4; seed++) {
    // Fog: out = (x + 3 f) / 4 for an image whose brightest pixel is 1, with the field f in [0, 1].
    const fogged = corruptImage('fog', digit, new Rng(seed));
    for (let i = 0; i < PIXELS; i++) {
      const field = (fogged[i] * 4 - digit[i]) / 3;
      assert.ok(field > -1e-5 && field < 1 + 1e-5, `fog field ${field}`);
    }
    // Spatter: each pixel stays or moves towards the mud grey 63/255.
    const mud = 63 / 255;
    const spattered = corruptImage('spatter', digit, new Rng(seed));
    for (let i = 0; i < PIXELS; i++) {
      const lo = Math.min(digit[i], mud) - 1e-6;
      const hi = Math.max(digit[i], mud) + 1e-6;
      assert.ok(spattered[i] >= lo && spattered[i] <= hi);
    }
    // Glass blur moves ink locally: its total changes little.
    const glass = corruptImage('glass_blur', digit, new Rng(seed));
    assert.ok(
      Math.abs(sum(glass) - sum(digit)) < 0.03 * sum(digit),
      `glass mass ${sum(glass)} vs ${sum(digit)}`,
    );
    // Dotted line on a blank image: only dash columns (2-3, 6-7, ...) light up, each to nearly full intensity.
    const dotted = corruptImage('dotted_line', uniformImage(0), new Rng(seed));
    for (let c = 0; c < SIDE; c++) {
      let columnMax = 0;
      for (let r = 0; r < SIDE; r++) columnMax = Math.max(columnMax, dotted[r * SIDE + c]);
      const dash = Math.floor(c / 2) % 2 === 1 && c < SIDE - 1;
      if (dash) assert.ok(columnMax > 0.75, `dash column ${c}: ${columnMax}`);
      else assert.equal(columnMax, 0, `gap column ${c}`);
    }
    // Zigzag on a blank image: drawn from column 2 on, and present across most of the width.
    const zig = corruptImage('zigzag', uniformImage(0), new Rng(seed));
    let litColumns = 0;
    for (let c = 0; c < SIDE; c++) {
      let columnMax = 0;
      for (let r = 0; r < SIDE; r++) columnMax = Math.max(columnMax, zig[r * SIDE + c]);
      if (c < 2) assert.equal(columnMax, 0);
      if (columnMax > 0.5) litColumns++;
    }
    assert.ok(litColumns >= 18, `zigzag spans ${litColumns} columns`);
  }
});

/** A filled square of ones over rows and columns 8..19. */
function filledSquare(): Float32Array {
  const image = new Float32Array(PIXELS);
  for (let r = 8; r < 20; r++) for (let c = 8; c < 20; c++) image[r * SIDE + c] = 1;
  return image;
}

test('Canny on a filled square: binary edges on its border only, all four sides; none on a blank image', () => {
  const edges = corruptImage('canny_edges', filledSquare(), new Rng(1));
  const sidesHit = new Set<string>();
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const v = edges[r * SIDE + c];
      assert.ok(v === 0 || v === 1);
      if (v === 0) continue;
      // The boundary lies between pixels 7|8 and 19|20: edges sit on one of the two pixels astride it.
      const ring = Math.max(Math.abs(r - CENTRE), Math.abs(c - CENTRE));
      assert.ok(ring === 5.5 || ring === 6.5, `edge at ${r},${c} off the border`);
      if (Math.abs(r - CENTRE) === ring) sidesHit.add(r < CENTRE ? 'top' : 'bottom');
      if (Math.abs(c - CENTRE) === ring) sidesHit.add(c < CENTRE ? 'left' : 'right');
    }
  }
  assert.deepEqual([...sidesHit].sort(), ['bottom', 'left', 'right', 'top']);
  // Each side is an unbroken run along its middle rows/columns.
  for (let k = 10; k < 18; k++) {
    assert.ok(edges[7 * SIDE + k] + edges[8 * SIDE + k] >= 1, `top at column ${k}`);
    assert.ok(edges[k * SIDE + 7] + edges[k * SIDE + 8] >= 1, `left at row ${k}`);
  }
  assert.ok(corruptImage('canny_edges', uniformImage(0), new Rng(1)).every((v) => v === 0));
  assert.ok(corruptImage('canny_edges', uniformImage(0.7), new Rng(1)).every((v) => v === 0));
});

/**
 * Canny's hysteresis: a rectangle whose top part is a strong edge (height 0.12, above the high threshold) and whose
 * lower part is weak (0.06, between the thresholds), beside an isolated weak rectangle. Borders cover their pixels
 * partly, so that no two gradient magnitudes tie. `capHeight` 0.06 makes the first rectangle all weak.
 */
function hysteresisPicture(capHeight = 0.12): Float32Array {
  const cover = (i: number, first: number, end: number) =>
    i === first ? 0.35 : i === end - 1 ? 0.8 : i > first && i < end ? 1 : 0;
  const image = new Float32Array(PIXELS);
  for (let r = 0; r < SIDE; r++)
    for (let c = 0; c < SIDE; c++)
      image[r * SIDE + c] =
        cover(c, 6, 14) * (cover(r, 2, 9) * capHeight + cover(r, 9, 26) * 0.06) +
        cover(c, 18, 24) * cover(r, 8, 24) * 0.06;
  return image;
}

test('Canny hysteresis keeps weak edges joined to strong ones and drops isolated weak edges', () => {
  const edges = corruptImage('canny_edges', hysteresisPicture(), new Rng(1));
  const edgeAt = (r: number, c: number) => edges[r * SIDE + c] === 1;
  for (let r = 12; r < 23; r++)
    assert.ok(edgeAt(r, 5) || edgeAt(r, 6) || edgeAt(r, 7), `weak left side, row ${r}`);
  for (let r = 0; r < SIDE; r++)
    for (let c = 15; c < SIDE; c++) assert.ok(!edgeAt(r, c), `isolated weak edge at ${r},${c}`);
  // Without its strong cap the same rectangle has no edge at all: the kept ones were weak.
  assert.ok(corruptImage('canny_edges', hysteresisPicture(0.06), new Rng(1)).every((v) => v === 0));
});

testNeeding(
  ['scipy-skimage'],
  'independent oracle: scipy affine_transform (order 1) and skimage Canny agree',
  () => {
    const digit = ringDigit();
    const rotation = (a: number) => [
      [Math.cos(a), -Math.sin(a)],
      [Math.sin(a), Math.cos(a)],
    ];
    const shearing = (s: number) => [
      [1, -Math.sin(s)],
      [0, Math.cos(s)],
    ];
    const candidates: Record<'rotate' | 'shear' | 'scale', number[]> = {
      rotate: [0, 1],
      shear: [2, 3],
      scale: [4],
    };
    const affine = [
      rotation(0.4),
      rotation(-0.4),
      shearing(0.4),
      shearing(-0.4),
      [
        [1 / 0.7, 0],
        [0, 1 / 0.7],
      ],
    ];
    // Canny inputs: the digit, the hysteresis picture, spots, faint ink, and the digit as corruptions leave it (turned,
    // glass-blurred, noisy); none has edges exactly between pixel centres, where ties may break either way.
    const images = [
      digit,
      hysteresisPicture(),
      blob(10.3, 15.6, 2),
      blob(1.4, 25.7, 2),
      // Faint ink whose edge magnitudes lie between the two thresholds' scale (0.1 to 0.2): the thresholds decide.
      digit.map((v) => 0.1 * v),
      corruptImage('rotate', digit, new Rng(2)),
      corruptImage('glass_blur', digit, new Rng(2)),
      corruptImage('shot_noise', digit, new Rng(2)),
    ];
    const run = spawnSync(ORACLE_PYTHON, [join(REPO_ROOT, 'scripts', 'mnist_c_oracle.py')], {
      input: JSON.stringify({ images: images.map((image) => [...image]), affine }),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    assert.equal(run.status, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as { affine: number[][][]; canny: number[][] };
    for (const [name, indices] of Object.entries(candidates) as Array<
      ['rotate' | 'shear' | 'scale', number[]]
    >) {
      for (let seed = 1; seed <= 4; seed++) {
        const ours = corruptImage(name, digit, new Rng(seed));
        const closest = Math.min(...indices.map((k) => maxAbsDiff(ours, answer.affine[0][k])));
        assert.ok(closest < 1e-5, `${name} seed ${seed}: differs from scipy by ${closest}`);
      }
    }
    images.forEach((image, k) => {
      const ours = corruptImage('canny_edges', image, new Rng(1));
      const reference = answer.canny[k];
      let differing = 0;
      for (let i = 0; i < PIXELS; i++) if (ours[i] !== reference[i]) differing++;
      const edgeCount = reference.reduce((a, b) => a + b, 0);
      assert.ok(edgeCount >= 5, `image ${k}: the reference finds edges`);
      assert.ok(
        differing <= 2,
        `image ${k}: Canny differs from skimage at ${differing} pixels (${edgeCount} edges)`,
      );
    });
  },
);
