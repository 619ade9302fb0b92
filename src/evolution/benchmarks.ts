import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { unitReferenceVectors } from './operators.js';
import { registerProblem, type KnownProblem } from './problem.js';

const MIN2 = [
  { name: 'f1', direction: 'min' as const },
  { name: 'f2', direction: 'min' as const },
];

function intOption(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  where: string,
): number {
  const v = options[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ConfigError(`${where}.${key}`, `expected an integer >= ${min}, found ${JSON.stringify(v)}`);
  return v;
}

function zdtG(x: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i];
  return 1 + (9 * s) / (x.length - 1);
}

/** ZDT1-3 (Zitzler, Deb & Thiele 2000): two objectives, genes in [0, 1], the front at g = 1. */
function zdt(which: 1 | 2 | 3, genes = 30): KnownProblem {
  const h = (f1: number, g: number) =>
    which === 1
      ? 1 - Math.sqrt(f1 / g)
      : which === 2
        ? 1 - (f1 / g) ** 2
        : 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1);
  const values = (x: readonly number[]) => {
    const g = zdtG(x);
    return [x[0], g * h(x[0], g)];
  };
  return {
    name: `zdt${which}`,
    low: new Array<number>(genes).fill(0),
    high: new Array<number>(genes).fill(1),
    objectives: MIN2,
    evaluate: values,
    front(n) {
      const count = which === 3 ? n * 20 : n;
      const pts: number[][] = Array.from({ length: count }, (_, i) => {
        const f1 = i / (count - 1);
        return [f1, h(f1, 1)];
      });
      // ZDT3's curve has dominated stretches; its front is the non-dominated part (five pieces): sorted by f1, the
      // points that lower f2.
      if (which !== 3) return pts;
      let lowest = Infinity;
      const keep: number[] = [];
      pts.forEach((q, i) => {
        if (q[1] < lowest) {
          keep.push(i);
          lowest = q[1];
        }
      });
      const step = keep.length / n;
      return Array.from({ length: n }, (_, i) => pts[keep[Math.floor(i * step)]]);
    },
  };
}

/** DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002): M objectives, genes in [0, 1], the front the unit sphere's octant. */
function dtlz2(objectives = 3, genes = objectives + 9): KnownProblem {
  const m = objectives;
  return {
    name: 'dtlz2',
    low: new Array<number>(genes).fill(0),
    high: new Array<number>(genes).fill(1),
    objectives: Array.from({ length: m }, (_, i) => ({ name: `f${i + 1}`, direction: 'min' as const })),
    evaluate(x) {
      let g = 0;
      for (let i = m - 1; i < x.length; i++) g += (x[i] - 0.5) ** 2;
      const f = new Array<number>(m);
      for (let k = 0; k < m; k++) {
        let v = 1 + g;
        for (let j = 0; j < m - 1 - k; j++) v *= Math.cos((x[j] * Math.PI) / 2);
        if (k > 0) v *= Math.sin((x[m - 1 - k] * Math.PI) / 2);
        f[k] = v;
      }
      return f;
    },
    front(n) {
      // Evenly spread directions (Das & Dennis simplex lattice), projected onto the sphere.
      return unitReferenceVectors(n, m);
    },
  };
}

/** Sphere: sum x^2 on [-5.12, 5.12]^n, optimum 0 at the origin. */
function sphere(genes = 10): KnownProblem {
  return {
    name: 'sphere',
    low: new Array<number>(genes).fill(-5.12),
    high: new Array<number>(genes).fill(5.12),
    objectives: [{ name: 'f', direction: 'min' }],
    evaluate: (x) => [x.reduce((s, v) => s + v * v, 0)],
    front: () => [[0]],
  };
}

/** Rastrigin: 10 n + sum (x^2 - 10 cos 2 pi x) on [-5.12, 5.12]^n, optimum 0 at the origin among many local ones. */
function rastrigin(genes = 10): KnownProblem {
  return {
    name: 'rastrigin',
    low: new Array<number>(genes).fill(-5.12),
    high: new Array<number>(genes).fill(5.12),
    objectives: [{ name: 'f', direction: 'min' }],
    evaluate: (x) => [x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 10 * x.length)],
    front: () => [[0]],
  };
}

/**
 * ZDT1 observed through additive Gaussian noise of standard deviation `noise` on both objectives, drawn from the
 * evaluation's seed (so an evaluation stays a pure function of genome and seed).
 */
function noisyZdt1(noise = 0.1, genes = 30): KnownProblem {
  const base = zdt(1, genes);
  return {
    ...base,
    name: 'noisy-zdt1',
    evaluate(x, seed) {
      const f = base.evaluate(x, seed) as number[];
      const rng = new Rng(seed >>> 0, 7);
      return f.map((v) => v + noise * rng.normal());
    },
    noiseless: (x) => base.evaluate(x, 0) as number[],
  };
}

/** The benchmark problems by name, with their options (`genes`, `objectives`, `noise`). */
export const BENCHMARKS = {
  zdt1: (o: Record<string, unknown> = {}, w = 'problem') => zdt(1, intOption(o, 'genes', 30, 2, w)),
  zdt2: (o: Record<string, unknown> = {}, w = 'problem') => zdt(2, intOption(o, 'genes', 30, 2, w)),
  zdt3: (o: Record<string, unknown> = {}, w = 'problem') => zdt(3, intOption(o, 'genes', 30, 2, w)),
  dtlz2: (o: Record<string, unknown> = {}, w = 'problem') => {
    const m = intOption(o, 'objectives', 3, 2, w);
    return dtlz2(m, intOption(o, 'genes', m + 9, m, w));
  },
  sphere: (o: Record<string, unknown> = {}, w = 'problem') => sphere(intOption(o, 'genes', 10, 1, w)),
  rastrigin: (o: Record<string, unknown> = {}, w = 'problem') => rastrigin(intOption(o, 'genes', 10, 1, w)),
  'noisy-zdt1': (o: Record<string, unknown> = {}, w = 'problem') => {
    const noise = o.noise ?? 0.1;
    if (typeof noise !== 'number' || !(noise >= 0))
      throw new ConfigError(`${w}.noise`, `expected a number >= 0, found ${JSON.stringify(noise)}`);
    return noisyZdt1(noise, intOption(o, 'genes', 30, 2, w));
  },
} satisfies Record<string, (o?: Record<string, unknown>, w?: string) => KnownProblem>;

for (const [name, make] of Object.entries(BENCHMARKS)) registerProblem(name, make);
