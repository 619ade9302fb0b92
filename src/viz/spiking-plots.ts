/**
 * Plots of spiking runs: spike raster, population rate, weight histogram over time; SVG strings for reports and
 * PNGs (pngjs) for files. Inputs are plain arrays. Every plot is bounded in size whatever its input: a raster of
 * more than `maxMarks` spikes is binned to the plot's pixels (and embedded as a small PNG), a rate series of more
 * points than the plot has pixel columns is reduced to each column's min, max and mean, and the weight histogram has
 * at most `maxColumns` x `bins` cells; the plot says when it binned or decimated. Every label is escaped.
 */
import pngjs from 'pngjs';
import { escapeXml, niceTicks } from './svg.js';

export interface PlotOptions {
  title?: string;
  /** Pixels (clamped to 160 .. 4096; default 640 x 320). */
  width?: number;
  height?: number;
}

const MARGIN = { l: 60, r: 16, t: 32, b: 58 };
const clampSize = (v: number | undefined, dflt: number) =>
  Math.round(Math.min(4096, Math.max(160, Number.isFinite(v) ? (v as number) : dflt)));
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
/** Few significant digits for notes and ticks ("0.25", "1.2e+03"). */
const short = (x: number) => String(Number(x.toPrecision(3)));

/** The plot area of a W x H plot and its data ranges. */
class Frame {
  readonly W: number;
  readonly H: number;
  constructor(
    o: PlotOptions,
    readonly x0: number,
    readonly x1: number,
    readonly y0: number,
    readonly y1: number,
  ) {
    this.W = clampSize(o.width, 640);
    this.H = clampSize(o.height, 320);
  }
  /** Plot area in pixels. */
  get pw(): number {
    return this.W - MARGIN.l - MARGIN.r;
  }
  get ph(): number {
    return this.H - MARGIN.t - MARGIN.b;
  }
  sx(x: number): number {
    return MARGIN.l + ((x - this.x0) / (this.x1 - this.x0)) * this.pw;
  }
  sy(y: number): number {
    return this.H - MARGIN.b - ((y - this.y0) / (this.y1 - this.y0)) * this.ph;
  }
}

/** Widens an empty or degenerate range so that scales stay finite. */
function range(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi > lo) return [lo, hi];
  const pad = Math.abs(lo) > 0 ? Math.abs(lo) / 2 : 0.5;
  return [lo - pad, hi + pad];
}

/** The SVG around a plot's marks: frame, ticks, title, axis labels; the marks and an optional note go between. */
function svgOpen(f: Frame, title: string, xLabel: string, yLabel: string): string[] {
  const { W, H } = f;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  for (const t of niceTicks(f.y0, f.y1)) {
    const y = f.sy(t).toFixed(1);
    parts.push(`<line x1="${MARGIN.l - 4}" x2="${MARGIN.l}" y1="${y}" y2="${y}" stroke="#999"/>`);
    parts.push(`<text x="${MARGIN.l - 6}" y="${Number(y) + 4}" text-anchor="end">${short(t)}</text>`);
  }
  for (const t of niceTicks(f.x0, f.x1)) {
    const x = f.sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${H - MARGIN.b}" y2="${H - MARGIN.b + 4}" stroke="#999"/>`);
    parts.push(`<text x="${x}" y="${H - MARGIN.b + 15}" text-anchor="middle">${short(t)}</text>`);
  }
  parts.push(
    `<text x="${MARGIN.l + f.pw / 2}" y="${H - MARGIN.b + 30}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.t + f.ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  return parts;
}

function svgClose(parts: string[], f: Frame, note?: string): string {
  parts.push(
    `<rect x="${MARGIN.l}" y="${MARGIN.t}" width="${f.pw}" height="${f.ph}" fill="none" stroke="#999"/>`,
  );
  if (note)
    parts.push(
      `<text class="note" x="4" y="${f.H - 6}" font-size="10" fill="#555">${escapeXml(note)}</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}

function emptySvg(o: PlotOptions, title: string, why: string): string {
  const W = clampSize(o.width, 640);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40" font-family="sans-serif" font-size="12"><text x="4" y="24">${escapeXml(`${title}: ${why}`)}</text></svg>`;
}

/** An RGB canvas for the PNG versions (no text: the SVG carries the labels). */
class Canvas {
  readonly png: pngjs.PNG;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.png = new pngjs.PNG({ width, height });
    this.png.data.fill(255);
  }
  set(x: number, y: number, [r, g, b]: readonly number[]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = (y * this.width + x) * 4;
    this.png.data[at] = r;
    this.png.data[at + 1] = g;
    this.png.data[at + 2] = b;
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: readonly number[]): void {
    for (let y = Math.round(Math.min(y0, y1)); y <= Math.round(Math.max(y0, y1)); y++)
      for (let x = Math.round(Math.min(x0, x1)); x <= Math.round(Math.max(x0, x1)); x++) this.set(x, y, c);
  }
  line(x0: number, y0: number, x1: number, y1: number, c: readonly number[]): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let k = 0; k <= n; k++) this.set(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n, c);
  }
  frame(f: Frame): void {
    const grey = [153, 153, 153];
    const [l, t, r, b] = [MARGIN.l - 1, MARGIN.t - 1, MARGIN.l + f.pw, MARGIN.t + f.ph];
    this.line(l, t, r, t, grey);
    this.line(l, b, r, b, grey);
    this.line(l, t, l, b, grey);
    this.line(r, t, r, b, grey);
    for (const v of niceTicks(f.x0, f.x1)) this.line(f.sx(v), b, f.sx(v), b + 4, grey);
    for (const v of niceTicks(f.y0, f.y1)) this.line(l - 4, f.sy(v), l, f.sy(v), grey);
  }
  encode(): Buffer {
    return pngjs.PNG.sync.write(this.png, { colorType: 2 });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Spike raster

/** Spikes as parallel arrays: times (ms) and neuron indices. */
export interface SpikeTrains {
  timesMs: ArrayLike<number>;
  neurons: ArrayLike<number>;
}

export interface RasterOptions extends PlotOptions {
  /** Spikes drawn one mark each up to this many (default 5000); more are binned to the plot's pixels. */
  maxMarks?: number;
  /** The time axis (ms); default the spikes' range. Spikes outside it are left out. */
  timeRangeMs?: [number, number];
  /** Neurons on the y axis, 0 .. neuronCount - 1; default the largest index + 1. */
  neuronCount?: number;
}

/**
 * A raster binned to pixels: spike counts per (neuron row, time column), `cols` x `rows` at most the plot area's
 * pixels. Built by `spikeRasterSvg` for large inputs, or filled spike by spike (`add`) by a reader that streams a
 * file too large to hold (`RasterDensity.forPlot`).
 */
export class RasterDensity {
  readonly counts: Uint32Array;
  /** Spikes binned, and spikes left out (outside the ranges, or not finite). */
  total = 0;
  outside = 0;
  constructor(
    readonly t0: number,
    readonly t1: number,
    readonly neuronCount: number,
    readonly cols: number,
    readonly rows: number,
  ) {
    this.counts = new Uint32Array(cols * rows);
  }

  /** A density sized to the pixels of a raster plot with these options. */
  static forPlot(t0: number, t1: number, neuronCount: number, o: PlotOptions = {}): RasterDensity {
    const [a, b] = range(t0, t1);
    const f = new Frame(o, a, b, 0, 1);
    const n = Math.max(1, Math.floor(neuronCount));
    return new RasterDensity(
      a,
      b,
      n,
      Math.max(1, Math.min(f.pw, 1024)),
      Math.max(1, Math.min(f.ph, n, 1024)),
    );
  }

  add(tMs: number, neuron: number): void {
    if (!(tMs >= this.t0 && tMs <= this.t1 && neuron >= 0 && neuron < this.neuronCount)) {
      this.outside++;
      return;
    }
    const c = Math.min(this.cols - 1, Math.floor(((tMs - this.t0) / (this.t1 - this.t0)) * this.cols));
    // Row 0 is the top of the plot: the highest neurons.
    const r = this.rows - 1 - Math.min(this.rows - 1, Math.floor((neuron * this.rows) / this.neuronCount));
    this.counts[r * this.cols + c]++;
    this.total++;
  }

  get max(): number {
    let m = 0;
    for (const c of this.counts) if (c > m) m = c;
    return m;
  }

  /** Grey level of a count: white for none, from light grey to black (the busiest pixel), on a square-root scale so that sparse pixels show. */
  grey(count: number, max: number): number {
    return count === 0 ? 255 : Math.round(200 * (1 - Math.sqrt(count / max)));
  }

  /** The counts as a grey-scale PNG of cols x rows pixels. */
  png(): Buffer {
    const img = new pngjs.PNG({ width: this.cols, height: this.rows });
    const max = this.max;
    for (let k = 0; k < this.counts.length; k++) {
      const g = this.grey(this.counts[k], max);
      img.data[4 * k] = img.data[4 * k + 1] = img.data[4 * k + 2] = g;
      img.data[4 * k + 3] = 255;
    }
    return pngjs.PNG.sync.write(img, { colorType: 0 });
  }

  note(): string {
    const ms = (this.t1 - this.t0) / this.cols;
    const per = this.neuronCount / this.rows;
    return `${this.total} spikes binned to ${this.cols} x ${this.rows} pixels (${short(ms)} ms x ${short(per)} neurons each; darker = more spikes)`;
  }
}

/** The valid spikes of plain arrays: extents, and how many lie in the requested ranges. */
function spikeExtent(s: SpikeTrains): { tMin: number; tMax: number; nMax: number; count: number } {
  if (s.timesMs.length !== s.neurons.length)
    throw new RangeError(
      `spike raster: ${s.timesMs.length} times and ${s.neurons.length} neuron indices differ in length`,
    );
  let [tMin, tMax, nMax, count] = [Infinity, -Infinity, -1, 0];
  for (let k = 0; k < s.timesMs.length; k++) {
    const t = s.timesMs[k];
    const n = s.neurons[k];
    if (!Number.isFinite(t) || !(Number.isInteger(n) && n >= 0)) continue;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
    if (n > nMax) nMax = n;
    count++;
  }
  return { tMin, tMax, nMax, count };
}

interface RasterPlan {
  frame: Frame;
  /** Exact marks, or null when binned. */
  exact: { x: number; y: number }[] | null;
  density: RasterDensity | null;
  neuronCount: number;
  count: number;
}

function planRaster(data: SpikeTrains | RasterDensity, o: RasterOptions, forPng: boolean): RasterPlan | null {
  if (data instanceof RasterDensity) {
    const frame = new Frame(o, data.t0, data.t1, 0, data.neuronCount);
    return { frame, exact: null, density: data, neuronCount: data.neuronCount, count: data.total };
  }
  const e = spikeExtent(data);
  if (e.count === 0) return null;
  const [t0, t1] = range(...(o.timeRangeMs ?? [e.tMin, e.tMax]));
  const neuronCount = Math.max(1, Math.floor(o.neuronCount ?? e.nMax + 1));
  const frame = new Frame(o, t0, t1, 0, neuronCount);
  const maxMarks = Math.max(0, Math.min(o.maxMarks ?? 5000, 50_000));
  if (e.count > maxMarks || forPng) {
    const density = forPng
      ? new RasterDensity(t0, t1, neuronCount, frame.pw, Math.min(frame.ph, neuronCount))
      : RasterDensity.forPlot(t0, t1, neuronCount, o);
    for (let k = 0; k < data.timesMs.length; k++) density.add(data.timesMs[k], data.neurons[k]);
    return { frame, exact: null, density, neuronCount, count: density.total };
  }
  const exact: { x: number; y: number }[] = [];
  for (let k = 0; k < data.timesMs.length; k++) {
    const t = data.timesMs[k];
    const n = data.neurons[k];
    if (!(Number.isFinite(t) && t >= t0 && t <= t1 && Number.isInteger(n) && n >= 0 && n < neuronCount))
      continue;
    exact.push({ x: frame.sx(t), y: frame.sy(n + 0.5) });
  }
  return { frame, exact, density: null, neuronCount, count: exact.length };
}

/**
 * A spike raster (time on x, neuron on y, one tick per spike) as an SVG string. Up to `maxMarks` spikes (5000) are
 * drawn one by one; more are binned to the plot's pixels and shown as a grey-level image, which the plot says.
 * Also takes a `RasterDensity` filled by a streaming reader.
 */
export function spikeRasterSvg(data: SpikeTrains | RasterDensity, o: RasterOptions = {}): string {
  const title = o.title ?? 'Spike raster';
  const plan = planRaster(data, o, false);
  if (!plan || plan.count === 0) return emptySvg(o, title, 'no spikes');
  const { frame: f, exact, density } = plan;
  const parts = svgOpen(f, title, 'time (ms)', 'neuron');
  let note: string;
  if (exact) {
    const h = Math.max(1, Math.min(6, (0.8 * f.ph) / plan.neuronCount));
    const d = exact.map(({ x, y }) => `M${x.toFixed(1)} ${(y - h / 2).toFixed(1)}v${fmt(h)}`).join('');
    parts.push(`<path class="spikes" d="${d}" stroke="#000" stroke-width="1" fill="none"/>`);
    note = `${exact.length} spikes, one mark each`;
  } else {
    const img = density!.png().toString('base64');
    parts.push(
      `<image class="density" x="${MARGIN.l}" y="${MARGIN.t}" width="${f.pw}" height="${f.ph}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${img}"/>`,
    );
    note = density!.note();
  }
  return svgClose(parts, f, note);
}

/** The raster as a PNG (no text): each pixel's grey level counts the spikes that fall in it. */
export function spikeRasterPng(data: SpikeTrains | RasterDensity, o: RasterOptions = {}): Buffer {
  const plan = planRaster(data, o, true);
  const f = plan?.frame ?? new Frame(o, 0, 1, 0, 1);
  const canvas = new Canvas(f.W, f.H);
  canvas.frame(f);
  const density = plan?.density;
  if (density) {
    const max = density.max;
    const [cw, rh] = [f.pw / density.cols, f.ph / density.rows];
    for (let r = 0; r < density.rows; r++)
      for (let c = 0; c < density.cols; c++) {
        const n = density.counts[r * density.cols + c];
        if (n === 0) continue;
        const g = density.grey(n, max);
        const x = MARGIN.l + c * cw;
        const y = MARGIN.t + r * rh;
        canvas.rect(x, y, x + Math.max(cw - 1, 0), y + Math.max(rh - 1, 0), [g, g, g]);
      }
  }
  return canvas.encode();
}

// ---------------------------------------------------------------------------------------------------------------
// Population rate

/** A rate series: times (ms, e.g. the end of each bin) and rates (Hz). */
export interface RateSeries {
  timesMs: ArrayLike<number>;
  ratesHz: ArrayLike<number>;
}

export interface RateOptions extends PlotOptions {
  /** Points drawn as a line up to this many (default twice the plot's pixel columns); more are decimated. */
  maxPoints?: number;
}

/**
 * A rate series reduced to pixel columns: each column's min, max and mean. Built by `populationRateSvg` for long
 * series, or filled point by point by a streaming reader (`RateEnvelope.forPlot`).
 */
export class RateEnvelope {
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Uint32Array;
  total = 0;
  constructor(
    readonly t0: number,
    readonly t1: number,
    readonly cols: number,
  ) {
    this.min = new Float64Array(cols).fill(Infinity);
    this.max = new Float64Array(cols).fill(-Infinity);
    this.sum = new Float64Array(cols);
    this.count = new Uint32Array(cols);
  }

  static forPlot(t0: number, t1: number, o: PlotOptions = {}): RateEnvelope {
    const [a, b] = range(t0, t1);
    return new RateEnvelope(a, b, Math.max(1, new Frame(o, a, b, 0, 1).pw));
  }

  add(tMs: number, rateHz: number): void {
    if (!(Number.isFinite(rateHz) && tMs >= this.t0 && tMs <= this.t1)) return;
    const c = Math.min(this.cols - 1, Math.floor(((tMs - this.t0) / (this.t1 - this.t0)) * this.cols));
    if (rateHz < this.min[c]) this.min[c] = rateHz;
    if (rateHz > this.max[c]) this.max[c] = rateHz;
    this.sum[c] += rateHz;
    this.count[c]++;
    this.total++;
  }

  /** The rates' range over the columns that have points. */
  extent(): [number, number] {
    let [lo, hi] = [Infinity, -Infinity];
    for (let c = 0; c < this.cols; c++)
      if (this.count[c] > 0) {
        lo = Math.min(lo, this.min[c]);
        hi = Math.max(hi, this.max[c]);
      }
    return [lo, hi];
  }
}

function rateExtent(s: RateSeries) {
  if (s.timesMs.length !== s.ratesHz.length)
    throw new RangeError(
      `population rate: ${s.timesMs.length} times and ${s.ratesHz.length} rates differ in length`,
    );
  let [tMin, tMax, rMin, rMax, count] = [Infinity, -Infinity, Infinity, -Infinity, 0];
  for (let k = 0; k < s.timesMs.length; k++) {
    const t = s.timesMs[k];
    const r = s.ratesHz[k];
    if (!Number.isFinite(t) || !Number.isFinite(r)) continue;
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
    rMin = Math.min(rMin, r);
    rMax = Math.max(rMax, r);
    count++;
  }
  return { tMin, tMax, rMin, rMax, count };
}

interface RatePlan {
  frame: Frame;
  points: [number, number][] | null;
  envelope: RateEnvelope | null;
  count: number;
}

function planRate(data: RateSeries | RateEnvelope, o: RateOptions, forPng: boolean): RatePlan | null {
  let envelope: RateEnvelope | null = data instanceof RateEnvelope ? data : null;
  let points: [number, number][] | null = null;
  let t0: number, t1: number, lo: number, hi: number;
  if (envelope) {
    if (envelope.total === 0) return null;
    [t0, t1] = [envelope.t0, envelope.t1];
    [lo, hi] = envelope.extent();
  } else {
    const s = data as RateSeries;
    const e = rateExtent(s);
    if (e.count === 0) return null;
    [t0, t1] = range(e.tMin, e.tMax);
    [lo, hi] = [e.rMin, e.rMax];
    const pw = new Frame(o, 0, 1, 0, 1).pw;
    if (e.count > Math.max(2, Math.min(o.maxPoints ?? 2 * pw, 20_000)) || forPng) {
      envelope = new RateEnvelope(t0, t1, pw);
      for (let k = 0; k < s.timesMs.length; k++) envelope.add(s.timesMs[k], s.ratesHz[k]);
    } else {
      points = [];
      for (let k = 0; k < s.timesMs.length; k++)
        if (Number.isFinite(s.timesMs[k]) && Number.isFinite(s.ratesHz[k]))
          points.push([s.timesMs[k], s.ratesHz[k]]);
    }
  }
  const [y0, y1] = range(Math.min(0, lo), hi);
  const frame = new Frame(o, t0, t1, y0, y1);
  return { frame, points, envelope, count: envelope ? envelope.total : points!.length };
}

/**
 * The population rate over time as an SVG line. A series longer than `maxPoints` is decimated to the plot's pixel
 * columns: a band from each column's min to max and a line through the column means, which the plot says. Also
 * takes a `RateEnvelope` filled by a streaming reader.
 */
export function populationRateSvg(data: RateSeries | RateEnvelope, o: RateOptions = {}): string {
  const title = o.title ?? 'Population rate';
  const plan = planRate(data, o, false);
  if (!plan) return emptySvg(o, title, 'no data');
  const { frame: f, points, envelope } = plan;
  const parts = svgOpen(f, title, 'time (ms)', 'rate (Hz)');
  let note: string;
  if (points) {
    const d = points
      .map(([x, y], j) => `${j ? 'L' : 'M'}${f.sx(x).toFixed(1)} ${f.sy(y).toFixed(1)}`)
      .join('');
    parts.push(`<path class="rate" d="${d}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
    note = `${points.length} points`;
  } else {
    const e = envelope!;
    const xs: number[] = [];
    for (let c = 0; c < e.cols; c++) if (e.count[c] > 0) xs.push(c);
    const x = (c: number) => f.sx(e.t0 + ((c + 0.5) / e.cols) * (e.t1 - e.t0)).toFixed(1);
    const upper = xs.map((c, j) => `${j ? 'L' : 'M'}${x(c)} ${f.sy(e.max[c]).toFixed(1)}`).join('');
    const lower = [...xs]
      .reverse()
      .map((c) => `L${x(c)} ${f.sy(e.min[c]).toFixed(1)}`)
      .join('');
    const mean = xs
      .map((c, j) => `${j ? 'L' : 'M'}${x(c)} ${f.sy(e.sum[c] / e.count[c]).toFixed(1)}`)
      .join('');
    parts.push(`<path class="band" d="${upper}${lower}Z" fill="#1f77b4" fill-opacity="0.25" stroke="none"/>`);
    parts.push(`<path class="rate" d="${mean}" fill="none" stroke="#1f77b4" stroke-width="1"/>`);
    note = `${e.total} points decimated to ${xs.length} pixel columns (band: min to max, line: mean)`;
  }
  return svgClose(parts, f, note);
}

/** The population rate as a PNG (no text): the line, or each pixel column's min-to-max span. */
export function populationRatePng(data: RateSeries | RateEnvelope, o: RateOptions = {}): Buffer {
  const plan = planRate(data, o, true);
  const f = plan?.frame ?? new Frame(o, 0, 1, 0, 1);
  const canvas = new Canvas(f.W, f.H);
  canvas.frame(f);
  const e = plan?.envelope;
  if (e) {
    const blue = [31, 119, 180];
    let prev: [number, number] | null = null;
    for (let c = 0; c < e.cols; c++) {
      if (e.count[c] === 0) continue;
      const x = f.sx(e.t0 + ((c + 0.5) / e.cols) * (e.t1 - e.t0));
      canvas.line(x, f.sy(e.min[c]), x, f.sy(e.max[c]), blue);
      const y = f.sy(e.sum[c] / e.count[c]);
      if (prev) canvas.line(prev[0], prev[1], x, y, blue);
      prev = [x, y];
    }
  }
  return canvas.encode();
}

// ---------------------------------------------------------------------------------------------------------------
// Weight histogram over time

/** Weight samples: at each time (ms), the sampled synapses' weights (NaN: a pruned synapse, left out). */
export interface WeightSamples {
  timesMs: ArrayLike<number>;
  samples: ArrayLike<ArrayLike<number>>;
}

export interface WeightHistogramOptions extends PlotOptions {
  /** Weight bins (default 20, at most 100). */
  bins?: number;
  /** The binned weight range; default the samples' min to max. Weights outside fall in the end bins. */
  range?: [number, number];
  /** Time columns (default one per sample, at most 120); samples beyond are merged into columns by time. */
  maxColumns?: number;
}

/**
 * Histograms of the weights over time: for each time column, the fraction of the sampled weights in each weight
 * bin, `columns` x `bins` cells whatever the number of samples or synapses. Built by `weightHistogramSvg`, or filled
 * sample by sample by a streaming reader (`WeightHistogram.forPlot`).
 */
export class WeightHistogram {
  /** counts[c * bins + b]: weights of column c in bin b (summed over the column's samples). */
  readonly counts: Float64Array;
  readonly columnTotal: Float64Array;
  readonly samplesPerColumn: Uint32Array;
  samples = 0;
  /** NaN weights left out (pruned synapses). */
  missing = 0;
  constructor(
    readonly t0: number,
    readonly t1: number,
    readonly columns: number,
    readonly wMin: number,
    readonly wMax: number,
    readonly bins: number,
  ) {
    this.counts = new Float64Array(columns * bins);
    this.columnTotal = new Float64Array(columns);
    this.samplesPerColumn = new Uint32Array(columns);
  }

  static forPlot(
    t0: number,
    t1: number,
    sampleCount: number,
    wMin: number,
    wMax: number,
    o: WeightHistogramOptions = {},
  ): WeightHistogram {
    const [a, b] = range(t0, t1);
    const [lo, hi] = range(wMin, wMax);
    const columns = Math.max(1, Math.min(sampleCount, Math.floor(o.maxColumns ?? 120), 1000));
    const bins = Math.max(1, Math.min(Math.floor(o.bins ?? 20), 100));
    return new WeightHistogram(a, b, columns, lo, hi, bins);
  }

  addSample(tMs: number, weights: ArrayLike<number>): void {
    if (!(tMs >= this.t0 && tMs <= this.t1)) return;
    const c = Math.min(this.columns - 1, Math.floor(((tMs - this.t0) / (this.t1 - this.t0)) * this.columns));
    const scale = this.bins / (this.wMax - this.wMin);
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k];
      if (!Number.isFinite(w)) {
        this.missing++;
        continue;
      }
      const b = Math.min(this.bins - 1, Math.max(0, Math.floor((w - this.wMin) * scale)));
      this.counts[c * this.bins + b]++;
      this.columnTotal[c]++;
    }
    this.samplesPerColumn[c]++;
    this.samples++;
  }

  /** Fraction of column c's weights in bin b. */
  fraction(c: number, b: number): number {
    const total = this.columnTotal[c];
    return total > 0 ? this.counts[c * this.bins + b] / total : 0;
  }

  maxFraction(): number {
    let m = 0;
    for (let c = 0; c < this.columns; c++)
      for (let b = 0; b < this.bins; b++) m = Math.max(m, this.fraction(c, b));
    return m;
  }
}

function histogramFromSamples(data: WeightSamples, o: WeightHistogramOptions): WeightHistogram | null {
  if (data.timesMs.length !== data.samples.length)
    throw new RangeError(
      `weight histogram: ${data.timesMs.length} times and ${data.samples.length} samples differ in length`,
    );
  let [tMin, tMax, wMin, wMax, n] = [Infinity, -Infinity, Infinity, -Infinity, 0];
  for (let k = 0; k < data.timesMs.length; k++) {
    const t = data.timesMs[k];
    if (!Number.isFinite(t)) continue;
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
    n++;
    const s = data.samples[k];
    if (!o.range)
      for (let j = 0; j < s.length; j++)
        if (Number.isFinite(s[j])) {
          wMin = Math.min(wMin, s[j]);
          wMax = Math.max(wMax, s[j]);
        }
  }
  if (n === 0) return null;
  const [lo, hi] = o.range ?? [wMin, wMax];
  const h = WeightHistogram.forPlot(tMin, tMax, n, lo, hi, o);
  for (let k = 0; k < data.timesMs.length; k++) h.addSample(data.timesMs[k], data.samples[k]);
  return h;
}

/** Shade levels of the heat map (cells of one level share one path, so the SVG stays small). */
const LEVELS = 16;

/**
 * The weight distribution over time as a heat map (x: time columns, y: weight bins, darker: a larger fraction of
 * the synapses in that bin at that time) as an SVG string. Also takes a `WeightHistogram` filled by a streaming
 * reader.
 */
export function weightHistogramSvg(
  data: WeightSamples | WeightHistogram,
  o: WeightHistogramOptions = {},
): string {
  const title = o.title ?? 'Weight histogram over time';
  const h = data instanceof WeightHistogram ? data : histogramFromSamples(data, o);
  if (!h || h.samples === 0) return emptySvg(o, title, 'no samples');
  const f = new Frame(o, h.t0, h.t1, h.wMin, h.wMax);
  const parts = svgOpen(f, title, 'time (ms)', 'weight');
  const max = h.maxFraction();
  const paths: string[][] = Array.from({ length: LEVELS }, () => []);
  const cw = f.pw / h.columns;
  const bh = f.ph / h.bins;
  for (let c = 0; c < h.columns; c++)
    for (let b = 0; b < h.bins; b++) {
      const fr = h.fraction(c, b);
      if (fr <= 0) continue;
      const level = Math.min(LEVELS, Math.ceil((LEVELS * fr) / max)) - 1;
      const x = MARGIN.l + c * cw;
      const y = MARGIN.t + (h.bins - 1 - b) * bh;
      paths[level].push(
        `M${x.toFixed(1)} ${y.toFixed(1)}h${cw.toFixed(2)}v${bh.toFixed(2)}h${(-cw).toFixed(2)}z`,
      );
    }
  paths.forEach((cells, level) => {
    if (cells.length)
      parts.push(
        `<path class="cells" data-level="${level + 1}" d="${cells.join('')}" fill="#08306b" fill-opacity="${((level + 1) / LEVELS).toFixed(3)}"/>`,
      );
  });
  const merged = h.samples > h.columns ? `; ${h.samples} samples merged into ${h.columns} columns` : '';
  const missing = h.missing ? `; ${h.missing} missing (NaN) weights left out` : '';
  const note = `${h.bins} bins of ${short((h.wMax - h.wMin) / h.bins)} from ${short(h.wMin)}; darker = larger fraction of synapses (at most ${short(max)})${merged}${missing}`;
  return svgClose(parts, f, note);
}

/** The weight histogram over time as a PNG (no text). */
export function weightHistogramPng(
  data: WeightSamples | WeightHistogram,
  o: WeightHistogramOptions = {},
): Buffer {
  const h = data instanceof WeightHistogram ? data : histogramFromSamples(data, o);
  const f = h ? new Frame(o, h.t0, h.t1, h.wMin, h.wMax) : new Frame(o, 0, 1, 0, 1);
  const canvas = new Canvas(f.W, f.H);
  if (h) {
    const max = h.maxFraction();
    const cw = f.pw / h.columns;
    const bh = f.ph / h.bins;
    for (let c = 0; c < h.columns; c++)
      for (let b = 0; b < h.bins; b++) {
        const fr = h.fraction(c, b);
        if (fr <= 0) continue;
        const a = fr / max;
        const shade = [8, 48, 107].map((v) => Math.round(255 - a * (255 - v)));
        const x = MARGIN.l + c * cw;
        const y = MARGIN.t + (h.bins - 1 - b) * bh;
        canvas.rect(x, y, x + Math.max(cw - 1, 0), y + Math.max(bh - 1, 0), shade);
      }
  }
  canvas.frame(f);
  return canvas.encode();
}
