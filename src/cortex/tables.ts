import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataFormatError, NeuroplastError } from '../util/errors.js';
import { exists } from '../util/fsx.js';
import { readFileWithin } from '../util/files.js';
import { DATA_FILE_BYTES } from '../util/budget.js';
import { PACKAGE_ROOT } from '../version.js';
import { dataEnvFromProcess } from '../data/index.js';

/**
 * The published mouse-V1 tables the cortex model is built from (Billeh et al. 2020 classes, the Allen successor
 * model's connection and GLIF3 tables, Neuropixels rate targets), with the SHA-256 each must have. `../shared/v1`'s
 * MANIFEST.md gives origin, licence and caveats of each.
 */
export const V1_FILES = {
  classes: {
    path: 'derived/classes.csv',
    sha256: 'e1fc8eb28c41982a2d9fb921a17b8244d048eb30e833f164b02b906f2618f961',
  },
  connections: {
    path: 'derived/connection_17x17.csv',
    sha256: 'b309eadb583cdd1acbbf46df6c4036eb795f63dcdc0e9dc9e257fd06be3103a1',
  },
  weights: {
    path: 'derived/syn_weights_17x17.csv',
    sha256: 'c14ce6a3ac12b3bdf5a8940f95268ffbff39913e83a8753ba6c6f579d1b7df99',
  },
  glif: {
    path: 'derived/glif_params_by_class.csv',
    sha256: '89b0fa10634c3cd8085b0294196693a1049d779f52010c879152fb5f0a51b969',
  },
  synapticTimes: {
    path: 'derived/glif_tau_syn_by_class.csv',
    sha256: 'd30a5228162bfd0e29b1674e6b9e7e1a84a6b617eaa576bfd616441545ae763f',
  },
  rates: {
    path: 'derived/rates_by_class.csv',
    sha256: '354af6449feadc9749498482fcde4a0cd69111cc52ee0a23b68cff2d3763cb12',
  },
} as const;

export type V1FileName = keyof typeof V1_FILES;

/** One of the 17 cell classes (L1 Htr3a; L2/3, L4, L5, L6 x Exc, Pvalb, Sst, Htr3a). */
export interface V1Class {
  id: number;
  /** Short key, e.g. `e23`, `i4Pvalb`. */
  key: string;
  /** e.g. `L2/3 Exc`. */
  name: string;
  layer: string;
  ei: 'E' | 'I';
  family: string;
  /** Count in the 51,978-neuron core. */
  nCore: number;
}

/** Billeh's connection rule for one class pair (pre, post): P(r) = pPeak exp(-(r/sigma)^2) x orientation term. */
export interface V1ConnectionRule {
  pre: number;
  post: number;
  /** Mean connection probability within r0Um (the literature value the rule is normalised to). */
  aLiterature: number;
  sigmaUm: number;
  r0Um: number;
  /** Like-to-orthogonal probability ratio of the orientation term; null where the pair has none. */
  bRatio: number | null;
  /** Synapses per connected pair: uniform integer in [nsynMin, nsynMax) (numpy randint). */
  nsynMin: number;
  nsynMax: number;
  /** The r = 0 probability of Billeh's normalisation of aLiterature. */
  pPeak: number;
}

/** Billeh's point-model base weight and delay for one class pair (weights in pA; negative: inhibitory). */
export interface V1SynapseTable {
  pre: number;
  post: number;
  /** Edge types with a non-zero weight: 0 means the pair is not connected in Billeh's model. */
  nNonzero: number;
  weightMeanPa: number;
  weightMedianPa: number;
  delayMeanMs: number;
  delayMedianMs: number;
  /** Width of the orientation dependence of the weight (deg), from Billeh's direction rules. */
  weightSigmaDeg: number | null;
}

/** Class-mean GLIF3 parameters (the successor model's Allen Cell Types fits). */
export interface V1GlifParameters {
  classId: number;
  nConfigs: number;
  vThreshMv: number;
  eLeakMv: number;
  vResetMv: number;
  cmPf: number;
  gLeakNs: number;
  refractoryMs: number;
  ascAmpsPa: [number, number];
  ascDecayPerMs: [number, number];
}

/** Double-alpha synaptic time constants of one class for one presynaptic source family. */
export interface V1SynapticTime {
  classId: number;
  /** `exc` (external excitatory input), e23, e4, e5it, e5et, e5np, e6, pv, sst, vip. */
  source: string;
  tauSynMs: number;
  tauSynSlowMs: number;
  ampSlow: number;
}

/** A Neuropixels rate distribution summary (Hz). */
export interface RateSummary {
  mean: number;
  median: number;
  p10: number;
  p90: number;
}

/** Per-class Neuropixels targets: spontaneous (gray screen) and drifting-grating rates, OSI and DSI medians. */
export interface V1RateTarget {
  classId: number;
  nUnits: number;
  spontaneous: RateSummary;
  gratings: RateSummary;
  osiMedian: number | null;
  dsiMedian: number | null;
}

export interface V1Tables {
  /** The folder read, and where it was found. */
  dir: string;
  source: string;
  classes: V1Class[];
  /** Indexed [pre * 17 + post]. */
  connections: V1ConnectionRule[];
  synapses: V1SynapseTable[];
  glif: V1GlifParameters[];
  synapticTimes: V1SynapticTime[];
  rates: V1RateTarget[];
}

export const V1_CLASS_COUNT = 17;

/** Where the tables are looked for, in this order. */
export function v1Candidates(env: NodeJS.ProcessEnv = process.env): { dir: string; label: string }[] {
  // $NEUROPLAST_DATA and the cache as the dataset registry resolves them.
  const data = dataEnvFromProcess(env);
  return [
    ...(env.NEUROPLAST_SHARED
      ? [{ dir: join(env.NEUROPLAST_SHARED, 'v1'), label: '$NEUROPLAST_SHARED' }]
      : []),
    { dir: resolve(PACKAGE_ROOT, '..', 'shared', 'v1'), label: '../shared beside the package' },
    ...(data.dataDir ? [{ dir: join(data.dataDir, 'v1'), label: '$NEUROPLAST_DATA' }] : []),
    { dir: join(data.cacheDir, 'v1'), label: 'cache' },
  ];
}

/** The first candidate folder that holds the derived tables, or null. */
export async function locateV1(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ dir: string; label: string } | null> {
  for (const c of v1Candidates(env)) if (await exists(join(c.dir, V1_FILES.classes.path))) return c;
  return null;
}

export interface LoadV1Options {
  /** A folder of tables to read instead of searching the usual places. */
  dir?: string;
  /**
   * Check each file's SHA-256 against the pinned one (default true). Off for tables a user has changed on purpose;
   * their contents are still checked.
   */
  verifyChecksums?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Reads, checks and types the V1 tables. Every problem is a one-line error naming the file, the entry and the value. */
export async function loadV1Tables(opts: LoadV1Options = {}): Promise<V1Tables> {
  const env = opts.env ?? process.env;
  let found: { dir: string; label: string } | null = opts.dir ? { dir: opts.dir, label: 'given' } : null;
  if (!found) found = await locateV1(env);
  if (!found)
    throw new NeuroplastError(
      `v1 tables: ${V1_FILES.classes.path} not found in ${v1Candidates(env)
        .map((c) => c.dir)
        .join(', ')}; the derived tables are not downloadable (see docs/cortex.md for how to rebuild them)`,
    );
  const verify = opts.verifyChecksums ?? true;
  const rows = async (name: V1FileName) => {
    const { path, sha256 } = V1_FILES[name];
    return csvRows(join(found.dir, path), await readV1File(found.dir, path, verify ? sha256 : null));
  };
  const classes = readClasses(await rows('classes'));
  const connections = readConnections(await rows('connections'));
  const synapses = readSynapses(await rows('weights'), classes);
  const glif = readGlif(await rows('glif'));
  const synapticTimes = readSynapticTimes(await rows('synapticTimes'));
  const rates = readRates(await rows('rates'));
  return {
    dir: found.dir,
    source: `${found.dir} (${found.label})`,
    classes,
    connections,
    synapses,
    glif,
    synapticTimes,
    rates,
  };
}

/**
 * The bytes of `relPath` in the tables folder `dir`, refused when absent, over the data-file budget, or (with
 * `sha256`) when its SHA-256 differs from the pinned one.
 */
export async function readV1File(dir: string, relPath: string, sha256: string | null): Promise<Buffer> {
  const file = join(dir, relPath);
  if (!(await exists(file)))
    throw new NeuroplastError(`${file}: not found (the V1 tables in ${dir} are incomplete)`);
  const bytes = await readFileWithin(file, 'V1 table', DATA_FILE_BYTES);
  if (sha256 !== null) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha256)
      throw new DataFormatError(
        file,
        `SHA-256 ${got} does not match the pinned ${sha256} (a changed or damaged table; pass verifyChecksums: false for tables changed on purpose)`,
      );
  }
  return bytes;
}

/** A CSV file's records (header row as keys) with typed accessors. */
export function csvRows(file: string, bytes: Buffer): CsvRows {
  return new CsvRows(file, bytes.toString('utf8'));
}

/** A CSV file's records with typed accessors whose errors name file, line, field, expected and found. */
export class CsvRows {
  readonly records: Record<string, string>[];
  constructor(
    readonly file: string,
    text: string,
  ) {
    try {
      this.records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    } catch (err) {
      throw new DataFormatError(file, `not valid CSV (${(err as Error).message})`);
    }
  }

  /** `file: line L, field F` (line numbers count the header as line 1). */
  where(index: number, field: string): string {
    return `${this.file}: line ${index + 2}, ${field}`;
  }

  string(index: number, field: string): string {
    const v = this.records[index][field];
    if (v === undefined)
      throw new NeuroplastError(`${this.where(index, field)}: expected a column ${field}, found none`);
    return v;
  }

  number(
    index: number,
    field: string,
    ok: (v: number) => boolean = () => true,
    expected = 'a number',
  ): number {
    const raw = this.string(index, field);
    const v = raw.trim() === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(v) || !ok(v))
      throw new NeuroplastError(
        `${this.where(index, field)}: expected ${expected}, found ${JSON.stringify(raw)}`,
      );
    return v;
  }

  optionalNumber(index: number, field: string, ok: (v: number) => boolean, expected: string): number | null {
    return this.string(index, field).trim() === '' ? null : this.number(index, field, ok, expected);
  }

  classId(index: number, field: string): number {
    return this.number(
      index,
      field,
      (v) => Number.isInteger(v) && v >= 0 && v < V1_CLASS_COUNT,
      `a class id 0-${V1_CLASS_COUNT - 1}`,
    );
  }
}

const positive = (v: number) => v > 0;
const nonNegative = (v: number) => v >= 0;
const probability = (v: number) => v >= 0 && v <= 1;

/** One entry per class (or class pair) in order, refusing a missing or repeated one. */
function complete<T>(
  rows: CsvRows,
  items: [key: number, item: T, index: number][],
  size: number,
  what: (k: number) => string,
): T[] {
  const out: (T | undefined)[] = new Array(size);
  for (const [k, item, index] of items) {
    if (out[k] !== undefined)
      throw new NeuroplastError(`${rows.file}: line ${index + 2}: ${what(k)} appears twice`);
    out[k] = item;
  }
  const missing = out.findIndex((x) => x === undefined);
  if (missing >= 0 || out.length !== size)
    throw new NeuroplastError(`${rows.file}: ${what(missing)} is missing (expected all ${size})`);
  return out as T[];
}

const pairName = (k: number) => `class pair ${Math.floor(k / V1_CLASS_COUNT)} -> ${k % V1_CLASS_COUNT}`;

function readClasses(rows: CsvRows): V1Class[] {
  const items = rows.records.map((_, i): [number, V1Class, number] => {
    const id = rows.classId(i, 'class_id');
    const ei = rows.string(i, 'ei');
    if (ei !== 'E' && ei !== 'I')
      throw new NeuroplastError(`${rows.where(i, 'ei')}: expected E or I, found ${JSON.stringify(ei)}`);
    return [
      id,
      {
        id,
        key: rows.string(i, 'class_key'),
        name: rows.string(i, 'class_name'),
        layer: rows.string(i, 'layer'),
        ei,
        family: rows.string(i, 'family'),
        nCore: rows.number(i, 'n_core', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
      },
      i,
    ];
  });
  return complete(rows, items, V1_CLASS_COUNT, (k) => `class ${k}`);
}

function readConnections(rows: CsvRows): V1ConnectionRule[] {
  const items = rows.records.map((_, i): [number, V1ConnectionRule, number] => {
    const pre = rows.classId(i, 'pre_class_id');
    const post = rows.classId(i, 'post_class_id');
    const nsynMin = rows.number(i, 'nsyn_min', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    const rule: V1ConnectionRule = {
      pre,
      post,
      aLiterature: rows.number(i, 'A_literature', probability, 'a probability in [0, 1]'),
      sigmaUm: rows.number(i, 'sigma_um', positive, 'a positive length'),
      r0Um: rows.number(i, 'R0_um', positive, 'a positive length'),
      bRatio: rows.optionalNumber(i, 'B_ratio', positive, 'a positive ratio or nothing'),
      nsynMin,
      nsynMax: rows.number(
        i,
        'nsyn_max',
        (v) => Number.isInteger(v) && v > nsynMin,
        `an integer > nsyn_min (${nsynMin})`,
      ),
      pPeak: rows.number(i, 'p_peak_billeh_rule', probability, 'a probability in [0, 1]'),
    };
    return [pre * V1_CLASS_COUNT + post, rule, i];
  });
  return complete(rows, items, V1_CLASS_COUNT ** 2, pairName);
}

function readSynapses(rows: CsvRows, classes: V1Class[]): V1SynapseTable[] {
  const items = rows.records.map((_, i): [number, V1SynapseTable, number] => {
    const pre = rows.classId(i, 'pre_class_id');
    const post = rows.classId(i, 'post_class_id');
    const nNonzero = rows.number(i, 'n_nonzero', (v) => Number.isInteger(v) && v >= 0, 'a count');
    const connected = nNonzero > 0;
    // Dale's law: an excitatory class's weights are >= 0, an inhibitory class's <= 0.
    const excitatory = classes[pre].ei === 'E';
    const signOk = (v: number) => (excitatory ? v >= 0 : v <= 0);
    const signWord = excitatory
      ? 'a weight >= 0 (Dale: excitatory presynaptic class)'
      : 'a weight <= 0 (Dale: inhibitory presynaptic class)';
    const weight = (field: string) => (connected ? rows.number(i, field, signOk, signWord) : 0);
    const delay = (field: string) => (connected ? rows.number(i, field, nonNegative, 'a delay >= 0') : 0);
    return [
      pre * V1_CLASS_COUNT + post,
      {
        pre,
        post,
        nNonzero,
        weightMeanPa: weight('syn_weight_mean_pA'),
        weightMedianPa: weight('syn_weight_median_pA'),
        delayMeanMs: delay('delay_mean_ms'),
        delayMedianMs: delay('delay_median_ms'),
        weightSigmaDeg: rows.optionalNumber(i, 'weight_sigma_deg', positive, 'a positive angle or nothing'),
      },
      i,
    ];
  });
  return complete(rows, items, V1_CLASS_COUNT ** 2, pairName);
}

function readGlif(rows: CsvRows): V1GlifParameters[] {
  const items = rows.records.map((_, i): [number, V1GlifParameters, number] => {
    const classId = rows.classId(i, 'class_id');
    const vThreshMv = rows.number(i, 'V_th_mean_mV');
    const p: V1GlifParameters = {
      classId,
      nConfigs: rows.number(i, 'n_configs', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
      vThreshMv,
      eLeakMv: rows.number(i, 'E_L_mean_mV', (v) => v < vThreshMv, `a potential below V_th (${vThreshMv})`),
      vResetMv: rows.number(
        i,
        'V_reset_mean_mV',
        (v) => v < vThreshMv,
        `a potential below V_th (${vThreshMv})`,
      ),
      cmPf: rows.number(i, 'C_m_mean_pF', positive, 'a positive capacitance'),
      gLeakNs: rows.number(i, 'g_mean_nS', positive, 'a positive conductance'),
      refractoryMs: rows.number(i, 't_ref_mean_ms', nonNegative, 'a duration >= 0'),
      ascAmpsPa: [rows.number(i, 'asc_amps_0_mean_pA'), rows.number(i, 'asc_amps_1_mean_pA')],
      ascDecayPerMs: [
        rows.number(i, 'asc_decay_0_mean_per_ms', nonNegative, 'a rate >= 0'),
        rows.number(i, 'asc_decay_1_mean_per_ms', nonNegative, 'a rate >= 0'),
      ],
    };
    return [classId, p, i];
  });
  return complete(rows, items, V1_CLASS_COUNT, (k) => `class ${k}`);
}

function readSynapticTimes(rows: CsvRows): V1SynapticTime[] {
  const out = rows.records.map((_, i) => ({
    classId: rows.classId(i, 'class_id'),
    source: rows.string(i, 'source'),
    tauSynMs: rows.number(i, 'tau_syn_mean_ms', positive, 'a positive time constant'),
    tauSynSlowMs: rows.number(i, 'tau_syn_slow_mean_ms', positive, 'a positive time constant'),
    ampSlow: rows.number(i, 'amp_slow_mean', nonNegative, 'an amplitude >= 0'),
  }));
  for (let c = 0; c < V1_CLASS_COUNT; c++)
    for (const source of ['exc', 'pv', 'sst', 'vip'])
      if (!out.some((t) => t.classId === c && t.source === source))
        throw new NeuroplastError(`${rows.file}: class ${c} has no row for source ${source}`);
  return out;
}

function readRates(rows: CsvRows): V1RateTarget[] {
  const summary = (i: number, prefix: string): RateSummary => {
    const rate = (f: string) => rows.number(i, `${prefix}_${f}_hz`, nonNegative, 'a rate >= 0');
    const s = { mean: rate('mean'), median: rate('median'), p10: rate('p10'), p90: rate('p90') };
    if (!(s.p10 <= s.median && s.median <= s.p90))
      throw new NeuroplastError(
        `${rows.where(i, `${prefix}_median_hz`)}: expected p10 <= median <= p90, found ${s.p10}, ${s.median}, ${s.p90}`,
      );
    return s;
  };
  const items = rows.records.map((_, i): [number, V1RateTarget, number] => {
    const classId = rows.classId(i, 'class_id');
    return [
      classId,
      {
        classId,
        nUnits: rows.number(i, 'n_units', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
        spontaneous: summary(i, 'spont'),
        gratings: summary(i, 'dg'),
        osiMedian: rows.optionalNumber(i, 'osi_median', probability, 'an OSI in [0, 1] or nothing'),
        dsiMedian: rows.optionalNumber(i, 'dsi_median', probability, 'a DSI in [0, 1] or nothing'),
      },
      i,
    ];
  });
  return complete(rows, items, V1_CLASS_COUNT, (k) => `class ${k}`);
}
