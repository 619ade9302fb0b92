import { freemem } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataFormatError, NeuroplastError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { LabeledImageDataset } from '../data/dataset.js';
import type { SpikeSource } from '../spiking/types.js';
import { CsvRows, csvRows, locateV1, readV1File, v1Candidates, type V1Tables } from './tables.js';

/**
 * The LGN front end of the V1 model: Billeh et al. 2020's 14 LGN filter types (17,400 units on a 15 x 10 tile grid),
 * each a linear spatio-temporal filter (a Gaussian in space, FilterNet's two-bump "cosine bump" kernel in time) and a
 * rectifying transfer to a rate, then Poisson spikes. The filter definitions follow the Allen Institute's BMTK
 * FilterNet (`bmtk/simulator/filternet`); the per-unit parameter draws follow the successor model's `node_funcs.py`
 * (AllenInstitute/biorealistic-v1-model). docs/cortex.md ("LGN front end") says what was followed and what we chose.
 */

// ------------------------------------------------------------------------------------------------ tables

/** The LGN files of the V1 tables folder with their pinned SHA-256 (from ../shared/v1/manifest.json). */
export const LGN_FILES = {
  params: {
    path: 'derived/lgn_params.csv',
    sha256: 'b5168a693a3d0bf484dfcf209d9f6f9523935be348de1f1e8543967d96fd0e44',
  },
  models: {
    path: 'lgn/lgn_models.csv',
    sha256: '8915d524762b66ce9e08afc53ed28d05df625d830508603073785b67ab7a125c',
  },
} as const;

/** The fitted temporal-kernel templates (opt_wts, opt_kpeaks, opt_delays) with their pinned SHA-256. */
export const LGN_TEMPLATE_SHA256: Readonly<Record<string, string>> = {
  'lgn/model_templates/sOFF_TF15_6.23741017_-2.1430682_4.59332686_20.0_5.0_ic.json':
    'c927285c54613ef60720e4bd5bcff11da269f3276b074b74424d71765c1eafc5',
  'lgn/model_templates/sOFF_TF1_3.5_-2.0_50.0_140.0_5.0_ic.json':
    '1a17e67fdfe360a2dffc7a317bc57d93b7f674d55f55dd0e5ac80715d8144f81',
  'lgn/model_templates/sOFF_TF2_3.5_-2.0_10.0_100.0_25.0_ic.json':
    'd06ab65f27c414ddede3fd0cf1b5dd401bc2a15b18eb2f961b6900334c52a1c0',
  'lgn/model_templates/sOFF_TF4_3.5_-2.0_10.0_60.0_15.0_ic.json':
    'b03d794f10b75822ef5299a30c8d49e25c71a02c39952d09809809b3b46c9433',
  'lgn/model_templates/sOFF_TF8_3.5_-2.0_10.0_60.0_15.0_ic.json':
    '45c1070fa428c65eacab3ccddb01d70a47788f3a0ba6af4a0917b9e90328ac31',
  'lgn/model_templates/sON_TF1_3.5_-2.0_50.0_140.0_15.0_ic.json':
    '8b28e5e1c8419a0a97d184c0c1a01363241eec897ea85b29a48d511b2bb164cd',
  'lgn/model_templates/sON_TF2_3.5_-2.0_50.0_140.0_5.0_ic.json':
    '15392fa44480983d8843fe119ce36ef9ce616e5a783c423b1ecddec4819ec7ff',
  'lgn/model_templates/sON_TF4_3.5_-2.0_30.0_60.0_25.0_ic.json':
    '49a5d97804836582b3c0de2717cab459342e920180cd636c623f82f89e37c060',
  'lgn/model_templates/sON_TF8_3.5_-2.0_10.0_20.0_25.0_ic.json':
    '5a124f71f9e50ba34c7c25333731b97d3987cc70f0a4d290ac6a375bf7b7e07c',
  'lgn/model_templates/tOFF_TF15_3.44215357_-2.11509939_8.27421573_20.0_0.0_ic.json':
    '8cb3d604b12ad8908e8ab48fe3b202abbb7f201b2621b04249df873bd5612197',
  'lgn/model_templates/tOFF_TF4_3.5_-2.0_30.0_60.0_15.0_ic.json':
    'b5c7465a83a65a95ada9ffb81509a43be78ede4cd3064041a9b5af98fff08d4b',
  'lgn/model_templates/tOFF_TF8_4.222_-2.404_8.545_23.019_0.0_ic.json':
    '50835aaff815f0b2f8dfc7cd37cdd61ff6907ae42918db70a48068b570369da5',
  'lgn/model_templates/tON_TF15.json': '8cb3d604b12ad8908e8ab48fe3b202abbb7f201b2621b04249df873bd5612197',
  'lgn/model_templates/tON_TF4.json': 'b5c7465a83a65a95ada9ffb81509a43be78ede4cd3064041a9b5af98fff08d4b',
  'lgn/model_templates/tON_TF8.json': '50835aaff815f0b2f8dfc7cd37cdd61ff6907ae42918db70a48068b570369da5',
};

/** Billeh et al. 2020's LGN: 116 units per tile on a 15 x 10 grid of tiles over 240 x 120 deg, 17,400 in all. */
export const LGN_UNITS_PER_TILE = 116;
export const LGN_TILES_X = 15;
export const LGN_TILES_Y = 10;
export const LGN_TILE_WIDTH_DEG = 16;
export const LGN_TILE_HEIGHT_DEG = 12;
export const LGN_FULL_UNITS = LGN_UNITS_PER_TILE * LGN_TILES_X * LGN_TILES_Y;

/**
 * Spontaneous (gray-screen) rate of each one-subunit type (Hz): FilterNet's default when a node sets no `spont_fr`,
 * the mean `Spont` of the recorded units of that cell type whose largest F0 response is at that temporal frequency, in
 * BMTK's `bmtk/simulator/filternet/lgnmodel/cell_metrics/<type>_cell_data.csv` (mouse LGN recordings).
 */
export const LGN_SPONTANEOUS_HZ: Readonly<Record<string, number>> = {
  sON_TF1: 5.2,
  sON_TF2: 3.5333333333333337,
  sON_TF4: 8.25,
  sON_TF8: 1.7666666666666666,
  sOFF_TF1: 3.95,
  sOFF_TF2: 4.5317777777777755,
  sOFF_TF4: 3.679074074074074,
  sOFF_TF8: 3.62,
  sOFF_TF15: 5.074999999999999,
  tOFF_TF4: 3.944550264550276,
  tOFF_TF8: 2.4377777777777867,
  tOFF_TF15: 1.050666666666664,
};

/**
 * FilterNet's constants for the two-subunit types (its default cell loader): the latency (ms) each subunit's kernel
 * is shifted to (its first zero crossing lands there), the spontaneous rate split equally between the subunits, and
 * the peak OFF and ON rates that set the OFF subunit's amplitude.
 */
export const LGN_TWO_SUBUNIT: Readonly<
  Record<
    string,
    {
      onLatencyMs: number;
      offLatencyMs: number;
      spontaneousHz: number;
      maxOffHz: number;
      maxOnHz: number;
      offScale: number;
    }
  >
> = {
  sONsOFF_001: {
    onLatencyMs: 121,
    offLatencyMs: 115,
    spontaneousHz: 4,
    maxOffHz: 35,
    maxOnHz: 21,
    offScale: 1,
  },
  sONtOFF_001: {
    onLatencyMs: 93.5,
    offLatencyMs: 64.8,
    spontaneousHz: 5.5,
    maxOffHz: 46,
    maxOnHz: 31,
    offScale: 0.7,
  },
};

/** FilterNet's two-bump temporal kernel parameters (one subunit). */
export interface CosineBumpParams {
  /** Weights of the two bumps; the first is positive (the kernel's first lobe, before the ON/OFF sign). */
  weights: [number, number];
  /** Peak parameters of the bumps (ms), first < second. */
  kpeaksMs: [number, number];
  /** Delays of the bumps (ms), first <= second; truncated to whole ms when a kernel is built, as FilterNet does. */
  delaysMs: [number, number];
}

export type LgnPolarity = 'ON' | 'OFF' | 'ON/OFF';
export type LgnTiming = 'sustained' | 'transient' | 'mixed';

/** One of the 14 LGN filter types. */
export interface LgnType {
  /** e.g. `sON_TF4`, `sONtOFF_001`. */
  id: string;
  nPerTile: number;
  minSizeDeg: number;
  maxSizeDeg: number;
  /** `triangular`: size ~ triangular(min, min + 1, max); `fixed`: min = max. */
  sizeRule: 'triangular' | 'fixed';
  subunits: 1 | 2;
  polarity: LgnPolarity;
  timing: LgnTiming;
  /** The dominant subunit's kernel (the OFF one of the two-subunit types) and its template path. */
  dominant: CosineBumpParams;
  dominantTemplate: string;
  /** The non-dominant (ON) subunit of the two-subunit types. */
  nonDominant: CosineBumpParams | null;
  nonDominantTemplate: string | null;
  /** Distance between the two subunits' centres (deg), two-subunit types only. */
  sfSepDeg: number | null;
  /** Each kernel parameter and sf_sep is multiplied per unit by a uniform factor in [1 - j, 1 + j]. */
  jitterFrac: number;
  spontaneousHz: number;
}

export interface LgnTables {
  dir: string;
  source: string;
  types: LgnType[];
}

export interface LoadLgnOptions {
  /** A folder of tables to read instead of searching the usual places. */
  dir?: string;
  /** Check each file's SHA-256 against the pinned one (default true); the contents are checked either way. */
  verifyChecksums?: boolean;
  env?: NodeJS.ProcessEnv;
}

const TYPE_PREFIXES: [prefix: string, polarity: LgnPolarity, timing: LgnTiming, subunits: 1 | 2][] = [
  ['sONsOFF_', 'ON/OFF', 'sustained', 2],
  ['sONtOFF_', 'ON/OFF', 'mixed', 2],
  ['sON_', 'ON', 'sustained', 1],
  ['sOFF_', 'OFF', 'sustained', 1],
  ['tON_', 'ON', 'transient', 1],
  ['tOFF_', 'OFF', 'transient', 1],
];

/**
 * Reads, checks and types the LGN tables (derived/lgn_params.csv, lgn/lgn_models.csv and the templates they name)
 * from `dir` or the V1 tables folder (`locateV1()`). Every problem is a one-line error naming file, entry and value.
 */
export async function loadLgnTables(opts: LoadLgnOptions = {}): Promise<LgnTables> {
  const env = opts.env ?? process.env;
  const found = opts.dir ? { dir: opts.dir, label: 'given' } : await locateV1(env);
  if (!found)
    throw new NeuroplastError(
      `lgn tables: ${LGN_FILES.params.path} not found in ${v1Candidates(env)
        .map((c) => c.dir)
        .join(', ')} (see docs/cortex.md)`,
    );
  const verify = opts.verifyChecksums ?? true;
  const read = (path: string, sha256: string) => readV1File(found.dir, path, verify ? sha256 : null);
  const paramsFile = join(found.dir, LGN_FILES.params.path);
  const params = csvRows(paramsFile, await read(LGN_FILES.params.path, LGN_FILES.params.sha256));
  const types: LgnType[] = [];
  for (let i = 0; i < params.records.length; i++) types.push(await readType(params, i, found.dir, read));
  const total = types.reduce((s, t) => s + t.nPerTile, 0);
  if (total !== LGN_UNITS_PER_TILE)
    throw new DataFormatError(
      paramsFile,
      `n_per_tile: expected ${LGN_UNITS_PER_TILE} units per tile in all, found ${total}`,
    );
  // The upstream copy (space-separated) must agree with the derived table on counts and sizes.
  const modelsFile = join(found.dir, LGN_FILES.models.path);
  const modelsText = (await read(LGN_FILES.models.path, LGN_FILES.models.sha256)).toString('utf8');
  const models = new CsvRows(modelsFile, modelsText.replace(/ +/g, ','));
  const seen = new Set<string>();
  for (let i = 0; i < models.records.length; i++) {
    const id = models.string(i, 'model_id');
    const t = types.find((x) => x.id === id);
    if (!t)
      throw new NeuroplastError(
        `${models.where(i, 'model_id')}: expected a type of ${LGN_FILES.params.path}, found ${JSON.stringify(id)}`,
      );
    seen.add(id);
    models.number(i, 'N', (v) => v === t.nPerTile, `${t.nPerTile} (n_per_tile of ${id})`);
    models.number(i, 'min_size', (v) => v === t.minSizeDeg, `${t.minSizeDeg} (min_size_deg of ${id})`);
    models.number(i, 'max_size', (v) => v === t.maxSizeDeg, `${t.maxSizeDeg} (max_size_deg of ${id})`);
  }
  const missing = types.find((t) => !seen.has(t.id));
  if (missing) throw new DataFormatError(modelsFile, `type ${missing.id} is missing`);
  return { dir: found.dir, source: `${found.dir} (${found.label})`, types };
}

async function readType(
  rows: CsvRows,
  i: number,
  dir: string,
  read: (path: string, sha256: string) => Promise<Buffer>,
): Promise<LgnType> {
  const id = rows.string(i, 'model_id');
  const kind = TYPE_PREFIXES.find(([p]) => id.startsWith(p));
  if (!kind)
    throw new NeuroplastError(
      `${rows.where(i, 'model_id')}: expected a type named sON_, sOFF_, tON_, tOFF_, sONsOFF_ or sONtOFF_..., found ${JSON.stringify(id)}`,
    );
  const [, polarity, timing, subunits] = kind;
  const integer = (v: number) => Number.isInteger(v) && v > 0;
  const nPerTile = rows.number(i, 'n_per_tile', integer, 'a positive integer');
  rows.number(i, 'n_total', (v) => v === nPerTile * 150, `n_per_tile x 150 tiles (${nPerTile * 150})`);
  const ei = rows.string(i, 'ei');
  if (ei !== 'e')
    throw new NeuroplastError(`${rows.where(i, 'ei')}: expected e, found ${JSON.stringify(ei)}`);
  const minSizeDeg = rows.number(i, 'min_size_deg', (v) => v > 0, 'a positive size');
  const maxSizeDeg = rows.number(
    i,
    'max_size_deg',
    (v) => v >= minSizeDeg,
    `a size >= min_size_deg (${minSizeDeg})`,
  );
  const rule = rows.string(i, 'size_rule');
  const expectedRule = minSizeDeg === maxSizeDeg ? 'fixed' : 'triangular(min, min+1, max)';
  if (rule !== expectedRule)
    throw new NeuroplastError(
      `${rows.where(i, 'size_rule')}: expected ${JSON.stringify(expectedRule)}, found ${JSON.stringify(rule)}`,
    );
  if (rule !== 'fixed' && minSizeDeg + 1 > maxSizeDeg)
    throw new NeuroplastError(
      `${rows.where(i, 'max_size_deg')}: expected >= min_size_deg + 1 (the triangle's mode), found ${maxSizeDeg}`,
    );
  rows.number(i, 'n_subunits', (v) => v === subunits, `${subunits} (type ${id})`);
  const dominantTemplate = rows.string(i, 'dom_template');
  const dominant = await readKernel(rows, i, 'dom', dominantTemplate, dir, read);
  let nonDominant: CosineBumpParams | null = null;
  let nonDominantTemplate: string | null = null;
  let sfSepDeg: number | null = null;
  if (subunits === 2) {
    nonDominantTemplate = rows.string(i, 'nondom_template');
    nonDominant = await readKernel(rows, i, 'nondom', nonDominantTemplate, dir, read);
    sfSepDeg = rows.number(i, 'sf_sep_deg', (v) => v > 0, 'a positive separation');
  } else {
    for (const f of ['nondom_template', 'nondom_wt_0', 'sf_sep_deg'])
      if (rows.string(i, f).trim() !== '')
        throw new NeuroplastError(
          `${rows.where(i, f)}: expected nothing (a one-subunit type), found ${JSON.stringify(rows.string(i, f))}`,
        );
  }
  const jitterFrac = rows.number(i, 'param_jitter_frac', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  const spontaneousHz = subunits === 2 ? LGN_TWO_SUBUNIT[id]?.spontaneousHz : LGN_SPONTANEOUS_HZ[id];
  if (spontaneousHz === undefined)
    throw new NeuroplastError(
      `${rows.where(i, 'model_id')}: expected a type with a known spontaneous rate (${[
        ...Object.keys(LGN_SPONTANEOUS_HZ),
        ...Object.keys(LGN_TWO_SUBUNIT),
      ].join(', ')}), found ${JSON.stringify(id)}`,
    );
  return {
    id,
    nPerTile,
    minSizeDeg,
    maxSizeDeg,
    sizeRule: rule === 'fixed' ? 'fixed' : 'triangular',
    subunits,
    polarity,
    timing,
    dominant,
    dominantTemplate,
    nonDominant,
    nonDominantTemplate,
    sfSepDeg,
    jitterFrac,
    spontaneousHz,
  };
}

/**
 * One subunit's kernel parameters: the table's values, checked for range, against the template they cite (same
 * values to the table's 8 significant digits) and the template against its pinned checksum; the template's exact
 * values are returned.
 */
async function readKernel(
  rows: CsvRows,
  i: number,
  prefix: 'dom' | 'nondom',
  template: string,
  dir: string,
  read: (path: string, sha256: string) => Promise<Buffer>,
): Promise<CosineBumpParams> {
  const f = (name: string) => `${prefix}_${name}`;
  const w0 = rows.number(i, f('wt_0'), (v) => v > 0, 'a positive weight');
  const w1 = rows.number(i, f('wt_1'));
  const k0 = rows.number(i, f('kpeak_0'), (v) => v > 0, 'a positive time');
  const k1 = rows.number(i, f('kpeak_1'), (v) => v > k0, `a time > ${f('kpeak_0')} (${k0})`);
  const d0 = rows.number(i, f('delay_0'), (v) => v >= 0, 'a delay >= 0');
  const d1 = rows.number(i, f('delay_1'), (v) => v >= d0, `a delay >= ${f('delay_0')} (${d0})`);
  const sha256 = LGN_TEMPLATE_SHA256[template];
  if (sha256 === undefined)
    throw new NeuroplastError(
      `${rows.where(i, f('template'))}: expected one of the pinned templates in lgn/model_templates/, found ${JSON.stringify(template)}`,
    );
  const file = join(dir, template);
  let json: unknown;
  try {
    json = JSON.parse((await read(template, sha256)).toString('utf8'));
  } catch (err) {
    if (err instanceof NeuroplastError) throw err;
    throw new DataFormatError(file, `not valid JSON (${(err as Error).message})`);
  }
  const pair = (key: string): [number, number] => {
    const v = (json as Record<string, unknown>)?.[key];
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new DataFormatError(file, `${key}: expected two numbers, found ${JSON.stringify(v)}`);
    return [v[0], v[1]];
  };
  const exact: CosineBumpParams = {
    weights: pair('opt_wts'),
    kpeaksMs: pair('opt_kpeaks'),
    delaysMs: pair('opt_delays'),
  };
  const agree: [string, number, number, string][] = [
    ['wt_0', w0, exact.weights[0], 'opt_wts[0]'],
    ['wt_1', w1, exact.weights[1], 'opt_wts[1]'],
    ['kpeak_0', k0, exact.kpeaksMs[0], 'opt_kpeaks[0]'],
    ['kpeak_1', k1, exact.kpeaksMs[1], 'opt_kpeaks[1]'],
    ['delay_0', d0, exact.delaysMs[0], 'opt_delays[0]'],
    ['delay_1', d1, exact.delaysMs[1], 'opt_delays[1]'],
  ];
  for (const [name, table, tmpl, key] of agree)
    if (Math.abs(table - tmpl) > 1e-7 * Math.max(1, Math.abs(tmpl)))
      throw new NeuroplastError(
        `${rows.where(i, f(name))}: expected ${tmpl} (${key} of ${template}), found ${JSON.stringify(rows.string(i, f(name)))}`,
      );
  return exact;
}

// ------------------------------------------------------------------------------------------------ temporal kernel

/** Samples (1 ms each) of FilterNet's cosine-bump basis window. */
export const KERNEL_BASIS_MS = 600;
/** FilterNet's offset `b` inside the log time axis (ms). */
const BUMP_SHIFT_MS = 0.3;
/** Spacing of FilterNet's basis on the log axis: log(200.3 / 100.3), from its fixed basis range 100-200 ms. */
const BUMP_LOG_SPACING = Math.log((200 + BUMP_SHIFT_MS) / (100 + BUMP_SHIFT_MS));

/**
 * One raised-cosine bump on the log time axis: (1 + cos(clamp((ln(x + 0.3) - ln kpeak) pi / (2 dB), -pi, pi))) / 2,
 * dB = ln(200.3 / 100.3); zero outside |ln((x + 0.3) / kpeak)| < 2 dB.
 */
export function cosineBump(xMs: number, kpeakMs: number): number {
  const phase = ((Math.log(xMs + BUMP_SHIFT_MS) - Math.log(kpeakMs)) * Math.PI) / (2 * BUMP_LOG_SPACING);
  if (!(phase > -Math.PI && phase < Math.PI)) return 0;
  return (1 + Math.cos(phase)) / 2;
}

/** The whole-ms x in [1, xMax] where the bump can be non-zero. */
function bumpRange(kpeakMs: number, xMax: number): [number, number] {
  const lo = Math.max(1, Math.floor(kpeakMs * Math.exp(-2 * BUMP_LOG_SPACING) - BUMP_SHIFT_MS));
  const hi = Math.min(xMax, Math.ceil(kpeakMs * Math.exp(2 * BUMP_LOG_SPACING) - BUMP_SHIFT_MS));
  return [lo, hi];
}

function bumpNorm(kpeakMs: number, xMax: number): number {
  const [lo, hi] = bumpRange(kpeakMs, xMax);
  let s = 0;
  for (let x = lo; x <= hi; x++) s += cosineBump(x, kpeakMs) ** 2;
  return Math.sqrt(s);
}

/**
 * FilterNet's temporal kernel K(j), j = 0, 1, ... ms after the input (length 600 + d0):
 * K(j) = w0 B0(j - d0 + 1) / n0 + w1 B1(j - d1 + 1) / n1, with B_k the bump of kpeak_k, the basis window
 * 1 <= x <= 600 for the first bump and 1 <= x <= 600 - (d1 - d0) for the second (FilterNet drops the basis' t = 0
 * sample and cuts the delayed bump to the first one's length), and n_k each bump's L2 norm over its window.
 */
export function cosineBumpKernel(p: CosineBumpParams): Float64Array {
  const d0 = Math.trunc(p.delaysMs[0]);
  const d1 = Math.trunc(p.delaysMs[1]);
  if (!(d0 >= 0 && d1 >= d0))
    throw new ConfigError('delaysMs', `expected 0 <= delay0 <= delay1, found ${p.delaysMs.join(', ')}`);
  if (!(p.kpeaksMs[0] > 0 && p.kpeaksMs[1] > p.kpeaksMs[0]))
    throw new ConfigError('kpeaksMs', `expected 0 < kpeak0 < kpeak1, found ${p.kpeaksMs.join(', ')}`);
  const kernel = new Float64Array(KERNEL_BASIS_MS + d0);
  const add = (weight: number, kpeak: number, delay: number, xMax: number) => {
    const norm = bumpNorm(kpeak, xMax);
    if (norm === 0) return;
    const [lo, hi] = bumpRange(kpeak, xMax);
    for (let x = lo; x <= hi; x++) kernel[x - 1 + delay] += (weight * cosineBump(x, kpeak)) / norm;
  };
  add(p.weights[0], p.kpeaksMs[0], d0, KERNEL_BASIS_MS);
  add(p.weights[1], p.kpeaksMs[1], d1, KERNEL_BASIS_MS - (d1 - d0));
  return kernel;
}

/**
 * FilterNet's latency alignment of a two-subunit type's kernel: the first zero crossing from above between the
 * kernel's maximum and minimum (over its first 600 ms) is moved to `latencyMs` by adding the difference to both
 * (unrounded) delays. Returns the shifted parameters and the sum of the kernel before that crossing (its first lobe).
 */
export function alignKernelLatency(
  p: CosineBumpParams,
  latencyMs: number,
): { params: CosineBumpParams; lobeSum: number; crossingMs: number } {
  const k = cosineBumpKernel(p).subarray(0, KERNEL_BASIS_MS);
  let maxI = 0;
  let minI = 0;
  for (let j = 1; j < k.length; j++) {
    if (k[j] > k[maxI]) maxI = j;
    if (k[j] < k[minI]) minI = j;
  }
  let crossing = -1;
  for (let j = maxI + 1; j < minI; j++)
    if (k[j - 1] >= 0 && k[j] < 0) {
      crossing = j;
      break;
    }
  if (crossing < 0)
    throw new NeuroplastError(
      `LGN kernel (weights ${p.weights.join(', ')}, kpeaks ${p.kpeaksMs.join(', ')}): no zero crossing between its peak and trough`,
    );
  let lobeSum = 0;
  for (let j = 0; j < crossing; j++) lobeSum += k[j];
  const offset = latencyMs - crossing;
  if (offset < 0)
    throw new NeuroplastError(
      `LGN kernel (kpeaks ${p.kpeaksMs.join(', ')}): first zero crossing at ${crossing} ms, after the latency ${latencyMs} ms`,
    );
  return {
    params: { ...p, delaysMs: [p.delaysMs[0] + offset, p.delaysMs[1] + offset] },
    lobeSum,
    crossingMs: crossing,
  };
}

// ------------------------------------------------------------------------------------------------ model

export interface LgnModelOptions {
  seed: number;
  /** Units per tile (default 116: Billeh's); each type's count is scaled by largest remainders. */
  unitsPerTile?: number;
  /** Tiles across and down (default 15 x 10: Billeh's); fewer tiles make a smaller field. */
  tilesX?: number;
  tilesY?: number;
  /** Tile size (default 16 x 12 deg: Billeh's 240 x 120 deg field over 15 x 10 tiles). */
  tileWidthDeg?: number;
  tileHeightDeg?: number;
}

/** Per-unit arrays of one subunit's filter; entries are NaN (delays -1) where a unit has no such subunit. */
export interface LgnSubunitArrays {
  /** Centre of the spatial Gaussian (deg; x to the right, y downward as image rows, from the field's corner). */
  xDeg: Float64Array;
  yDeg: Float64Array;
  /** Linear filter amplitude: +1 ON, -1 OFF; FilterNet's computed (negative) OFF amplitude in two-subunit types. */
  amplitude: Float64Array;
  weight0: Float64Array;
  weight1: Float64Array;
  kpeak0Ms: Float64Array;
  kpeak1Ms: Float64Array;
  /** Whole-ms delays after jitter (and latency alignment in two-subunit types). */
  delay0Ms: Int32Array;
  delay1Ms: Int32Array;
}

export interface LgnModel {
  seed: number;
  size: number;
  unitsPerTile: number;
  tilesX: number;
  tilesY: number;
  tileWidthDeg: number;
  tileHeightDeg: number;
  fieldWidthDeg: number;
  fieldHeightDeg: number;
  types: LgnType[];
  /** Units per type (per tile: `perTile`), in the types' order. */
  perTile: number[];
  /** Per unit: its type (index into `types`), position, filter size (deg), spontaneous rate (Hz). */
  typeIndex: Uint8Array;
  xDeg: Float32Array;
  yDeg: Float32Array;
  sizeDeg: Float32Array;
  /** Standard deviation of the spatial Gaussian: size / 3 (FilterNet). */
  sigmaDeg: Float32Array;
  spontaneousHz: Float32Array;
  /** Direction of the ON subunit from the OFF one (deg) and their distance (deg); NaN for one-subunit types. */
  tuningDeg: Float32Array;
  sfSepDeg: Float32Array;
  dominant: LgnSubunitArrays;
  nonDominant: LgnSubunitArrays;
}

/** Per-type counts for `unitsPerTile` in the types' proportions (largest remainders). */
function scaledCounts(types: LgnType[], unitsPerTile: number): number[] {
  const total = types.reduce((s, t) => s + t.nPerTile, 0);
  const exact = types.map((t) => (t.nPerTile / total) * unitsPerTile);
  const counts = exact.map(Math.floor);
  let left = unitsPerTile - counts.reduce((s, n) => s + n, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) counts[order[k][1]]++;
  return counts;
}

function positiveInteger(where: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(where, `expected a positive integer, found ${v}`);
  return v;
}

function positiveNumber(where: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(where, `expected a positive number, found ${v}`);
  return v;
}

const subunitArrays = (n: number): LgnSubunitArrays => ({
  xDeg: new Float64Array(n).fill(NaN),
  yDeg: new Float64Array(n).fill(NaN),
  amplitude: new Float64Array(n).fill(NaN),
  weight0: new Float64Array(n).fill(NaN),
  weight1: new Float64Array(n).fill(NaN),
  kpeak0Ms: new Float64Array(n).fill(NaN),
  kpeak1Ms: new Float64Array(n).fill(NaN),
  delay0Ms: new Int32Array(n).fill(-1),
  delay1Ms: new Int32Array(n).fill(-1),
});

function setSubunit(
  a: LgnSubunitArrays,
  i: number,
  x: number,
  y: number,
  amplitude: number,
  p: CosineBumpParams,
) {
  a.xDeg[i] = x;
  a.yDeg[i] = y;
  a.amplitude[i] = amplitude;
  a.weight0[i] = p.weights[0];
  a.weight1[i] = p.weights[1];
  a.kpeak0Ms[i] = p.kpeaksMs[0];
  a.kpeak1Ms[i] = p.kpeaksMs[1];
  a.delay0Ms[i] = Math.trunc(p.delaysMs[0]);
  a.delay1Ms[i] = Math.trunc(p.delaysMs[1]);
}

/**
 * The LGN units: per type, per tile (x-major, as the successor's builder), `count` units placed uniformly in the tile,
 * with a size from the type's rule, every kernel parameter (and sf_sep) jittered by its own uniform factor, and for
 * the two-subunit types a direction uniform in [0, 360) deg placing the ON subunit at sf_sep from the OFF one, whose
 * kernels are then latency-aligned and the OFF amplitude set as FilterNet does. All draws from `Rng(seed)`.
 */
export function buildLgnModel(tables: LgnTables, opts: LgnModelOptions): LgnModel {
  const unitsPerTile = positiveInteger('unitsPerTile', opts.unitsPerTile ?? LGN_UNITS_PER_TILE);
  const tilesX = positiveInteger('tilesX', opts.tilesX ?? LGN_TILES_X);
  const tilesY = positiveInteger('tilesY', opts.tilesY ?? LGN_TILES_Y);
  const tileWidthDeg = positiveNumber('tileWidthDeg', opts.tileWidthDeg ?? LGN_TILE_WIDTH_DEG);
  const tileHeightDeg = positiveNumber('tileHeightDeg', opts.tileHeightDeg ?? LGN_TILE_HEIGHT_DEG);
  const types = tables.types;
  if (types.length > 255)
    throw new ConfigError('tables.types', `expected at most 255 types, found ${types.length}`);
  const perTile = scaledCounts(types, unitsPerTile);
  const size = unitsPerTile * tilesX * tilesY;
  const rng = new Rng(opts.seed, 41);
  const m: LgnModel = {
    seed: opts.seed,
    size,
    unitsPerTile,
    tilesX,
    tilesY,
    tileWidthDeg,
    tileHeightDeg,
    fieldWidthDeg: tilesX * tileWidthDeg,
    fieldHeightDeg: tilesY * tileHeightDeg,
    types,
    perTile,
    typeIndex: new Uint8Array(size),
    xDeg: new Float32Array(size),
    yDeg: new Float32Array(size),
    sizeDeg: new Float32Array(size),
    sigmaDeg: new Float32Array(size),
    spontaneousHz: new Float32Array(size),
    tuningDeg: new Float32Array(size).fill(NaN),
    sfSepDeg: new Float32Array(size).fill(NaN),
    dominant: subunitArrays(size),
    nonDominant: subunitArrays(size),
  };
  let i = 0;
  types.forEach((type, t) => {
    const j = type.jitterFrac;
    const jitter = (v: number) => v * (1 - j + 2 * j * rng.float());
    const jittered = (p: CosineBumpParams): CosineBumpParams => ({
      weights: [jitter(p.weights[0]), jitter(p.weights[1])],
      kpeaksMs: [jitter(p.kpeaksMs[0]), jitter(p.kpeaksMs[1])],
      delaysMs: [jitter(p.delaysMs[0]), jitter(p.delaysMs[1])],
    });
    for (let tx = 0; tx < tilesX; tx++)
      for (let ty = 0; ty < tilesY; ty++)
        for (let k = 0; k < perTile[t]; k++, i++) {
          const x = (tx + rng.float()) * tileWidthDeg;
          const y = (ty + rng.float()) * tileHeightDeg;
          const sizeDeg =
            type.sizeRule === 'fixed' ? type.minSizeDeg : triangular(rng, type.minSizeDeg, type.maxSizeDeg);
          m.typeIndex[i] = t;
          m.xDeg[i] = x;
          m.yDeg[i] = y;
          m.sizeDeg[i] = sizeDeg;
          m.sigmaDeg[i] = sizeDeg / 3;
          m.spontaneousHz[i] = type.spontaneousHz;
          const dom = jittered(type.dominant);
          if (type.subunits === 1) {
            setSubunit(m.dominant, i, x, y, type.polarity === 'ON' ? 1 : -1, dom);
            continue;
          }
          const nonDom = jittered(type.nonDominant!);
          const sep = jitter(type.sfSepDeg!);
          const tuning = 360 * rng.float();
          const c = LGN_TWO_SUBUNIT[type.id];
          const on = alignKernelLatency(nonDom, c.onLatencyMs);
          const off = alignKernelLatency(dom, c.offLatencyMs);
          const ampOn = 1;
          const ampOff =
            -c.offScale * (c.maxOffHz / c.maxOnHz) * (on.lobeSum / off.lobeSum) * ampOn -
            (c.spontaneousHz * (c.maxOffHz - c.maxOnHz)) / (c.maxOnHz * off.lobeSum);
          const rad = (tuning * Math.PI) / 180;
          m.tuningDeg[i] = tuning;
          m.sfSepDeg[i] = sep;
          setSubunit(m.dominant, i, x, y, ampOff, off.params);
          setSubunit(m.nonDominant, i, x + sep * Math.cos(rad), y + sep * Math.sin(rad), ampOn, on.params);
        }
  });
  return m;
}

/** triangular(a, a + 1, b) by inverse CDF (the size rule of the one-subunit types). */
function triangular(rng: Rng, a: number, b: number): number {
  const c = a + 1;
  const u = rng.float();
  const f = (c - a) / (b - a);
  return u < f ? a + Math.sqrt(u * (b - a) * (c - a)) : b - Math.sqrt((1 - u) * (b - a) * (b - c));
}

/** A unit as a plain object (for inspection and tests). */
export interface LgnUnitDescription {
  index: number;
  type: string;
  polarity: LgnPolarity;
  timing: LgnTiming;
  xDeg: number;
  yDeg: number;
  sizeDeg: number;
  spontaneousHz: number;
  tuningDeg: number | null;
  sfSepDeg: number | null;
  subunits: { xDeg: number; yDeg: number; amplitude: number; kernel: CosineBumpParams }[];
}

function subunitParams(a: LgnSubunitArrays, i: number): CosineBumpParams {
  return {
    weights: [a.weight0[i], a.weight1[i]],
    kpeaksMs: [a.kpeak0Ms[i], a.kpeak1Ms[i]],
    delaysMs: [a.delay0Ms[i], a.delay1Ms[i]],
  };
}

export function describeLgnUnit(m: LgnModel, i: number): LgnUnitDescription {
  if (!(Number.isInteger(i) && i >= 0 && i < m.size))
    throw new ConfigError('unit', `expected an integer in [0, ${m.size}), found ${i}`);
  const type = m.types[m.typeIndex[i]];
  const subs = type.subunits === 2 ? [m.dominant, m.nonDominant] : [m.dominant];
  return {
    index: i,
    type: type.id,
    polarity: type.polarity,
    timing: type.timing,
    xDeg: m.xDeg[i],
    yDeg: m.yDeg[i],
    sizeDeg: m.sizeDeg[i],
    spontaneousHz: m.spontaneousHz[i],
    tuningDeg: Number.isNaN(m.tuningDeg[i]) ? null : m.tuningDeg[i],
    sfSepDeg: Number.isNaN(m.sfSepDeg[i]) ? null : m.sfSepDeg[i],
    subunits: subs.map((a) => ({
      xDeg: a.xDeg[i],
      yDeg: a.yDeg[i],
      amplitude: a.amplitude[i],
      kernel: subunitParams(a, i),
    })),
  };
}

/** The unit's temporal kernel(s), dominant first, without the amplitude (1-ms samples). */
export function lgnUnitKernels(m: LgnModel, i: number): Float64Array[] {
  return describeLgnUnit(m, i).subunits.map((s) => cosineBumpKernel(s.kernel));
}

// ------------------------------------------------------------------------------------------------ stimuli

/** A grayscale image: contrast in [-1, 1] (0: the mean gray), row-major, row 0 at the top. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

/** Where an image lies on the visual field (deg); default: centred, as high as the field, its aspect kept. */
export interface ImagePlacement {
  centerXDeg?: number;
  centerYDeg?: number;
  widthDeg?: number;
  heightDeg?: number;
}

export type LgnSegment =
  | { kind: 'gray'; durationMs: number }
  | { kind: 'image'; durationMs: number; image: GrayImage; placement: ImagePlacement }
  | {
      kind: 'grating';
      durationMs: number;
      /** FilterNet's GratingMovie conventions: value = contrast sin(2 pi (sf (x cos a + y sin a) + tf t) + p),
       * a = (180 - orientation) deg, p = (180 - phase) deg, t from the segment's start. */
      orientationDeg: number;
      sfCpd: number;
      tfHz: number;
      contrast: number;
      phaseDeg: number;
    };

/** A stimulus: segments shown one after another (each boundary rounded to the nearest ms). */
export interface LgnStimulus {
  segments: LgnSegment[];
}

function duration(where: string, ms: number): number {
  if (!(Number.isFinite(ms) && ms > 0))
    throw new ConfigError(where, `expected a positive duration in ms, found ${ms}`);
  return ms;
}

/** A gray screen (contrast 0 everywhere). */
export function grayScreen(durationMs: number): LgnStimulus {
  return { segments: [{ kind: 'gray', durationMs: duration('grayScreen.durationMs', durationMs) }] };
}

export interface GratingOptions {
  orientationDeg: number;
  /** Spatial frequency (cycles/deg). */
  sfCpd: number;
  /** Temporal frequency (Hz). */
  tfHz: number;
  /** Peak contrast in (0, 1] (default 1). */
  contrast?: number;
  phaseDeg?: number;
  durationMs: number;
}

/** A full-field drifting sinusoidal grating. */
export function driftingGrating(o: GratingOptions): LgnStimulus {
  const contrast = o.contrast ?? 1;
  if (!(contrast > 0 && contrast <= 1))
    throw new ConfigError('grating.contrast', `expected a contrast in (0, 1], found ${contrast}`);
  if (!(Number.isFinite(o.sfCpd) && o.sfCpd >= 0))
    throw new ConfigError('grating.sfCpd', `expected a spatial frequency >= 0, found ${o.sfCpd}`);
  if (!(Number.isFinite(o.tfHz) && o.tfHz >= 0))
    throw new ConfigError('grating.tfHz', `expected a temporal frequency >= 0, found ${o.tfHz}`);
  if (!Number.isFinite(o.orientationDeg))
    throw new ConfigError('grating.orientationDeg', `expected an angle, found ${o.orientationDeg}`);
  return {
    segments: [
      {
        kind: 'grating',
        durationMs: duration('grating.durationMs', o.durationMs),
        orientationDeg: o.orientationDeg,
        sfCpd: o.sfCpd,
        tfHz: o.tfHz,
        contrast,
        phaseDeg: o.phaseDeg ?? 0,
      },
    ],
  };
}

function checkImage(where: string, image: GrayImage): GrayImage {
  if (!(
    Number.isInteger(image.width) &&
    image.width > 0 &&
    Number.isInteger(image.height) &&
    image.height > 0
  ))
    throw new ConfigError(
      where,
      `expected a positive width and height, found ${image.width} x ${image.height}`,
    );
  if (image.pixels.length !== image.width * image.height)
    throw new ConfigError(
      where,
      `expected ${image.width * image.height} pixels, found ${image.pixels.length}`,
    );
  return image;
}

/** A still image shown for `durationMs`, gray around it. */
export function stillImage(
  image: GrayImage,
  durationMs: number,
  placement: ImagePlacement = {},
): LgnStimulus {
  return {
    segments: [
      {
        kind: 'image',
        durationMs: duration('stillImage.durationMs', durationMs),
        image: checkImage('stillImage.image', image),
        placement,
      },
    ],
  };
}

/** A movie: frames at `frameRateHz`, each held 1000 / frameRateHz ms. */
export function movieStimulus(
  frames: GrayImage[],
  frameRateHz: number,
  placement: ImagePlacement = {},
): LgnStimulus {
  positiveNumber('movie.frameRateHz', frameRateHz);
  if (frames.length === 0) throw new ConfigError('movie.frames', 'expected at least one frame, found none');
  return {
    segments: frames.map((image, k) => ({
      kind: 'image' as const,
      durationMs: 1000 / frameRateHz,
      image: checkImage(`movie.frames[${k}]`, image),
      placement,
    })),
  };
}

/** Stimuli shown one after another. */
export function stimulusSequence(...parts: LgnStimulus[]): LgnStimulus {
  return { segments: parts.flatMap((p) => p.segments) };
}

/**
 * A grayscale image from bytes 0-255 (contrast 2 v / 255 - 1, FilterNet's mapping of 8-bit movies); `channels` 3 is
 * planar RGB (as the datasets store it), reduced to luma 0.299 R + 0.587 G + 0.114 B.
 */
export function grayImageFromBytes(
  bytes: Uint8Array,
  width: number,
  height: number,
  channels = 1,
): GrayImage {
  const n = width * height;
  if (channels !== 1 && channels !== 3)
    throw new ConfigError('channels', `expected 1 or 3, found ${channels}`);
  if (bytes.length !== n * channels)
    throw new ConfigError(
      'image',
      `expected ${n * channels} bytes (${channels} x ${height} x ${width}), found ${bytes.length}`,
    );
  const pixels = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const v = channels === 1 ? bytes[p] : 0.299 * bytes[p] + 0.587 * bytes[n + p] + 0.114 * bytes[2 * n + p];
    pixels[p] = (2 * v) / 255 - 1;
  }
  return { width, height, pixels };
}

/** Image `index` of a dataset split (MNIST, Fashion-MNIST; CIFAR-10 reduced to gray). */
export function datasetImage(ds: LabeledImageDataset, split: 'train' | 'test', index: number): GrayImage {
  const [c, h, w] = ds.shape;
  const s = ds[split];
  if (!(Number.isInteger(index) && index >= 0 && index < s.count))
    throw new ConfigError(
      `${ds.name}.${split}`,
      `expected an image index in [0, ${s.count}), found ${index}`,
    );
  const n = c * h * w;
  return grayImageFromBytes(s.images.subarray(index * n, (index + 1) * n), w, h, c);
}

// ------------------------------------------------------------------------------------------------ rates

export interface LgnRateOptions {
  /** Rate bin (whole ms, default 1: the kernel's own grid); a bin's rate is the mean of its 1-ms rates. */
  binMs?: number;
  /** Screen pixel pitch (deg, default 1, as FilterNet's 240 x 120 movies). */
  pixelDeg?: number;
  /** Refuse when the rate array would exceed this many bytes (default: free memory). */
  memoryLimitBytes?: number;
}

export interface LgnRates {
  size: number;
  binMs: number;
  bins: number;
  durationMs: number;
  /** Hz, bin-major: `hz[b * size + i]` is unit i's rate over [b binMs, (b + 1) binMs). */
  hz: Float32Array;
  /** The units' gray-screen rates (Hz). */
  spontaneousHz: Float32Array;
}

/** Unit i's rate in every bin. */
export function unitRates(r: LgnRates, i: number): Float32Array {
  const out = new Float32Array(r.bins);
  for (let b = 0; b < r.bins; b++) out[b] = r.hz[b * r.size + i];
  return out;
}

/** The screen: ny x nx pixels of `pixelDeg`, pixel centres at (c + 0.5) pixelDeg, (r + 0.5) pixelDeg. */
interface Screen {
  nx: number;
  ny: number;
  pixelDeg: number;
}

/**
 * A subunit's Gaussian as separable normalised row and column weights over its support (4 sigma each side, cut to
 * the screen): the weights sum to 1 over the screen (FilterNet normalises its kernel), zero where none is on it.
 */
interface SpatialWeights {
  c0: Int32Array;
  r0: Int32Array;
  nc: Int32Array;
  nr: Int32Array;
  /** Offsets into `gx` / `gy`. */
  ox: Int32Array;
  oy: Int32Array;
  gx: Float64Array;
  gy: Float64Array;
}

function spatialWeights(
  a: LgnSubunitArrays,
  sigmaDeg: Float32Array,
  present: (i: number) => boolean,
  s: Screen,
) {
  const n = a.xDeg.length;
  const w: SpatialWeights = {
    c0: new Int32Array(n),
    r0: new Int32Array(n),
    nc: new Int32Array(n),
    nr: new Int32Array(n),
    ox: new Int32Array(n),
    oy: new Int32Array(n),
    gx: new Float64Array(0),
    gy: new Float64Array(0),
  };
  const gx: number[] = [];
  const gy: number[] = [];
  const axis = (centre: number, sigma: number, count: number, out: number[]): [number, number] => {
    const lo = Math.max(0, Math.ceil((centre - 4 * sigma) / s.pixelDeg - 0.5));
    const hi = Math.min(count - 1, Math.floor((centre + 4 * sigma) / s.pixelDeg - 0.5));
    if (hi < lo) return [0, 0];
    const start = out.length;
    let sum = 0;
    for (let p = lo; p <= hi; p++) {
      const d = (p + 0.5) * s.pixelDeg - centre;
      const g = Math.exp(-(d * d) / (2 * sigma * sigma));
      out.push(g);
      sum += g;
    }
    if (!(sum > 0)) {
      out.length = start;
      return [0, 0];
    }
    for (let k = start; k < out.length; k++) out[k] /= sum;
    return [lo, hi - lo + 1];
  };
  for (let i = 0; i < n; i++) {
    if (!present(i)) continue;
    w.ox[i] = gx.length;
    w.oy[i] = gy.length;
    const [c0, nc] = axis(a.xDeg[i], sigmaDeg[i], s.nx, gx);
    const [r0, nr] = axis(a.yDeg[i], sigmaDeg[i], s.ny, gy);
    // A subunit wholly off the screen sees gray.
    w.c0[i] = c0;
    w.nc[i] = nr > 0 ? nc : 0;
    w.r0[i] = r0;
    w.nr[i] = nc > 0 ? nr : 0;
  }
  w.gx = Float64Array.from(gx);
  w.gy = Float64Array.from(gy);
  return w;
}

/** One subunit's response to a static frame: sum over its support of weight x pixel. */
function projectFrame(w: SpatialWeights, i: number, frame: Float32Array, nx: number): number {
  let s = 0;
  for (let r = 0; r < w.nr[i]; r++) {
    let row = 0;
    const base = (w.r0[i] + r) * nx + w.c0[i];
    for (let c = 0; c < w.nc[i]; c++) row += w.gx[w.ox[i] + c] * frame[base + c];
    s += w.gy[w.oy[i] + r] * row;
  }
  return s;
}

/** One subunit's response to exp(i k.p) over the screen, separable: (sum_c gx e^{i kx x_c}) (sum_r gy e^{i ky y_r}). */
function projectWave(
  w: SpatialWeights,
  i: number,
  kx: number,
  ky: number,
  pixelDeg: number,
): [number, number] {
  if (w.nc[i] === 0) return [0, 0];
  let ar = 0;
  let ai = 0;
  for (let c = 0; c < w.nc[i]; c++) {
    const ph = kx * (w.c0[i] + c + 0.5) * pixelDeg;
    ar += w.gx[w.ox[i] + c] * Math.cos(ph);
    ai += w.gx[w.ox[i] + c] * Math.sin(ph);
  }
  let br = 0;
  let bi = 0;
  for (let r = 0; r < w.nr[i]; r++) {
    const ph = ky * (w.r0[i] + r + 0.5) * pixelDeg;
    br += w.gy[w.oy[i] + r] * Math.cos(ph);
    bi += w.gy[w.oy[i] + r] * Math.sin(ph);
  }
  return [ar * br - ai * bi, ar * bi + ai * br];
}

/** An image drawn onto the screen (nearest image pixel per screen pixel; gray outside the image). */
function renderImage(image: GrayImage, placement: ImagePlacement, m: LgnModel, s: Screen): Float32Array {
  const heightDeg = placement.heightDeg ?? m.fieldHeightDeg;
  const widthDeg = placement.widthDeg ?? (heightDeg * image.width) / image.height;
  positiveNumber('placement.heightDeg', heightDeg);
  positiveNumber('placement.widthDeg', widthDeg);
  const left = (placement.centerXDeg ?? m.fieldWidthDeg / 2) - widthDeg / 2;
  const top = (placement.centerYDeg ?? m.fieldHeightDeg / 2) - heightDeg / 2;
  const frame = new Float32Array(s.nx * s.ny);
  for (let r = 0; r < s.ny; r++) {
    const v = Math.floor((((r + 0.5) * s.pixelDeg - top) / heightDeg) * image.height);
    if (v < 0 || v >= image.height) continue;
    for (let c = 0; c < s.nx; c++) {
      const u = Math.floor((((c + 0.5) * s.pixelDeg - left) / widthDeg) * image.width);
      if (u >= 0 && u < image.width) frame[r * s.nx + c] = image.pixels[v * image.width + u];
    }
  }
  return frame;
}

/**
 * Each unit's rate (Hz) per time bin for a stimulus: per subunit, the spatial filter applied to each segment (a static
 * frame's weighted sum over the Gaussian's support; for a grating, one complex number from the separable Gaussian),
 * the temporal convolution L(t) = sum_j K(j) S(t - j) on the 1-ms grid (input before t = 0 is gray, as FilterNet's
 * zero-padding), evaluated per segment from the kernel's running sums (for a grating, of K(j) e^{-i w j}), then the
 * transfer: max(0, a L + spont) for one subunit, max(0, a_off L_off + spont / 2) + max(0, L_on + spont / 2) for two.
 * Cost: spatial, units x sum over image segments of the support size (about (8 sigma / pixelDeg)^2); temporal, units x
 * sum over segments of (segment length + kernel length) in ms; no per-pixel work in the temporal loop.
 */
export function lgnRates(m: LgnModel, stimulus: LgnStimulus, opts: LgnRateOptions = {}): LgnRates {
  const binMs = positiveInteger('binMs', opts.binMs ?? 1);
  const pixelDeg = positiveNumber('pixelDeg', opts.pixelDeg ?? 1);
  if (stimulus.segments.length === 0)
    throw new ConfigError('stimulus.segments', 'expected at least one, found none');
  const screen: Screen = {
    nx: Math.max(1, Math.round(m.fieldWidthDeg / pixelDeg)),
    ny: Math.max(1, Math.round(m.fieldHeightDeg / pixelDeg)),
    pixelDeg,
  };
  // Segment boundaries on the 1-ms grid.
  const bounds = [0];
  let t = 0;
  stimulus.segments.forEach((seg, k) => {
    t += duration(`stimulus.segments[${k}].durationMs`, seg.durationMs);
    bounds.push(Math.round(t));
  });
  const T = bounds[bounds.length - 1];
  if (T < 1) throw new ConfigError('stimulus', `expected at least 1 ms in all, found ${t} ms`);
  const bins = Math.ceil(T / binMs);
  const bytes = bins * m.size * 4;
  const limit = opts.memoryLimitBytes ?? freemem();
  if (bytes > limit)
    throw new NeuroplastError(
      `LGN rates: ${m.size} units x ${bins} bins need ${(bytes / 1e9).toFixed(2)} GB, over the limit of ${(limit / 1e9).toFixed(2)} GB (use a larger binMs or a shorter stimulus)`,
    );
  const frames = stimulus.segments.map((seg) =>
    seg.kind === 'image' ? renderImage(seg.image, seg.placement, m, screen) : null,
  );
  const two = (i: number) => m.types[m.typeIndex[i]].subunits === 2;
  const weights = [
    spatialWeights(m.dominant, m.sigmaDeg, () => true, screen),
    spatialWeights(m.nonDominant, m.sigmaDeg, two, screen),
  ];
  const hz = new Float32Array(bins * m.size);
  const lin = [new Float64Array(T), new Float64Array(T)];
  const phasors = new Map<number, { cos: Float64Array; sin: Float64Array }>();
  for (let i = 0; i < m.size; i++) {
    const nSub = two(i) ? 2 : 1;
    for (let sub = 0; sub < nSub; sub++) {
      const a = sub === 0 ? m.dominant : m.nonDominant;
      const kernel = cosineBumpKernel(subunitParams(a, i));
      linearResponse(lin[sub], kernel, stimulus.segments, bounds, frames, weights[sub], i, screen, phasors);
    }
    const spont = m.spontaneousHz[i];
    const ampDom = m.dominant.amplitude[i];
    for (let b = 0; b < bins; b++) {
      const end = Math.min(T, (b + 1) * binMs);
      let sum = 0;
      for (let ms = b * binMs; ms < end; ms++)
        sum +=
          nSub === 1
            ? Math.max(0, ampDom * lin[0][ms] + spont)
            : Math.max(0, ampDom * lin[0][ms] + spont / 2) +
              Math.max(0, m.nonDominant.amplitude[i] * lin[1][ms] + spont / 2);
      hz[b * m.size + i] = sum / (end - b * binMs);
    }
  }
  return { size: m.size, binMs, bins, durationMs: T, hz, spontaneousHz: Float32Array.from(m.spontaneousHz) };
}

/** L(t) = sum_j K(j) S(t - j), t = 0 .. T-1, for one subunit of unit i, written into `out`. */
function linearResponse(
  out: Float64Array,
  kernel: Float64Array,
  segments: LgnSegment[],
  bounds: number[],
  frames: (Float32Array | null)[],
  w: SpatialWeights,
  i: number,
  screen: Screen,
  phasors: Map<number, { cos: Float64Array; sin: Float64Array }>,
): void {
  const T = out.length;
  const J = kernel.length;
  out.fill(0);
  // cum[n] = sum_{j <= n} K(j); the segment [t0, t1) adds s (cum(t - t0) - cum(t - t1)).
  const cum = new Float64Array(J);
  let acc = 0;
  for (let j = 0; j < J; j++) cum[j] = acc += kernel[j];
  const C = (n: number) => (n < 0 ? 0 : cum[n < J ? n : J - 1]);
  segments.forEach((seg, k) => {
    const t0 = bounds[k];
    const t1 = bounds[k + 1];
    const end = Math.min(T, t1 + J - 1);
    if (seg.kind === 'gray' || t1 <= t0) return;
    if (seg.kind === 'image') {
      const s = projectFrame(w, i, frames[k]!, screen.nx);
      if (s === 0) return;
      for (let t = t0; t < end; t++) out[t] += s * (C(t - t0) - C(t - t1));
      return;
    }
    // Grating: S(tau) = c Im(A e^{i (w (tau - t0) + p)}), so L(t) = c Im(A e^{i (w (t - t0) + p)} (E(t - t0) - E(t - t1)))
    // with E(n) = sum_{j <= n} K(j) e^{-i w j}.
    const theta = (Math.PI * (180 - seg.orientationDeg)) / 180;
    const kx = 2 * Math.PI * seg.sfCpd * Math.cos(theta);
    const ky = 2 * Math.PI * seg.sfCpd * Math.sin(theta);
    const [ar, ai] = projectWave(w, i, kx, ky, screen.pixelDeg);
    if (ar === 0 && ai === 0) return;
    const omega = (2 * Math.PI * seg.tfHz) / 1000;
    const key = omega;
    let ph = phasors.get(key);
    if (!ph || ph.cos.length < Math.max(J, T)) {
      const n = Math.max(J, T, ph?.cos.length ?? 0);
      ph = { cos: new Float64Array(n), sin: new Float64Array(n) };
      for (let j = 0; j < n; j++) {
        ph.cos[j] = Math.cos(omega * j);
        ph.sin[j] = Math.sin(omega * j);
      }
      phasors.set(key, ph);
    }
    const er = new Float64Array(J);
    const ei = new Float64Array(J);
    let sr = 0;
    let si = 0;
    for (let j = 0; j < J; j++) {
      er[j] = sr += kernel[j] * ph.cos[j];
      ei[j] = si -= kernel[j] * ph.sin[j];
    }
    const p = (Math.PI * (180 - seg.phaseDeg)) / 180;
    const cp = Math.cos(p);
    const sp = Math.sin(p);
    for (let t = t0; t < end; t++) {
      const n0 = Math.min(t - t0, J - 1);
      const n1 = Math.min(t - t1, J - 1);
      const dr = er[n0] - (n1 < 0 ? 0 : er[n1]);
      const di = ei[n0] - (n1 < 0 ? 0 : ei[n1]);
      // z = e^{i (w (t - t0) + p)}
      const zr = ph.cos[t - t0] * cp - ph.sin[t - t0] * sp;
      const zi = ph.sin[t - t0] * cp + ph.cos[t - t0] * sp;
      const azr = ar * zr - ai * zi;
      const azi = ar * zi + ai * zr;
      out[t] += seg.contrast * (azr * di + azi * dr);
    }
  });
}

// ------------------------------------------------------------------------------------------------ spikes

/**
 * Poisson spikes over LGN rates, stepped at a network's dt. Each unit spikes when its integrated rate, sum of
 * rate x dt, reaches the next point of a unit-rate Poisson process (exponential gaps from the seeded Rng): an
 * inhomogeneous Poisson process by time rescaling, one random draw per spike instead of one per unit per step. At
 * most one spike per unit per step; a second one in the same step comes a step later. Past the rates' end the units
 * fire at their spontaneous (gray-screen) rates; `setRates` continues with the next stimulus' rates.
 */
export class LgnPoissonSource implements SpikeSource {
  readonly kind = 'lgn-poisson';
  readonly size: number;
  spikes: Int32Array = new Int32Array(0);
  private rates: LgnRates;
  private readonly spikeBuf: Int32Array;
  private readonly integrated: Float64Array;
  private readonly next: Float64Array;
  private readonly rng: Rng;
  private stepIndex = 0;

  constructor(
    readonly name: string,
    rates: LgnRates,
    readonly dtMs: number,
    seed: number,
  ) {
    positiveNumber(`${name}.dtMs`, dtMs);
    this.size = rates.size;
    this.rates = this.checked(rates);
    this.spikeBuf = new Int32Array(this.size);
    this.integrated = new Float64Array(this.size);
    this.next = new Float64Array(this.size);
    this.rng = new Rng(seed, 31);
    for (let i = 0; i < this.size; i++) this.next[i] = this.gap();
  }

  private checked(r: LgnRates): LgnRates {
    if (r.size !== this.size)
      throw new ConfigError(`${this.name}.rates`, `expected ${this.size} units, found ${r.size}`);
    let max = 0;
    for (const v of r.hz) if (v > max) max = v;
    for (const v of r.spontaneousHz) if (v > max) max = v;
    if ((max * this.dtMs) / 1000 > 1)
      throw new ConfigError(`${this.name}.rates`, `rate x dt = ${(max * this.dtMs) / 1000} > 1: lower dt`);
    return r;
  }

  private gap(): number {
    return -Math.log(1 - this.rng.float());
  }

  /** Continues with new rates from the next step (their time 0). */
  setRates(rates: LgnRates): void {
    this.rates = this.checked(rates);
    this.stepIndex = 0;
  }

  step(): void {
    const r = this.rates;
    const b = Math.floor((this.stepIndex * this.dtMs) / r.binMs + 1e-9);
    this.stepIndex++;
    const row = b < r.bins ? r.hz.subarray(b * r.size, (b + 1) * r.size) : r.spontaneousHz;
    const k = this.dtMs / 1000;
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      this.integrated[i] += row[i] * k;
      if (this.integrated[i] >= this.next[i]) {
        this.spikeBuf[count++] = i;
        this.next[i] += this.gap();
      }
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }
}

// ------------------------------------------------------------------------------------------------ LGN -> V1

/**
 * LGN synapses onto each class relative to L4 Exc, and the Yule-Simon parameter of synapses per connection, from the
 * successor model's published per-population table (AllenInstitute/biorealistic-v1-model, base_props/lgn_params.csv:
 * synapse_ratio_against_e4, yule_parameter), mapped to the 17 classes: VIP values for Htr3a, the four L4 Exc lines
 * (identical), and for L5 Exc the unweighted mean of e5IT, e5ET and e5NP.
 */
export const LGN_SYNAPSE_RATIOS: Readonly<Record<string, { ratio: number; connectionsPerSynapse: number }>> =
  (() => {
    const cps = (...yule: number[]) => yule.reduce((s, y) => s + (y - 1) / y, 0) / yule.length;
    return {
      i1Htr3a: { ratio: 0.098, connectionsPerSynapse: cps(3.7) },
      e23: { ratio: 0.63, connectionsPerSynapse: cps(4.3) },
      i23Htr3a: { ratio: 0.42, connectionsPerSynapse: cps(4.7) },
      i23Pvalb: { ratio: 0.87, connectionsPerSynapse: cps(2.4) },
      i23Sst: { ratio: 0.24, connectionsPerSynapse: cps(3.7) },
      e4: { ratio: 1.0, connectionsPerSynapse: cps(3.5) },
      i4Htr3a: { ratio: 0.79, connectionsPerSynapse: cps(4.7) },
      i4Pvalb: { ratio: 2.76, connectionsPerSynapse: cps(2.4) },
      i4Sst: { ratio: 0.92, connectionsPerSynapse: cps(3.7) },
      e5: { ratio: (0.35 + 0.5 + 0.053) / 3, connectionsPerSynapse: cps(5.6, 4.6, 7.6) },
      i5Htr3a: { ratio: 0.27, connectionsPerSynapse: cps(4.7) },
      i5Pvalb: { ratio: 1.49, connectionsPerSynapse: cps(2.4) },
      i5Sst: { ratio: 0.46, connectionsPerSynapse: cps(3.7) },
      e6: { ratio: 0.11, connectionsPerSynapse: cps(4.3) },
      i6Htr3a: { ratio: 0.018, connectionsPerSynapse: cps(4.7) },
      i6Pvalb: { ratio: 0.22, connectionsPerSynapse: cps(2.4) },
      i6Sst: { ratio: 0.072, connectionsPerSynapse: cps(3.7) },
    };
  })();

/** Our placeholder for the LGN connections of one L4 Exc neuron (no public table gives Billeh's number). */
export const LGN_L4_EXC_INPUTS = 30;

export interface LgnTargetOptions {
  /** LGN connections per L4 Exc neuron (default LGN_L4_EXC_INPUTS, our placeholder); the other classes scale. */
  l4ExcInputsPerNeuron?: number;
  /** Base weight of one LGN connection (pA); default: the tables' mean L4 Exc -> L4 Exc base weight (a placeholder). */
  baseWeightPa?: number;
  /** Replace the synapse ratio against L4 Exc of some classes (by class key); 0 cuts a class off. */
  synapseRatios?: Partial<Record<string, number>>;
}

/** What one V1 class receives from the LGN: a pure description for the network builder. */
export interface LgnTarget {
  classId: number;
  key: string;
  name: string;
  receivesLgn: boolean;
  /** LGN synapses relative to an L4 Exc neuron's. */
  synapseRatio: number;
  /** LGN connections per neuron: round(l4 x ratio x cps / cps_L4Exc), cps: connections per synapse. */
  inputsPerNeuron: number;
  baseWeightPa: number;
  /** `table` (the successor's ratio) or `override`; the L4 Exc count and the weight are always placeholders. */
  basis: 'table' | 'override';
}

/**
 * Per V1 class, the number of LGN inputs per neuron and a base weight: every class receives LGN input, in proportion
 * to its LGN synapse ratio against L4 Exc (LGN_SYNAPSE_RATIOS) and its connections per synapse; the L4 Exc count and
 * the weight are our placeholders (see docs/cortex.md).
 */
export function lgnTargets(tables: V1Tables, opts: LgnTargetOptions = {}): LgnTarget[] {
  const l4 = opts.l4ExcInputsPerNeuron ?? LGN_L4_EXC_INPUTS;
  if (!(Number.isFinite(l4) && l4 >= 0))
    throw new ConfigError('l4ExcInputsPerNeuron', `expected a count >= 0, found ${l4}`);
  const e4 = tables.classes.find((c) => c.key === 'e4');
  if (!e4) throw new NeuroplastError(`v1 tables: no class e4 (L4 Exc), which the LGN mapping is relative to`);
  const baseWeightPa =
    opts.baseWeightPa ?? tables.synapses[e4.id * tables.classes.length + e4.id].weightMeanPa;
  if (!(Number.isFinite(baseWeightPa) && baseWeightPa >= 0))
    throw new ConfigError('baseWeightPa', `expected a weight >= 0, found ${baseWeightPa}`);
  for (const [key, v] of Object.entries(opts.synapseRatios ?? {})) {
    if (!tables.classes.some((c) => c.key === key))
      throw new ConfigError(
        `synapseRatios.${key}`,
        `expected a class key (${tables.classes.map((c) => c.key).join(', ')})`,
      );
    if (!(v !== undefined && Number.isFinite(v) && v >= 0))
      throw new ConfigError(`synapseRatios.${key}`, `expected a ratio >= 0, found ${v}`);
  }
  const ref = LGN_SYNAPSE_RATIOS.e4.connectionsPerSynapse;
  return tables.classes.map((c) => {
    const row = LGN_SYNAPSE_RATIOS[c.key];
    if (!row) throw new NeuroplastError(`LGN mapping: no synapse ratio for class ${c.key} (${c.name})`);
    const override = opts.synapseRatios?.[c.key];
    const synapseRatio = override ?? row.ratio;
    const inputsPerNeuron = Math.round((l4 * synapseRatio * row.connectionsPerSynapse) / ref);
    return {
      classId: c.id,
      key: c.key,
      name: c.name,
      receivesLgn: inputsPerNeuron > 0,
      synapseRatio,
      inputsPerNeuron,
      baseWeightPa,
      basis: override === undefined ? 'table' : 'override',
    };
  });
}
