/**
 * Scalar series out of a run's metrics.jsonl, read incrementally, and their reduction to a few points per pixel
 * that never hides a spike (min and max of each bucket, in order).
 */

/** Fields that say where a record lies along a run, in order of preference: the first present is the x axis. */
export const X_FIELDS = ['step', 'iteration', 'generation', 'epoch', 'trial', 'tMs', 'context'] as const;
/** Numeric fields that label a record rather than measure something. */
const LABEL_FIELDS = new Set(['seed', 'neurons', 'index', 'pid']);
/** A line longer than this is skipped (counted, not parsed): memory stays bounded on any file. */
export const MAX_LINE_BYTES = 1 << 20;
/** Series per file at most; records that would start more are counted in `droppedSeries`. */
export const MAX_SERIES = 1000;
/**
 * Points kept per file at most (x and y: 16 bytes each, so 64 MiB). Beyond it the longest series is reduced to a
 * quarter by the same min/max buckets the charts use, so its extremes survive; `compacted` counts such reductions.
 */
export const MAX_POINTS = 4_000_000;

/** One scalar series: the values of `field` in the records of `group` (their string fields), against `xField`. */
export interface ScalarSeries {
  key: string;
  group: string;
  field: string;
  xField: string;
  x: number[];
  y: number[];
}

/** Histograms per file at most, rows kept per histogram, bins per row (longer arrays are not histograms). */
export const MAX_HISTOGRAMS = 16;
export const MAX_HISTOGRAM_ROWS = 512;
export const MAX_BINS = 256;

/**
 * One histogram over time: the numeric arrays logged as `field` in the records of `group` (e.g. NeuroPlastic's
 * alpha counts), one row per record, its bins spanning `range` when the record gives `<field>Range: [lo, hi]`. An
 * array is a histogram when its field is `histogram` or ends in `Histogram`, or when its range is given.
 * Past MAX_HISTOGRAM_ROWS rows every other row is dropped and only every `stride`-th record kept from then on.
 */
export interface HistogramSeries {
  key: string;
  group: string;
  field: string;
  xField: string;
  x: number[];
  rows: number[][];
  range: [number, number] | null;
  stride: number;
  /** Records seen (kept or not). */
  seen: number;
}

/** What the page lists of a histogram (its rows and bins per row, not the counts). */
export const histogramInfo = (h: HistogramSeries) => ({
  key: h.key,
  group: h.group,
  field: h.field,
  xField: h.xField,
  rows: h.rows.length,
  bins: h.rows[0]?.length ?? 0,
});

/** A histogram as the page draws it. */
export const histogramData = (h: HistogramSeries) => ({
  key: h.key,
  xField: h.xField,
  x: h.x,
  rows: h.rows,
  range: h.range,
  stride: h.stride,
});

const isBinRow = (v: unknown): v is number[] =>
  Array.isArray(v) &&
  v.length >= 2 &&
  v.length <= MAX_BINS &&
  v.every((b) => typeof b === 'number' && Number.isFinite(b));

const rangeOf = (v: unknown): [number, number] | null =>
  Array.isArray(v) && v.length === 2 && isBinRow(v) && v[0] < v[1] ? [v[0], v[1]] : null;

/** The series found in one metrics file so far, and where reading stopped (a byte offset after a whole line). */
export class MetricsSeries {
  readonly series = new Map<string, ScalarSeries>();
  readonly histograms = new Map<string, HistogramSeries>();
  /** Bytes consumed (whole lines only); the next read starts here. */
  offset = 0;
  lines = 0;
  /** Lines that were not a JSON object, or too long. */
  skipped = 0;
  /** Values not kept because the file had MAX_SERIES series already. */
  droppedSeries = 0;
  /** Times a series was reduced to stay within MAX_POINTS. */
  compacted = 0;
  /** The file these series came from (a different inode: the file was replaced, read it again). */
  file: { dev: number; ino: number } | null = null;
  private points = 0;
  constructor(
    /** Points kept at most (tests lower it). */
    readonly maxPoints = MAX_POINTS,
    readonly maxSeries = MAX_SERIES,
  ) {}
  private counts = new Map<string, number>();
  private partial: Buffer[] = [];
  private partialBytes = 0;

  /** Where the next read of the file starts (after the unfinished line kept so far). */
  get readOffset(): number {
    return this.offset + this.partialBytes;
  }

  /** Parses the bytes that follow the last read (`chunk` starts at `offset` + the partial line kept). */
  append(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.partialBytes + piece.length > MAX_LINE_BYTES) this.skipped++;
      else
        this.line((this.partial.length ? Buffer.concat([...this.partial, piece]) : piece).toString('utf8'));
      this.offset += this.partialBytes + piece.length + 1;
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      // A long unfinished line is only measured, not kept, once it is over the limit.
      if (this.partialBytes + rest.length <= MAX_LINE_BYTES) this.partial.push(Buffer.from(rest));
      else this.partial = [];
      this.partialBytes += rest.length;
    }
  }

  private line(text: string): void {
    if (!text.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      this.skipped++;
      return;
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      this.skipped++;
      return;
    }
    this.lines++;
    const r = record as Record<string, unknown>;
    const group = Object.entries(r)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => `${k}=${v as string}`)
      .join(' ');
    const xField = X_FIELDS.find((f) => typeof r[f] === 'number' && Number.isFinite(r[f])) ?? 'index';
    const n = this.counts.get(group) ?? 0;
    this.counts.set(group, n + 1);
    const x = xField === 'index' ? n : (r[xField] as number);
    for (const [field, v] of Object.entries(r)) {
      // A histogram says so: its name (`histogram`, `...Histogram`) or the range its bins span beside it.
      const range = rangeOf(r[`${field}Range`]);
      if (isBinRow(v) && (range || field === 'histogram' || field.endsWith('Histogram'))) {
        this.histogramRow(group, field, xField, x, v, range);
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || field === xField || LABEL_FIELDS.has(field))
        continue;
      const key = group ? `${group} ${field}` : field;
      let s = this.series.get(key);
      if (!s) {
        if (this.series.size >= this.maxSeries) {
          this.droppedSeries++;
          continue;
        }
        this.series.set(key, (s = { key, group, field, xField, x: [], y: [] }));
      }
      s.x.push(x);
      s.y.push(v);
      if (++this.points > this.maxPoints) this.compact();
    }
  }

  private histogramRow(
    group: string,
    field: string,
    xField: string,
    x: number,
    row: number[],
    range: [number, number] | null,
  ): void {
    const key = group ? `${group} ${field}` : field;
    let h = this.histograms.get(key);
    if (!h) {
      if (this.histograms.size >= MAX_HISTOGRAMS) {
        this.droppedSeries++;
        return;
      }
      this.histograms.set(
        key,
        (h = { key, group, field, xField, x: [], rows: [], range, stride: 1, seen: 0 }),
      );
    }
    // Rows of another length (bins changed mid-run) are not drawn in the same picture.
    if (h.seen++ % h.stride !== 0 || (h.rows.length && row.length !== h.rows[0].length)) return;
    h.x.push(x);
    h.rows.push(row);
    h.range ??= range;
    if (h.rows.length > MAX_HISTOGRAM_ROWS) {
      h.x = h.x.filter((_, i) => i % 2 === 0);
      h.rows = h.rows.filter((_, i) => i % 2 === 0);
      h.stride *= 2;
    }
  }

  private compact(): void {
    let longest: ScalarSeries | null = null;
    for (const s of this.series.values()) if (!longest || s.x.length > longest.x.length) longest = s;
    if (!longest || longest.x.length < 16) return;
    const before = longest.x.length;
    const d = downsampleMinMax(longest.x, longest.y, Math.max(1, Math.floor(before / 16)));
    longest.x = d.x;
    longest.y = d.y;
    this.points -= before - d.x.length;
    this.compacted++;
  }
}

/**
 * At most about 4 points per bucket of `buckets` equal x ranges: each bucket's first, minimum, maximum and last
 * points, in their order. Every local extreme a plot of `buckets` pixels could show survives (random or stride
 * sampling would drop spikes). Returns the input when it is already small.
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  buckets: number,
): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= 4 * buckets || buckets < 1) return { x: Array.from(x).slice(0, n), y: Array.from(y).slice(0, n) };
  let monotone = true;
  for (let i = 1; i < n && monotone; i++) monotone = x[i] >= x[i - 1];
  const lo = x[0];
  const width = (x[n - 1] - lo) / buckets || 1;
  // Buckets by x range; by position when x goes back somewhere (a resumed run), so the output stays bounded.
  const bucketOf = monotone
    ? (i: number) => Math.min(buckets - 1, Math.floor((x[i] - lo) / width))
    : (i: number) => Math.floor((i * buckets) / n);
  const ox: number[] = [];
  const oy: number[] = [];
  let i = 0;
  while (i < n) {
    const b = bucketOf(i);
    const first = i;
    let min = i;
    let max = i;
    let last = i;
    for (i++; i < n && bucketOf(i) === b; i++) {
      if (y[i] < y[min]) min = i;
      if (y[i] > y[max]) max = i;
      last = i;
    }
    // first <= early <= late <= last: each kept once, in order.
    const early = Math.min(min, max);
    const late = Math.max(min, max);
    ox.push(x[first]);
    oy.push(y[first]);
    if (early > first) {
      ox.push(x[early]);
      oy.push(y[early]);
    }
    if (late > early) {
      ox.push(x[late]);
      oy.push(y[late]);
    }
    if (last > late) {
      ox.push(x[last]);
      oy.push(y[last]);
    }
  }
  return { x: ox, y: oy };
}

/** Runs' curves of one metric summarised at each x: their mean, mean ± sd (the band) and how many runs had it. */
export interface GroupedSeries {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  n: number[];
}

/**
 * Runs' series summarised at each x: the mean over the runs that have a value there and mean ± sd (sample sd; 0
 * for one run). Runs logged at the same x values (a grid's seeds) are aligned exactly (a run's last y at an x
 * counts); above 4 points per bucket the mean is reduced as `downsampleMinMax` reduces a curve and each kept point's
 * band is its bucket's envelope, so no spread is hidden. Runs logged at different x values are first averaged per
 * run within each of `buckets` buckets of x, then over runs, so each bucket's n counts runs, not points.
 */
export function groupSeries(
  runs: { x: ArrayLike<number>; y: ArrayLike<number> }[],
  buckets: number,
): GroupedSeries {
  const at = new Map<number, number[]>();
  for (const r of runs) {
    const last = new Map<number, number>();
    const n = Math.min(r.x.length, r.y.length);
    for (let i = 0; i < n; i++) if (Number.isFinite(r.y[i])) last.set(r.x[i], r.y[i]);
    for (const [x, y] of last) {
      const list = at.get(x);
      if (list) list.push(y);
      else at.set(x, [y]);
    }
  }
  const xs = [...at.keys()].sort((a, b) => a - b);
  // Aligned: within the x range all runs cover, every x any run has, all have (one may have stopped earlier).
  const spans = runs
    .filter((r) => Math.min(r.x.length, r.y.length) > 0)
    .map((r) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < Math.min(r.x.length, r.y.length); i++) {
        lo = Math.min(lo, r.x[i]);
        hi = Math.max(hi, r.x[i]);
      }
      return [lo, hi];
    });
  const common = [Math.max(...spans.map((s) => s[0])), Math.min(...spans.map((s) => s[1]))];
  const aligned = xs.every((x) => x < common[0] || x > common[1] || at.get(x)!.length === spans.length);
  if (spans.length > 1 && !aligned) return groupByBuckets(runs, buckets);
  const full: GroupedSeries = { x: xs, mean: [], lo: [], hi: [], n: [] };
  for (const x of xs) {
    const v = at.get(x)!;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
    full.mean.push(m);
    full.lo.push(m - sd);
    full.hi.push(m + sd);
    full.n.push(v.length);
  }
  if (xs.length <= 4 * buckets || buckets < 1) return full;
  const kept = downsampleMinMax(xs, full.mean, buckets);
  const width = (xs[xs.length - 1] - xs[0]) / buckets || 1;
  const bucketOf = (x: number) => Math.min(buckets - 1, Math.floor((x - xs[0]) / width));
  const lo = new Array<number>(buckets).fill(Infinity);
  const hi = new Array<number>(buckets).fill(-Infinity);
  xs.forEach((x, i) => {
    const b = bucketOf(x);
    lo[b] = Math.min(lo[b], full.lo[i]);
    hi[b] = Math.max(hi[b], full.hi[i]);
  });
  const index = new Map(xs.map((x, i) => [x, i]));
  return {
    x: kept.x,
    mean: kept.y,
    lo: kept.x.map((x) => lo[bucketOf(x)]),
    hi: kept.x.map((x) => hi[bucketOf(x)]),
    n: kept.x.map((x) => full.n[index.get(x)!]),
  };
}

/** Runs at different x values: each run's mean per bucket of x, then the mean and sd over runs per bucket. */
function groupByBuckets(
  runs: { x: ArrayLike<number>; y: ArrayLike<number> }[],
  buckets: number,
): GroupedSeries {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs)
    for (let i = 0; i < Math.min(r.x.length, r.y.length); i++)
      if (Number.isFinite(r.y[i]) && Number.isFinite(r.x[i])) {
        lo = Math.min(lo, r.x[i]);
        hi = Math.max(hi, r.x[i]);
      }
  const count = Math.max(1, Math.floor(buckets));
  const width = (hi - lo) / count || 1;
  const bucketOf = (x: number) => Math.min(count - 1, Math.floor((x - lo) / width));
  const perBucket: number[][] = Array.from({ length: count }, () => []);
  for (const r of runs) {
    const sum = new Float64Array(count);
    const k = new Uint32Array(count);
    for (let i = 0; i < Math.min(r.x.length, r.y.length); i++)
      if (Number.isFinite(r.y[i]) && Number.isFinite(r.x[i])) {
        const b = bucketOf(r.x[i]);
        sum[b] += r.y[i];
        k[b]++;
      }
    for (let b = 0; b < count; b++) if (k[b]) perBucket[b].push(sum[b] / k[b]);
  }
  const out: GroupedSeries = { x: [], mean: [], lo: [], hi: [], n: [] };
  perBucket.forEach((v, b) => {
    if (!v.length) return;
    const m = v.reduce((a, c) => a + c, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, c) => a + (c - m) ** 2, 0) / (v.length - 1)) : 0;
    out.x.push(lo + (b + 0.5) * width);
    out.mean.push(m);
    out.lo.push(m - sd);
    out.hi.push(m + sd);
    out.n.push(v.length);
  });
  return out;
}
