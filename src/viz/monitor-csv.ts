/**
 * Reading the monitor CSVs of a run directory (written by the spiking Network's `exportMonitors`) into plot inputs,
 * in bounded memory: files are streamed twice (extents, then binning), and what is kept is bounded by the plot
 * (at most `maxMarks` spikes, a rate envelope per pixel column, a weight histogram of bins x columns), not by the
 * file. A file over the byte budget is refused before it is read; a malformed one is a one-line MonitorCsvError
 * naming the file and the line.
 */
import { constants as fsConstants, lstatSync, readdirSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { checkBudget, type Budget } from '../util/budget.js';
import {
  RasterDensity,
  RateEnvelope,
  WeightHistogram,
  type PlotOptions,
  type RasterOptions,
  type RateOptions,
  type RateSeries,
  type SpikeTrains,
  type WeightHistogramOptions,
} from './spiking-plots.js';

/** Bytes of one monitor CSV a report reads (each is streamed twice; memory does not grow with it). */
export const MONITOR_CSV_BYTES: Budget = {
  name: 'monitor-csv',
  env: 'NEUROPLAST_MAX_MONITOR_CSV_BYTES',
  defaultValue: 256 * 2 ** 20,
  unit: 'bytes',
};

/** The longest line read (a weights file has one column per sampled synapse). */
const MAX_LINE_CHARS = 4 * 2 ** 20;

/** A monitor CSV that cannot be shown: one line naming the file, and the line of the file where it went wrong. */
export class MonitorCsvError extends NeuroplastError {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorCsvError';
  }
}

export type MonitorKind = 'spikes' | 'rate' | 'weights';

/** A monitor file of a run directory. */
export interface MonitorFile {
  kind: MonitorKind;
  /** The monitored group or projection, percent-decoded from the file name (for titles; escape it). */
  name: string;
  /** Path relative to the run directory: `spikes-x.csv` or `monitors/spikes-x.csv`. */
  file: string;
  path: string;
  bytes: number;
}

/** A monitor CSV's file name: its kind and its (URI-encoded) monitor name. */
export const MONITOR_NAME = /^(spikes|rate|weights)-(.+)\.csv$/;
const HEADERS: Record<MonitorKind, string> = {
  spikes: 't_ms,neuron',
  rate: 't_ms,rate_hz',
  weights: 't_ms,...',
};

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Regular files (no links, devices or pipes) of a directory that is itself a real directory; [] when absent. */
function regularFiles(dir: string): { name: string; bytes: number }[] {
  try {
    if (!lstatSync(dir).isDirectory()) return [];
    return readdirSync(dir)
      .filter((name) => MONITOR_NAME.test(name))
      .flatMap((name) => {
        const st = lstatSync(join(dir, name));
        return st.isFile() ? [{ name, bytes: st.size }] : [];
      });
  } catch {
    return [];
  }
}

/**
 * The monitor CSVs of a run directory, in it or in its `monitors/` subfolder: spikes-<name>.csv, rate-<name>.csv,
 * weights-<name>.csv, ordered by name, then spikes, rate, weights.
 */
export function findMonitorFiles(runPath: string): MonitorFile[] {
  const order: MonitorKind[] = ['spikes', 'rate', 'weights'];
  const found: MonitorFile[] = [];
  for (const sub of ['', 'monitors'])
    for (const { name, bytes } of regularFiles(join(runPath, sub))) {
      const m = MONITOR_NAME.exec(name)!;
      const file = sub ? `${sub}/${name}` : name;
      found.push({
        kind: m[1] as MonitorKind,
        name: decodeName(m[2]),
        file,
        path: join(runPath, file),
        bytes,
      });
    }
  return found.sort(
    (a, b) =>
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      order.indexOf(a.kind) - order.indexOf(b.kind) ||
      (a.file < b.file ? -1 : 1),
  );
}

/** Whether a run directory holds any monitor CSV (cheap and synchronous, for a view's `matches`). */
export function hasMonitorFiles(runPath: string): boolean {
  return findMonitorFiles(runPath).length > 0;
}

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);

/**
 * Streams a CSV's lines: the header to `onHeader`, then each non-empty row's fields to `onRow` (1-based line
 * numbers). Refuses a file over the budget before reading it, and a line longer than 4 MiB.
 */
async function streamCsv(
  f: MonitorFile,
  onHeader: (fields: string[]) => void,
  onRow: (fields: string[], line: number) => void,
  budget?: number,
): Promise<void> {
  // Opened without following a link and checked on the open handle: a file swapped for a link after it was
  // listed is not read.
  const fh = await fsp
    .open(f.path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK)
    .catch(() => null);
  if (!fh) throw new MonitorCsvError(`${f.file}: not a regular file`);
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new MonitorCsvError(`${f.file}: not a regular file`);
  }
  try {
    checkBudget(f.file, 'monitor CSV of', st.size, MONITOR_CSV_BYTES, budget);
  } catch (err) {
    await fh.close();
    throw err;
  }
  const stream = fh.createReadStream({ encoding: 'utf8', highWaterMark: 2 ** 20 });
  let carry = '';
  let line = 0;
  const take = (text: string) => {
    line++;
    const row = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line === 1) onHeader(row.split(','));
    else if (row.length > 0) onRow(row.split(','), line);
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        take(carry + chunk.slice(start, nl));
        carry = '';
        start = nl + 1;
      }
      carry += chunk.slice(start);
      if (carry.length > MAX_LINE_CHARS)
        throw new MonitorCsvError(`${f.file}: line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`);
    }
    if (carry.length > 0) take(carry);
  } finally {
    stream.destroy();
  }
  if (line === 0) throw new MonitorCsvError(`${f.file}: empty (expected the header ${HEADERS[f.kind]})`);
}

function expectHeader(f: MonitorFile, fields: string[], want: string[]): void {
  const found = fields.join(',');
  if (found !== want.join(','))
    throw new MonitorCsvError(
      `${f.file}: line 1: expected the header ${want.join(',')}, found ${quote(found)}`,
    );
}

/** A finite number, or a one-line error naming the file, line and column. */
function number(f: MonitorFile, s: string, line: number, column: string, allowNaN = false): number {
  const v = s.length > 0 && s.trim() === s ? Number(s) : Number.NaN;
  if (Number.isFinite(v) || (allowNaN && s === 'NaN')) return v;
  throw new MonitorCsvError(`${f.file}: line ${line}: ${column} is not a number: ${quote(s)}`);
}

function fieldCount(f: MonitorFile, fields: string[], want: number, line: number): void {
  if (fields.length !== want)
    throw new MonitorCsvError(`${f.file}: line ${line}: expected ${want} fields, found ${fields.length}`);
}

export interface ReadOptions {
  /** Overrides the byte budget (default: NEUROPLAST_MAX_MONITOR_CSV_BYTES or 256 MiB). */
  budgetBytes?: number;
}

/** A spikes CSV (t_ms,neuron) as raster input: exact spikes up to `maxMarks`, else binned to the plot's pixels. */
export async function readSpikesCsv(
  f: MonitorFile,
  o: RasterOptions & ReadOptions = {},
): Promise<{ data: SpikeTrains | RasterDensity; options: RasterOptions; spikes: number }> {
  let [tMin, tMax, nMax, count] = [Infinity, -Infinity, -1, 0];
  const header = (h: string[]) => expectHeader(f, h, ['t_ms', 'neuron']);
  const parse = (fields: string[], line: number): [number, number] => {
    fieldCount(f, fields, 2, line);
    const t = number(f, fields[0], line, 't_ms');
    const n = number(f, fields[1], line, 'neuron');
    if (!(Number.isInteger(n) && n >= 0))
      throw new MonitorCsvError(`${f.file}: line ${line}: neuron is not an index: ${quote(fields[1])}`);
    return [t, n];
  };
  await streamCsv(
    f,
    header,
    (fields, line) => {
      const [t, n] = parse(fields, line);
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      if (n > nMax) nMax = n;
      count++;
    },
    o.budgetBytes,
  );
  const options: RasterOptions = { ...o, timeRangeMs: [tMin, tMax], neuronCount: nMax + 1 };
  if (count === 0) return { data: { timesMs: [], neurons: [] }, options, spikes: 0 };
  const maxMarks = Math.max(0, Math.min(o.maxMarks ?? 5000, 50_000));
  if (count <= maxMarks) {
    const timesMs = new Float64Array(count);
    const neurons = new Float64Array(count);
    let k = 0;
    await streamCsv(
      f,
      header,
      (fields, line) => {
        if (k < count) [timesMs[k], neurons[k]] = parse(fields, line);
        k++;
      },
      o.budgetBytes,
    );
    return { data: { timesMs, neurons }, options, spikes: count };
  }
  const density = RasterDensity.forPlot(tMin, tMax, nMax + 1, o);
  await streamCsv(f, header, (fields, line) => density.add(...parse(fields, line)), o.budgetBytes);
  return { data: density, options, spikes: count };
}

/** A rate CSV (t_ms,rate_hz) as rate input: the points up to `maxPoints`, else each pixel column's envelope. */
export async function readRateCsv(
  f: MonitorFile,
  o: RateOptions & ReadOptions = {},
): Promise<{ data: RateSeries | RateEnvelope; points: number }> {
  let [tMin, tMax, count] = [Infinity, -Infinity, 0];
  const header = (h: string[]) => expectHeader(f, h, ['t_ms', 'rate_hz']);
  const parse = (fields: string[], line: number): [number, number] => {
    fieldCount(f, fields, 2, line);
    return [number(f, fields[0], line, 't_ms'), number(f, fields[1], line, 'rate_hz')];
  };
  await streamCsv(
    f,
    header,
    (fields, line) => {
      const [t] = parse(fields, line);
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      count++;
    },
    o.budgetBytes,
  );
  if (count === 0) return { data: { timesMs: [], ratesHz: [] }, points: 0 };
  const envelope = RateEnvelope.forPlot(tMin, tMax, o);
  if (count <= Math.max(2, Math.min(o.maxPoints ?? 2 * envelope.cols, 20_000))) {
    const timesMs = new Float64Array(count);
    const ratesHz = new Float64Array(count);
    let k = 0;
    await streamCsv(
      f,
      header,
      (fields, line) => {
        if (k < count) [timesMs[k], ratesHz[k]] = parse(fields, line);
        k++;
      },
      o.budgetBytes,
    );
    return { data: { timesMs, ratesHz }, points: count };
  }
  await streamCsv(f, header, (fields, line) => envelope.add(...parse(fields, line)), o.budgetBytes);
  return { data: envelope, points: count };
}

/** A weights CSV (t_ms, then one column per sampled synapse) as a weight histogram over time. */
export async function readWeightsCsv(
  f: MonitorFile,
  o: WeightHistogramOptions & ReadOptions = {},
): Promise<{ data: WeightHistogram; samples: number; synapses: number }> {
  let columns = 0;
  let [tMin, tMax, wMin, wMax, count] = [Infinity, -Infinity, Infinity, -Infinity, 0];
  const header = (h: string[]) => {
    if (h[0] !== 't_ms' || h.length < 2)
      throw new MonitorCsvError(
        `${f.file}: line 1: expected the header t_ms, then one column per synapse, found ${quote(h.join(','))}`,
      );
    columns = h.length;
  };
  let row = new Float64Array(0);
  const parse = (fields: string[], line: number): number => {
    fieldCount(f, fields, columns, line);
    if (row.length !== columns - 1) row = new Float64Array(columns - 1);
    for (let j = 1; j < columns; j++) row[j - 1] = number(f, fields[j], line, `column ${j + 1}`, true);
    return number(f, fields[0], line, 't_ms');
  };
  await streamCsv(
    f,
    header,
    (fields, line) => {
      const t = parse(fields, line);
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      for (const w of row)
        if (Number.isFinite(w)) {
          if (w < wMin) wMin = w;
          if (w > wMax) wMax = w;
        }
      count++;
    },
    o.budgetBytes,
  );
  const [lo, hi] = o.range ?? [wMin, wMax];
  const h = WeightHistogram.forPlot(tMin, tMax, Math.max(1, count), lo, hi, o);
  if (count > 0)
    await streamCsv(f, header, (fields, line) => h.addSample(parse(fields, line), row), o.budgetBytes);
  return { data: h, samples: count, synapses: Math.max(0, columns - 1) };
}

/** The plot options a reader and its plot share (the plot's size decides the binning). */
export type MonitorPlotOptions = PlotOptions & ReadOptions;
