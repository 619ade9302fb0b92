/**
 * What the dashboard's views read from a run directory besides its metrics: spiking monitor plots, the receptive
 * fields of a Diehl & Cook network (from its newest saved state, so they form while it trains) and single cell
 * files of a grid. Every read is bounded and takes only regular files named by the run's own listing.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decodeBundle, type NamedTensor } from '../engine/serialize.js';
import {
  findMonitorFiles,
  monitorPlotSvg,
  MonitorCsvError,
  receptiveFieldPng,
  weightMatrixPng,
  weightTilesPng,
  type MonitorFile,
  type WeightTiles,
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
  const newest = await newestFile(dir, NETWORK_FILES);
  if (!newest) return null;
  const { name } = newest;
  const key = `${name}:${newest.stamp}`;
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

/** Where a gradient model's run keeps it: the final model, or the last checkpoint while it trains. */
const MODEL_FILES = ['model.nptb', join('checkpoints', 'last.nptb')];
/** Units drawn as tiles at most (a wider first layer shows its first ones). */
export const MAX_WEIGHT_TILES = 1024;

/** A weight tensor of a saved model and how the weights view draws it. */
export interface WeightLayer {
  name: string;
  shape: number[];
  /** `tiles`: each unit's input weights as an image (first dense layer, colour or grey convolution filters). */
  picture: 'tiles' | 'matrix';
  /** Tiles drawn (at most MAX_WEIGHT_TILES). */
  tiles?: number;
}

interface DecodedModel {
  key: string;
  file: string;
  layers: { info: WeightLayer; tensor: NamedTensor; tiles: WeightTiles | null }[];
  /** Pictures drawn so far, by tensor name (the page asks again every few seconds while a run trains). */
  pngs: Map<string, Buffer>;
}
const models = new Map<string, DecodedModel>();
/** Decoded models kept (a ResNet-18's weights are about 45 MB). */
const CACHED_MODELS = 2;

/** The newest of `files` in `dir` that is a regular file (a checkpoints/ folder only when it is a real folder). */
async function newestFile(
  dir: string,
  files: string[],
): Promise<{ path: string; name: string; stamp: string } | null> {
  let newest: { path: string; mtime: number; size: number } | null = null;
  for (const name of files) {
    if (name.includes('/') && !(await fsp.lstat(join(dir, 'checkpoints')).catch(() => null))?.isDirectory())
      continue;
    const st = await fsp.lstat(join(dir, name)).catch(() => null);
    if (st?.isFile() && (!newest || st.mtimeMs > newest.mtime))
      newest = { path: join(dir, name), mtime: st.mtimeMs, size: st.size };
  }
  if (!newest) return null;
  return {
    path: newest.path,
    name: newest.path.slice(dir.length + 1),
    stamp: `${newest.size}:${newest.mtime}`,
  };
}

/** The largest side of a tile (an input image or a filter) drawn; larger ones are drawn as matrices. */
const MAX_TILE_SIDE = 256;
/** Pixels of a tiles picture at most: wider layers show fewer units. */
const MAX_TILE_PIXELS = 16 << 20;
/** Weight tensors listed at most. */
const MAX_WEIGHT_LAYERS = 256;

/** How the first weight tensor's inputs form an image: the model's input shape, else c x s x s for c = 1 or 3. */
function inputImage(inputs: number, inputShape: unknown): [number, number, number] | null {
  if (Array.isArray(inputShape) && inputShape.length === 3 && inputShape.every(Number.isInteger)) {
    const [c, h, w] = inputShape as number[];
    if ((c === 1 || c === 3) && c * h * w === inputs) return [c, h, w];
  }
  for (const c of [1, 3]) {
    const s = Math.round(Math.sqrt(inputs / c));
    if (s >= 4 && c * s * s === inputs) return [c, s, s];
  }
  return null;
}

/** Pixels per weight of a tile: one for images (the page enlarges them, kept sharp), more for small filters. */
const tileScale = (t: { height: number; width: number }) =>
  Math.max(1, Math.min(8, Math.floor(32 / Math.max(t.height, t.width))));

/** Tiles of `units` images of `c` x `h` x `w`, as many units as fit the pixel budget; null when a side is too large. */
function tilesOf(units: number, c: number, h: number, w: number, at: WeightTiles['at']): WeightTiles | null {
  if (h < 1 || w < 1 || h > MAX_TILE_SIDE || w > MAX_TILE_SIDE) return null;
  const scale = tileScale({ height: h, width: w });
  const perTile = (h * scale + 1) * (w * scale + 1);
  const shown = Math.min(units, MAX_WEIGHT_TILES, Math.floor(MAX_TILE_PIXELS / perTile));
  return shown > 0 ? { units: shown, channels: c as 1 | 3, height: h, width: w, at } : null;
}

/**
 * The weight tensors of a saved model and how each is drawn: the model's first weight tensor as tiles when its
 * inputs are an image (a dense layer's units) or it is a convolution on 1 or 3 channels (its filters), every other
 * one as a matrix. Empty tensors and tensors of other ranks are left out.
 */
function describeWeights(tensors: Map<string, NamedTensor>, inputShape: unknown): DecodedModel['layers'] {
  const layers: DecodedModel['layers'] = [];
  for (const [full, tensor] of tensors) {
    if (full.startsWith('optim/') || !/\.weight$/.test(full)) continue;
    const { shape, data } = tensor;
    if ((shape.length !== 2 && shape.length !== 4) || data.length === 0) continue;
    if (layers.length >= MAX_WEIGHT_LAYERS) break;
    const first = layers.length === 0;
    let tiles: WeightTiles | null = null;
    if (first && shape.length === 2) {
      const [inputs, out] = shape;
      const image = inputImage(inputs, inputShape);
      if (image) {
        const [c, h, w] = image;
        tiles = tilesOf(out, c, h, w, (u, ch, y, x) => data[((ch * h + y) * w + x) * out + u]);
      }
    } else if (first && shape.length === 4 && (shape[1] === 1 || shape[1] === 3)) {
      const [out, inputs, kh, kw] = shape;
      tiles = tilesOf(out, inputs, kh, kw, (u, ch, y, x) => data[((u * inputs + ch) * kh + y) * kw + x]);
    }
    layers.push({
      info: {
        name: full.replace(/^model\//, ''),
        shape: [...shape],
        picture: tiles ? 'tiles' : 'matrix',
        ...(tiles ? { tiles: tiles.units } : {}),
      },
      tensor,
      tiles,
    });
  }
  return layers;
}

/** Decodings under way, by run directory and file stamp (requests for every layer's picture arrive at once). */
const decoding = new Map<string, Promise<DecodedModel | { error: string } | null>>();

/** The newest saved model of a gradient run, decoded once per file, size and time, or why not. */
async function savedModel(dir: string): Promise<DecodedModel | { error: string } | null> {
  const f = await newestFile(dir, MODEL_FILES);
  if (!f) return null;
  const key = `${f.name}:${f.stamp}`;
  const cached = models.get(dir);
  if (cached?.key === key) return cached;
  const pending = decoding.get(`${dir}\0${key}`);
  if (pending) return pending;
  const work = (async () => {
    const bytes = await readRegular(f.path, MAX_STATE_BYTES);
    if (bytes === null) return null;
    if (bytes === 'too large') return { error: `${f.name} is over ${MAX_STATE_BYTES} bytes` };
    try {
      const { meta, tensors } = decodeBundle(bytes, f.name);
      if (meta.format !== 'neuroplast-model' && meta.format !== 'neuroplast-checkpoint')
        return {
          error: `${f.name}: expected a neuroplast model or checkpoint, found format ${JSON.stringify(meta.format)?.slice(0, 80)}`,
        };
      const decoded: DecodedModel = {
        key,
        file: f.name,
        layers: describeWeights(tensors, meta.inputShape),
        pngs: new Map(),
      };
      models.delete(dir);
      models.set(dir, decoded);
      if (models.size > CACHED_MODELS) models.delete(models.keys().next().value!);
      return decoded;
    } catch (err) {
      // Being replaced, or damaged: the next request tries again.
      return { error: (err as Error).message.split('\n')[0] };
    }
  })();
  decoding.set(`${dir}\0${key}`, work);
  try {
    return await work;
  } finally {
    decoding.delete(`${dir}\0${key}`);
  }
}

/** The weight tensors of a gradient run's newest saved model (model.nptb, or the last checkpoint), or why not. */
export async function modelWeights(
  dir: string,
): Promise<{ file: string; layers: WeightLayer[] } | { error: string } | null> {
  const m = await savedModel(dir);
  if (!m || 'error' in m) return m;
  return { file: m.file, layers: m.layers.map((l) => l.info) };
}

/** One weight tensor of the newest saved model as a PNG, or null when the run has no such tensor. */
export async function weightsPng(
  dir: string,
  layer: string,
): Promise<{ png: Buffer } | { error: string } | null> {
  const m = await savedModel(dir);
  if (!m || 'error' in m) return m;
  const l = m.layers.find((x) => x.info.name === layer);
  if (!l) return null;
  let png = m.pngs.get(layer);
  if (!png) {
    const { shape, data } = l.tensor;
    // A dense layer as stored (rows: inputs, columns: units); a convolution as units by their flattened filters.
    png = l.tiles
      ? weightTilesPng(l.tiles, tileScale(l.tiles))
      : weightMatrixPng(data, shape[0], data.length / shape[0]);
    m.pngs.set(layer, png);
  }
  return { png };
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
      // A task-free cell's neuromodulator trace is read whole from its cell file, by the neuromodulators view.
      modulated: !!v.modulators && typeof v.modulators === 'object',
    });
  }
  return { cells, truncated: names.length > MAX_CELLS || listed > MAX_LISTED };
}
