/**
 * What the dashboard's views read from a run directory besides its metrics: spiking monitor plots, the receptive
 * fields of a Diehl & Cook network (from its newest saved state, so they form while it trains) and single cell
 * files of a grid. Every read is bounded and takes only regular files named by the run's own listing.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decodeBundle } from '../engine/serialize.js';
import {
  findMonitorFiles,
  monitorPlotSvg,
  MonitorCsvError,
  receptiveFieldPng,
  type MonitorFile,
} from '../viz/index.js';
import { readRegular, readRunJson } from './runs.js';

/** The largest saved network decoded for its receptive fields. */
const MAX_STATE_BYTES = 256 << 20;
/** The largest cell file served whole. */
export const MAX_CELL_BYTES = 4 << 20;
/** Monitor files listed at most. */
const MAX_MONITORS = 48;
/** Plots kept (by file, size and time), so a page redrawn on every metrics line does not read a CSV each time. */
const CACHED_PLOTS = 32;

const stamp = async (path: string) => {
  const st = await fsp.lstat(path).catch(() => null);
  return st?.isFile() ? `${st.size}:${st.mtimeMs}` : null;
};

export interface MonitorListing {
  kind: MonitorFile['kind'];
  name: string;
  file: string;
  bytes: number;
}

/** The run's monitor CSVs (as reports find them: in the run or in `monitors/`). */
export function listMonitors(dir: string): { monitors: MonitorListing[]; more: number } {
  const all = findMonitorFiles(dir);
  return {
    monitors: all.slice(0, MAX_MONITORS).map(({ kind, name, file, bytes }) => ({ kind, name, file, bytes })),
    more: Math.max(0, all.length - MAX_MONITORS),
  };
}

const plots = new Map<string, string>();

/**
 * One monitor file of the run drawn as SVG (a raster, a population rate or a weight histogram over time), or null
 * when `file` is not one of the run's monitor files. A file that cannot be read gives a one-line error.
 */
export async function monitorSvg(dir: string, file: string, width: number): Promise<string | null> {
  const f = listMonitors(dir).monitors.find((m) => m.file === file);
  if (!f) return null;
  const path = join(dir, f.file);
  // A few widths only, so a cached plot answers most requests.
  const w = Math.max(320, Math.min(1600, Math.round(width / 160) * 160));
  const key = `${path}\0${await stamp(path)}\0${w}`;
  const cached = plots.get(key);
  if (cached !== undefined) return cached;
  const svg = await monitorPlotSvg({ ...f, path }, { width: w, height: Math.round(w / 2) }).catch((err) => {
    // The reader's own one-line errors name the file in the run; anything else is said without local paths.
    throw err instanceof MonitorCsvError ? err : new MonitorCsvError(`${f.file}: cannot be read`);
  });
  plots.set(key, svg);
  if (plots.size > CACHED_PLOTS) plots.delete(plots.keys().next().value!);
  return svg;
}

/** The largest receptive-field picture drawn: tiles, and pixels per tile side (MNIST's is 28). */
const MAX_FIELDS = 4096;
const MAX_FIELD_SIDE = 64;
/** The last picture drawn per run, by its file's name, size and time (the view asks every few seconds). */
const fields = new Map<string, { key: string; png: Buffer }>();

/** Where a Diehl & Cook run keeps its network: the final state, or the last checkpoint while it trains. */
const NETWORK_FILES = ['network.nptb', join('checkpoints', 'last.nptb')];

/**
 * The receptive fields of a Diehl & Cook run's newest saved network as a PNG (one tile per excitatory neuron), or
 * why not. Works on any saved state holding `weights` (inputs x neurons) and `theta` (one per neuron) of a square
 * input image.
 */
export async function receptiveFields(dir: string): Promise<{ png: Buffer } | { error: string } | null> {
  let newest: { path: string; mtime: number } | null = null;
  for (const name of NETWORK_FILES) {
    if (name.includes('/') && !(await fsp.lstat(join(dir, 'checkpoints')).catch(() => null))?.isDirectory())
      continue;
    const st = await fsp.lstat(join(dir, name)).catch(() => null);
    if (st?.isFile() && (!newest || st.mtimeMs > newest.mtime))
      newest = { path: join(dir, name), mtime: st.mtimeMs };
  }
  if (!newest) return null;
  const name = newest.path.slice(dir.length + 1);
  const st = await fsp.lstat(newest.path).catch(() => null);
  const key = `${name}:${st?.size}:${st?.mtimeMs}`;
  const cached = fields.get(dir);
  if (cached?.key === key) return { png: cached.png };
  const bytes = await readRegular(newest.path, MAX_STATE_BYTES);
  if (bytes === null) return null;
  if (bytes === 'too large') return { error: `${name} is over ${MAX_STATE_BYTES} bytes` };
  try {
    const { tensors } = decodeBundle(bytes, name);
    const weights = tensors.get('weights')?.data;
    const neurons = tensors.get('theta')?.data.length ?? 0;
    const inputs = neurons > 0 && weights ? weights.length / neurons : 0;
    const side = Math.round(Math.sqrt(inputs));
    if (!weights || !Number.isInteger(inputs) || side * side !== inputs)
      return {
        error: `${name}: expected weights of a square image per neuron, found ${weights?.length ?? 0}`,
      };
    // Bounded pictures only: each weight is 2 x 2 pixels, so this caps the image near 16 million pixels.
    if (neurons > MAX_FIELDS || side > MAX_FIELD_SIDE)
      return {
        error: `${name}: ${neurons} fields of ${side} x ${side} pixels is more than this view draws (at most ${MAX_FIELDS} of ${MAX_FIELD_SIDE} x ${MAX_FIELD_SIDE})`,
      };
    const png = receptiveFieldPng(weights, neurons, side, side);
    fields.set(dir, { key, png });
    return { png };
  } catch (err) {
    // Being replaced, or damaged: the next poll tries again.
    return { error: (err as Error).message.split('\n')[0] };
  }
}

/** A file name in a grid's cells folder (no path, no dot files). */
const CELL_NAME = /^[A-Za-z0-9][A-Za-z0-9._=-]{0,200}\.json$/;

/** One cell of a grid (`cells/NAME`) as JSON, or null when there is no such cell. */
export async function cellFile(
  dir: string,
  name: string,
): Promise<{ value: unknown; error: string | null } | null> {
  if (!CELL_NAME.test(name)) return null;
  // Not through a linked folder either (the file itself is opened without following links).
  if (!(await fsp.lstat(join(dir, 'cells')).catch(() => null))?.isDirectory()) return null;
  const r = await readRunJson(join(dir, 'cells', name), MAX_CELL_BYTES);
  return r.value === null && r.error === null ? null : r;
}

/** A continual grid's cells the accuracy-matrix view reads, the largest cell file read, the directory entries looked at. */
const MAX_CELLS = 2000;
const MAX_CELL_FILE = 1 << 20;
const MAX_LISTED = 50_000;
/** The largest accuracy matrix served (contexts per side). */
const MAX_CONTEXTS = 100;

const isShortString = (v: unknown) => typeof v === 'string' && v.length <= 200;
const isNumberRow = (v: unknown, n: number) =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' || x === null);

/** Why a cell file cannot be drawn as an accuracy matrix, or null. */
function cellShapeError(v: unknown): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const c = v as Record<string, unknown>;
  if (!isShortString(c.method) || !isShortString(c.scenario))
    return 'method and scenario: expected strings of at most 200 characters';
  if (c.seed !== undefined && typeof c.seed !== 'number')
    return `seed: expected a number, found ${typeof c.seed}`;
  const a = c.accuracy;
  const n = Array.isArray(a) ? a.length : 0;
  if (n < 1 || n > MAX_CONTEXTS || !(a as unknown[]).every((row) => isNumberRow(row, n)))
    return `accuracy: expected a square matrix of numbers, 1 to ${MAX_CONTEXTS} contexts per side`;
  const ctx = c.contexts;
  if (
    ctx !== undefined &&
    !(
      Array.isArray(ctx) &&
      ctx.length === n &&
      ctx.every(
        (k) =>
          Array.isArray(k) && k.length <= 1000 && k.every((x) => typeof x === 'number' || isShortString(x)),
      )
    )
  )
    return `contexts: expected ${n} lists of class labels`;
  return null;
}

/**
 * A continual grid's cells (cells/*.json): the fields the accuracy-matrix view reads, checked and bounded (at most
 * MAX_CELLS files of MAX_CELL_FILE bytes, matrices up to MAX_CONTEXTS square); a cell that cannot be read or has
 * another shape is listed with its error.
 */
export async function continualCells(runDir: string) {
  const dir = join(runDir, 'cells');
  const st = await fsp.lstat(dir).catch(() => null);
  if (!st?.isDirectory()) return { cells: [], truncated: false };
  const names: string[] = [];
  let listed = 0;
  for await (const e of await fsp.opendir(dir)) {
    if (++listed > MAX_LISTED) break;
    if (e.isFile() && e.name.endsWith('.json')) names.push(e.name);
  }
  names.sort();
  const cells = [];
  for (const name of names.slice(0, MAX_CELLS)) {
    const r = await readRunJson(join(dir, name), MAX_CELL_FILE);
    const problem = r.error ?? cellShapeError(r.value);
    if (problem) {
      cells.push({ name, error: problem });
      continue;
    }
    const v = r.value as Record<string, unknown>;
    cells.push({
      name,
      method: v.method,
      scenario: v.scenario,
      seed: v.seed,
      contexts: v.contexts,
      accuracy: v.accuracy,
    });
  }
  return { cells, truncated: names.length > MAX_CELLS || listed > MAX_LISTED };
}
