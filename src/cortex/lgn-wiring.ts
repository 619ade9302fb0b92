/**
 * LGN -> V1 wiring: which LGN units feed each V1 neuron. Our construction in the spirit of Billeh et al. 2020 (their
 * edge table is not public here): the column's disk maps onto a disc of the visual field (retinotopy), and each
 * neuron draws half its inputs from ON units around an ON subfield and half from OFF units around an OFF subfield,
 * the two offset across its preferred orientation (a simple-cell layout, which makes it orientation selective).
 */
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { V1Column } from './column.js';
import type { LgnModel, LgnRates, LgnTarget } from './lgn.js';

export interface LgnWiringOptions {
  seed: number;
  /** Diameter (deg) of the visual-field disc the column's disk maps onto; default 0.75 x the field's height. */
  rfSpanDeg?: number;
  /**
   * Distance (deg) of each subfield's centre from the receptive-field centre, across the preferred orientation;
   * default 6.25, a quarter period at 0.04 cycles/deg, so the subfields sit half a period apart.
   */
  subfieldOffsetDeg?: number;
  /**
   * A subfield's spread (deg) across the preferred orientation's bars; along them it is `subfieldAspect` times longer.
   * Inputs are drawn with weight exp(-(a^2 / sigma^2 + b^2 / (aspect sigma)^2) / 2) within 3 of those spreads;
   * defaults 2 deg and 3 (an elongated simple-cell subfield, our choice).
   */
  subfieldSigmaDeg?: number;
  subfieldAspect?: number;
}

/** The LGN connections onto one V1 class, aligned by connection (indices within the LGN and within the class). */
export interface LgnPathway {
  post: number;
  lgnIndex: Int32Array;
  postIndex: Int32Array;
  /** Base weight (pA) of every connection of this class; the model's per-class scale multiplies it. */
  baseWeightPa: number;
}

/** Where a neuron's receptive field lies (deg, LGN coordinates: x rightward, y downward from the field's corner). */
export function receptiveFieldCentres(
  lgn: LgnModel,
  column: V1Column,
  rfSpanDeg = 0.75 * lgn.fieldHeightDeg,
): { xDeg: Float32Array; yDeg: Float32Array }[] {
  const half = rfSpanDeg / 2 / column.radiusUm;
  return column.classes.map((c) => ({
    xDeg: Float32Array.from(c.xUm, (x) => lgn.fieldWidthDeg / 2 + x * half),
    yDeg: Float32Array.from(c.yUm, (y) => lgn.fieldHeightDeg / 2 + y * half),
  }));
}

/** LGN units of one polarity binned on a square grid, to find those near a point without scanning them all. */
class UnitGrid {
  private readonly start: Int32Array;
  private readonly units: Int32Array;
  private readonly nx: number;
  private readonly ny: number;
  constructor(
    private readonly lgn: LgnModel,
    members: number[],
    private readonly cellDeg: number,
  ) {
    this.nx = Math.max(1, Math.ceil(lgn.fieldWidthDeg / cellDeg));
    this.ny = Math.max(1, Math.ceil(lgn.fieldHeightDeg / cellDeg));
    const cellOf = (i: number) => this.cell(lgn.xDeg[i], lgn.yDeg[i]);
    this.start = new Int32Array(this.nx * this.ny + 1);
    for (const i of members) this.start[cellOf(i) + 1]++;
    for (let k = 0; k < this.nx * this.ny; k++) this.start[k + 1] += this.start[k];
    const fill = this.start.slice(0, -1);
    this.units = new Int32Array(members.length);
    for (const i of members) this.units[fill[cellOf(i)]++] = i;
  }
  private cell(x: number, y: number): number {
    const cx = Math.min(this.nx - 1, Math.max(0, Math.floor(x / this.cellDeg)));
    const cy = Math.min(this.ny - 1, Math.max(0, Math.floor(y / this.cellDeg)));
    return cy * this.nx + cx;
  }
  /** Calls `visit(unit)` for every unit within `radius` of (x, y). */
  near(x: number, y: number, radius: number, visit: (unit: number) => void): void {
    const x0 = Math.max(0, Math.floor((x - radius) / this.cellDeg));
    const x1 = Math.min(this.nx - 1, Math.floor((x + radius) / this.cellDeg));
    const y0 = Math.max(0, Math.floor((y - radius) / this.cellDeg));
    const y1 = Math.min(this.ny - 1, Math.floor((y + radius) / this.cellDeg));
    const rr = radius * radius;
    for (let cy = y0; cy <= y1; cy++)
      for (let cx = x0; cx <= x1; cx++) {
        const k = cy * this.nx + cx;
        for (let j = this.start[k]; j < this.start[k + 1]; j++) {
          const u = this.units[j];
          const dx = this.lgn.xDeg[u] - x;
          const dy = this.lgn.yDeg[u] - y;
          const r2 = dx * dx + dy * dy;
          if (r2 <= rr) visit(u);
        }
      }
  }
}

/** An elongated Gaussian subfield: centre, unit vector across the bars, spreads across and along them. */
interface Subfield {
  x: number;
  y: number;
  nx: number;
  ny: number;
  across: number;
  along: number;
}

/**
 * Draws `count` distinct units of a subfield, each with the subfield's Gaussian weight (weighted sampling without
 * replacement: the smallest keys -ln(u) / w win); fewer when fewer lie within 3 spreads.
 */
function drawNear(
  grid: UnitGrid,
  lgn: LgnModel,
  f: Subfield,
  count: number,
  rng: Rng,
  scratch: DrawScratch,
  out: number[],
): void {
  if (count <= 0) return;
  const { keys, units, order } = scratch;
  keys.length = 0;
  units.length = 0;
  grid.near(f.x, f.y, 3 * Math.max(f.across, f.along), (u) => {
    const dx = lgn.xDeg[u] - f.x;
    const dy = lgn.yDeg[u] - f.y;
    const a = (dx * f.nx + dy * f.ny) / f.across;
    const b = (-dx * f.ny + dy * f.nx) / f.along;
    const q = a * a + b * b;
    if (q <= 9) {
      keys.push(-Math.log(1 - rng.float()) / Math.exp(-q / 2));
      units.push(u);
    }
  });
  order.length = keys.length;
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((a, b) => keys[a] - keys[b] || units[a] - units[b]);
  for (let k = 0; k < Math.min(count, order.length); k++) out.push(units[order[k]]);
}

/** Arrays `drawNear` refills for every subfield, kept across neurons. */
interface DrawScratch {
  keys: number[];
  units: number[];
  order: number[];
}

/**
 * Per V1 class, its LGN connections: each neuron takes `inputsPerNeuron` (from `lgnTargets`) distinct units, half
 * (rounded up) ON and the rest OFF (two-subunit ON/OFF units join both pools), drawn around two subfield centres at
 * +-`subfieldOffsetDeg` from its receptive-field centre along the normal to its preferred orientation's bars (the
 * grating convention of `driftingGrating`). Seeded and reproducible; cost grows with connections, not with
 * neurons x units.
 */
export function lgnConnections(
  lgn: LgnModel,
  column: V1Column,
  targets: readonly LgnTarget[],
  opts: LgnWiringOptions,
): LgnPathway[] {
  const span = opts.rfSpanDeg ?? 0.75 * lgn.fieldHeightDeg;
  const offset = opts.subfieldOffsetDeg ?? 6.25;
  const sigma = opts.subfieldSigmaDeg ?? 2;
  const aspect = opts.subfieldAspect ?? 3;
  if (!(span > 0 && span <= Math.min(lgn.fieldWidthDeg, lgn.fieldHeightDeg)))
    throw new ConfigError(
      'rfSpanDeg',
      `expected a span in (0, ${Math.min(lgn.fieldWidthDeg, lgn.fieldHeightDeg)}] deg (the LGN field), found ${span}`,
    );
  if (!(offset >= 0)) throw new ConfigError('subfieldOffsetDeg', `expected >= 0 deg, found ${offset}`);
  if (!(sigma > 0)) throw new ConfigError('subfieldSigmaDeg', `expected > 0 deg, found ${sigma}`);
  if (!(aspect >= 1)) throw new ConfigError('subfieldAspect', `expected >= 1, found ${aspect}`);
  if (targets.length !== column.classes.length)
    throw new ConfigError('targets', `expected ${column.classes.length} classes, found ${targets.length}`);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < lgn.size; i++) {
    const polarity = lgn.types[lgn.typeIndex[i]].polarity;
    if (polarity !== 'OFF') on.push(i);
    if (polarity !== 'ON') off.push(i);
  }
  const onGrid = new UnitGrid(lgn, on, aspect * sigma);
  const offGrid = new UnitGrid(lgn, off, aspect * sigma);
  const centres = receptiveFieldCentres(lgn, column, span);
  return column.classes.map((c, classId) => {
    const t = targets[classId];
    const k = t.receivesLgn ? t.inputsPerNeuron : 0;
    const rng = new Rng(opts.seed, 900 + classId);
    const lgnIndex: number[] = [];
    const postIndex: number[] = [];
    const chosen: number[] = [];
    const scratch: DrawScratch = { keys: [], units: [], order: [] };
    for (let i = 0; i < c.size; i++) {
      // Bars of orientation o are crossed by the wave vector at angle 180 - o (driftingGrating's convention).
      const a = ((180 - (c.tuningDeg[i] % 180)) * Math.PI) / 180;
      const nx = Math.cos(a);
      const ny = Math.sin(a);
      const x = centres[classId].xDeg[i];
      const y = centres[classId].yDeg[i];
      const field = (side: number): Subfield => ({
        x: x + side * offset * nx,
        y: y + side * offset * ny,
        nx,
        ny,
        across: sigma,
        along: aspect * sigma,
      });
      chosen.length = 0;
      const nOn = Math.ceil(k / 2);
      drawNear(onGrid, lgn, field(1), nOn, rng, scratch, chosen);
      const onCount = chosen.length;
      drawNear(offGrid, lgn, field(-1), k - nOn, rng, scratch, chosen);
      // A two-subunit unit can fall in both pools: keep one connection per unit (each pool's draws are distinct).
      for (let j = 0; j < chosen.length; j++) {
        const u = chosen[j];
        if (j >= onCount && chosen.indexOf(u) < onCount) continue;
        lgnIndex.push(u);
        postIndex.push(i);
      }
    }
    return {
      post: classId,
      lgnIndex: Int32Array.from(lgnIndex),
      postIndex: Int32Array.from(postIndex),
      baseWeightPa: t.baseWeightPa,
    };
  });
}

/** Rates that leave every LGN unit at its gray-screen rate (an `LgnPoissonSource` past its rates' end). */
export function spontaneousLgnRates(lgn: LgnModel): LgnRates {
  return {
    size: lgn.size,
    binMs: 1,
    bins: 0,
    durationMs: 0,
    hz: new Float32Array(0),
    spontaneousHz: lgn.spontaneousHz,
  };
}
