import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { VERSION } from '../version.js';
import { checkBudget, modelBudget, MODEL_BYTES, type Budget } from '../util/budget.js';
import {
  ConfigError,
  DataFormatError,
  describeSystemError,
  isObject,
  NeuroplastError,
} from '../util/errors.js';
import { FileAccessError, openRegularFile, readFileWithin } from '../util/files.js';
import type { RngState } from '../util/rng.js';
import type { KindDescription } from './registries.js';

/**
 * Saved state of the parts of a spiking network (groups, rules, modulators) and the directory format that holds it
 * (`saveNetwork` / `loadNetwork` in persist.ts, `DiehlCookNetwork.save` / `load`).
 *
 * A saved directory holds `network.json`, a versioned JSON manifest, and one binary file of arrays
 * (`arrays-<16 hex>.bin`): every typed array of the state, little-endian, each at an 8-byte aligned offset and with
 * its own SHA-256 in the manifest. In the manifest a typed array is `{ "$array": index }` (an entry of
 * `arrays.entries`), and a number JSON cannot hold exactly (NaN, +-Infinity, -0) is `{ "$number": "NaN" }`.
 */

/** The typed arrays state may hold, by the names the manifest uses. */
const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
} as const;
export type ArrayType = keyof typeof DTYPES;
export type StateArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
interface ArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint32: Uint32Array;
  uint16: Uint16Array;
  uint8: Uint8Array;
}

/** A value in saved state: typed arrays, JSON scalars, lists and plain objects of them. */
export type StateValue = StateArray | number | string | boolean | null | StateValue[] | SavedState;
export interface SavedState {
  [key: string]: StateValue;
}

/** What a rule or modulator implements to be saved and loaded (a group: see `registerGroupKind` in persist.ts). */
export interface Savable {
  /** The description the kind's registry builds it from (`createPlasticityRule`, `createModulator`). */
  describe(): KindDescription;
  /** Everything that changes while it runs (traces, counters, generator state); arrays may be views. */
  saveState(): SavedState;
  /** Restores `saveState()`'s result; `where` (file and field) prefixes any error. */
  loadState(state: SavedState, where: string): void;
}

const className = (x: unknown) => (x as { constructor?: { name?: string } })?.constructor?.name || typeof x;

/** Whether `x` has the three methods of `Savable`. */
export const isSavable = (x: unknown): x is Savable =>
  x !== null &&
  typeof x === 'object' &&
  ['describe', 'saveState', 'loadState'].every(
    (m) => typeof (x as Record<string, unknown>)[m] === 'function',
  );

/** `x` as a Savable, or a ConfigError naming `what`, its class and the methods it lacks. */
export function requireSavable(x: unknown, what: string, registry: string): Savable {
  if (isSavable(x)) return x;
  const missing = ['describe', 'saveState', 'loadState'].filter(
    (m) => typeof (x as Record<string, unknown>)?.[m] !== 'function',
  );
  throw new ConfigError(
    what,
    `${className(x)} cannot be saved: it must implement describe() (a description ${registry} accepts), saveState() and loadState(state, where); missing ${missing.join(', ')}`,
  );
}

// ---- reading state back, with one-line errors naming file, field, expected and found ----

/** Field `key` of what `where` names: `where.key`, or `file: key` when `where` is a file and a colon. */
export const fieldOf = (where: string, key: string) =>
  where.endsWith(':') ? `${where} ${key}` : `${where}.${key}`;

function found(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (ArrayBuffer.isView(v)) {
    const dtype = (Object.keys(DTYPES) as ArrayType[]).find((k) => v instanceof DTYPES[k]) ?? className(v);
    return `${(v as StateArray).length} ${dtype} values`;
  }
  if (Array.isArray(v)) return `a list of ${v.length}`;
  const text = JSON.stringify(v);
  return text === undefined ? typeof v : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Field `key` of saved state: a typed array of `type` with `length` values (`of` says why that many). */
export function stateArray<T extends ArrayType>(
  state: SavedState,
  key: string,
  type: T,
  length: number | null,
  where: string,
  of = '',
): ArrayOf[T] {
  const v = state[key];
  if (!(v instanceof DTYPES[type]) || (length !== null && v.length !== length))
    throw new DataFormatError(
      fieldOf(where, key),
      `expected ${length ?? 'some'} ${type} values${of ? ` (${of})` : ''}, found ${found(v)}`,
    );
  return v as ArrayOf[T];
}

/** Field `key`: a number; `kind` narrows it (an integer, a count, finite). */
export function stateNumber(
  state: SavedState,
  key: string,
  where: string,
  kind: 'any' | 'finite' | 'integer' | 'count' = 'finite',
): number {
  const v = state[key];
  const ok =
    typeof v === 'number' &&
    (kind === 'any' ||
      (kind === 'finite' && Number.isFinite(v)) ||
      (kind === 'integer' && Number.isSafeInteger(v)) ||
      (kind === 'count' && Number.isSafeInteger(v) && v >= 0));
  if (!ok)
    throw new DataFormatError(
      fieldOf(where, key),
      `expected ${kind === 'count' ? 'a count' : kind === 'integer' ? 'an integer' : kind === 'finite' ? 'a finite number' : 'a number'}, found ${found(v)}`,
    );
  return v as number;
}

/** Field `key`: a string. */
export function stateString(state: SavedState, key: string, where: string): string {
  const v = state[key];
  if (typeof v !== 'string')
    throw new DataFormatError(fieldOf(where, key), `expected a string, found ${found(v)}`);
  return v;
}

/** Field `key`: a generator's state, four unsigned 32-bit integers. */
export function stateRng(state: SavedState, key: string, where: string): RngState {
  const v = state[key];
  if (!(
    Array.isArray(v) &&
    v.length === 4 &&
    v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff) &&
    v.some((x) => x !== 0)
  ))
    throw new DataFormatError(
      fieldOf(where, key),
      `expected a generator state of 4 unsigned 32-bit integers, not all 0, found ${found(v)}`,
    );
  return v as RngState;
}

/** Field `key`: nested state (a plain object). */
export function stateObject(state: SavedState, key: string, where: string): SavedState {
  const v = state[key];
  if (!isPlainState(v))
    throw new DataFormatError(fieldOf(where, key), `expected a mapping, found ${found(v)}`);
  return v;
}

/** Field `key`: a list. */
export function stateList(state: SavedState, key: string, where: string, length?: number): StateValue[] {
  const v = state[key];
  if (!Array.isArray(v) || (length !== undefined && v.length !== length))
    throw new DataFormatError(
      fieldOf(where, key),
      `expected a list${length !== undefined ? ` of ${length}` : ''}, found ${found(v)}`,
    );
  return v;
}

/** A group's last spikes from saved state: neuron indices in [0, size), at most `limit` of them. */
export function savedSpikes(
  state: SavedState,
  where: string,
  size: number,
  limit: number | null,
): Int32Array {
  const spikes = stateArray(state, 'spikes', 'int32', null, where);
  if (limit !== null && spikes.length > limit)
    throw new DataFormatError(`${where}.spikes`, `expected at most ${limit} indices, found ${spikes.length}`);
  const bad = spikes.findIndex((i) => !(i >= 0 && i < size));
  if (bad >= 0)
    throw new DataFormatError(
      `${where}.spikes[${bad}]`,
      `expected a neuron index in [0, ${size}), found ${spikes[bad]}`,
    );
  return spikes;
}

export const isPlainState = (v: unknown): v is SavedState => isObject(v) && !ArrayBuffer.isView(v);

// ---- the directory format ----

/** The manifest's file name in a saved directory. */
export const MANIFEST = 'network.json';
const ARRAYS_FILE = /^arrays-[0-9a-f]{16}\.bin$/;

/** A manifest is read whole and parsed: its size is bounded before reading. */
export const SAVED_MANIFEST_BYTES: Budget = {
  name: 'saved-network manifest',
  env: 'NEUROPLAST_MAX_MANIFEST_BYTES',
  defaultValue: 64 * 2 ** 20,
  unit: 'bytes',
};

interface ArrayEntry {
  path: string;
  dtype: ArrayType;
  length: number;
  offset: number;
  sha256: string;
}

/** What a saved directory is: the manifest's `format`, the `formatVersion` this code reads and writes, in words. */
export interface StateFormat {
  format: string;
  formatVersion: number;
  /** "saved network", "saved Diehl & Cook network": names the directory in messages. */
  what: string;
}

const RESERVED = ['format', 'formatVersion', 'neuroplastVersion', 'arrays'];
const LITTLE_ENDIAN = endianness() === 'LE';

/** The bytes of `a` as stored: little-endian, a copy. */
function littleEndianBytes(a: StateArray): Buffer {
  const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const copy = Buffer.from(b);
  if (!LITTLE_ENDIAN) {
    if (a.BYTES_PER_ELEMENT === 2) copy.swap16();
    else if (a.BYTES_PER_ELEMENT === 4) copy.swap32();
    else if (a.BYTES_PER_ELEMENT === 8) copy.swap64();
  }
  return copy;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Turns state into JSON (arrays to references, inexact numbers tagged), collecting the arrays' bytes. */
function encode(
  value: unknown,
  path: string,
  entries: ArrayEntry[],
  blobs: Buffer[],
  at: { offset: number },
): unknown {
  if (ArrayBuffer.isView(value)) {
    const dtype = (Object.keys(DTYPES) as ArrayType[]).find((k) => value.constructor === DTYPES[k]);
    if (!dtype)
      throw new ConfigError(
        path,
        `cannot be saved: a ${className(value)} (saved arrays: ${Object.keys(DTYPES).join(', ')})`,
      );
    const bytes = littleEndianBytes(value as StateArray);
    const pad = (8 - (at.offset % 8)) % 8;
    if (pad) blobs.push(Buffer.alloc(pad));
    at.offset += pad;
    entries.push({
      path,
      dtype,
      length: (value as StateArray).length,
      offset: at.offset,
      sha256: sha256(bytes),
    });
    blobs.push(bytes);
    at.offset += bytes.length;
    return { $array: entries.length - 1 };
  }
  if (typeof value === 'number')
    return Number.isFinite(value) && !Object.is(value, -0)
      ? value
      : { $number: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value))
    return value.map((v, i) => {
      if (v === undefined) throw new ConfigError(`${path}.${i}`, 'cannot be saved: undefined in a list');
      return encode(v, `${path}.${i}`, entries, blobs, at);
    });
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$array' || k === '$number')
        throw new ConfigError(`${path}.${k}`, 'cannot be saved: a reserved key');
      if (v !== undefined) out[k] = encode(v, path ? `${path}.${k}` : k, entries, blobs, at);
    }
    return out;
  }
  throw new ConfigError(
    path,
    `cannot be saved: a ${typeof value === 'object' ? className(value) : typeof value}`,
  );
}

/** How deep a manifest may nest (rule chains within chains): deeper is refused, not a stack overflow. */
const MAX_DEPTH = 64;

/** Reverses `encode`: references become the arrays read, tagged numbers numbers. */
function decode(value: unknown, path: string, arrays: StateArray[], file: string, depth = 0): StateValue {
  if (depth > MAX_DEPTH && (Array.isArray(value) || isObject(value)))
    throw new DataFormatError(file, `${path}: nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((v, i) => decode(v, `${path}.${i}`, arrays, file, depth + 1));
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$array') {
      const i = value.$array;
      if (!(Number.isSafeInteger(i) && (i as number) >= 0 && (i as number) < arrays.length))
        throw new DataFormatError(
          file,
          `${path}: expected an array reference in [0, ${arrays.length}), found ${found(i)}`,
        );
      return arrays[i as number];
    }
    if (keys.length === 1 && keys[0] === '$number') {
      const n = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }[String(value.$number)];
      if (n === undefined)
        throw new DataFormatError(
          file,
          `${path}: expected NaN, Infinity, -Infinity or -0, found ${found(value.$number)}`,
        );
      return n;
    }
    const out: SavedState = {};
    for (const k of keys) out[k] = decode(value[k], path ? `${path}.${k}` : k, arrays, file, depth + 1);
    return out;
  }
  return value as StateValue;
}

/** One line for a failed file operation. */
function systemError(err: unknown): unknown {
  if (err instanceof NeuroplastError) return err;
  const line = describeSystemError(err);
  return line ? new NeuroplastError(line) : err;
}

/** What `dir` holds now: nothing, an empty directory, or a save of this format (with its arrays file). */
async function existingSave(
  dir: string,
  f: StateFormat,
): Promise<{ state: 'none' | 'empty' } | { state: 'saved'; arraysFile: string | null }> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'none' };
    if (code === 'ENOTDIR')
      throw new NeuroplastError(
        `${dir}: exists and is not a directory; refusing to replace it with a ${f.what}`,
      );
    throw systemError(err);
  }
  if (names.length === 0) return { state: 'empty' };
  const refuse = (why: string) =>
    new NeuroplastError(
      `${dir}: ${why}; refusing to write a ${f.what} there (choose a new or empty directory, or one holding a ${f.what})`,
    );
  if (!names.includes(MANIFEST)) throw refuse(`holds other files and no ${MANIFEST}`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(
      (await readFileWithin(join(dir, MANIFEST), 'manifest', SAVED_MANIFEST_BYTES)).toString('utf8'),
    );
  } catch {
    throw refuse(`its ${MANIFEST} is not a readable manifest`);
  }
  if (!isObject(manifest) || manifest.format !== f.format)
    throw refuse(
      `its ${MANIFEST} is not a ${f.what} (format ${found(isObject(manifest) ? manifest.format : manifest)})`,
    );
  const file = isObject(manifest.arrays) ? manifest.arrays.file : undefined;
  return { state: 'saved', arraysFile: typeof file === 'string' && ARRAYS_FILE.test(file) ? file : null };
}

async function writeSynced(path: string, chunks: Uint8Array[]): Promise<void> {
  const fh = await fsp.open(path, 'wx');
  try {
    for (const c of chunks) await fh.write(c);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDirectory(path: string): Promise<void> {
  try {
    const fh = await fsp.open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Not every platform can sync a directory; the renames are still atomic.
  }
}

/**
 * Saves `content` (keys besides the reserved format, formatVersion, neuroplastVersion and arrays; typed arrays
 * anywhere inside) as a directory of format `f`. The content is encoded before anything is written (a snapshot).
 * Everything is written and synced into a temporary sibling directory first. A new `dir` (or an empty one) then
 * receives it by rename; an existing save of the same format is replaced file by file, the manifest last (its rename
 * is the commit: until then the old save is complete and current), and only the old save's arrays file (and arrays
 * files of saves interrupted there) is deleted: other files in `dir` stay. A `dir` holding anything else is refused.
 */
export async function writeStateDir(
  dir: string,
  f: StateFormat,
  content: Record<string, unknown>,
): Promise<void> {
  for (const k of RESERVED)
    if (k in content) throw new Error(`writeStateDir: content may not have the reserved key ${k}`);
  const entries: ArrayEntry[] = [];
  const blobs: Buffer[] = [];
  const at = { offset: 0 };
  const encoded = encode(content, '', entries, blobs, at) as Record<string, unknown>;
  const arraysFile = `arrays-${randomBytes(8).toString('hex')}.bin`;
  const manifest = {
    format: f.format,
    formatVersion: f.formatVersion,
    neuroplastVersion: VERSION,
    ...encoded,
    arrays: { file: arraysFile, bytes: at.offset, entries },
  };
  const manifestText = JSON.stringify(manifest, null, 1) + '\n';
  const target = resolve(dir);
  const existing = await existingSave(target, f);
  if (existing.state === 'none')
    await fsp.mkdir(dirname(target), { recursive: true }).catch((err) => Promise.reject(systemError(err)));
  const tmp = join(
    dirname(target),
    `.neuroplast-tmp-${basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let moved: string | null = null;
  try {
    await fsp.mkdir(tmp);
    await writeSynced(join(tmp, arraysFile), blobs);
    await writeSynced(join(tmp, MANIFEST), [Buffer.from(manifestText, 'utf8')]);
    await syncDirectory(tmp);
    if (existing.state === 'none') {
      await fsp.rename(tmp, target);
    } else {
      await fsp.rename(join(tmp, arraysFile), join(target, arraysFile));
      moved = join(target, arraysFile);
      await fsp.rename(join(tmp, MANIFEST), join(target, MANIFEST));
      moved = null;
      await fsp.rm(tmp, { recursive: true, force: true });
      // The new save is complete: the old arrays file, and arrays files no manifest names (interrupted saves).
      for (const name of await fsp.readdir(target))
        if (ARRAYS_FILE.test(name) && name !== arraysFile) await fsp.rm(join(target, name), { force: true });
    }
    await syncDirectory(target);
    await syncDirectory(dirname(target));
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (moved) await fsp.rm(moved, { force: true }).catch(() => undefined);
    throw systemError(err);
  }
}

/** The manifest's fields besides the arrays table, with typed arrays in place; `file` names the manifest. */
export interface ReadState {
  file: string;
  manifest: SavedState;
}

const BYTES: Record<ArrayType, number> = { float32: 4, float64: 8, int32: 4, uint32: 4, uint16: 2, uint8: 1 };

/**
 * Reads a directory written by `writeStateDir` in format `f`, refusing in one line naming the file, the field,
 * what was expected and what was found: a missing file, a manifest that does not parse, another format or format
 * version, an arrays table that does not hold together, arrays over the model budget (checked before anything is
 * allocated), a truncated arrays file, an array whose bytes do not match their SHA-256.
 */
export async function readStateDir(dir: string, f: StateFormat): Promise<ReadState> {
  const file = join(dir, MANIFEST);
  const text = (await readFileWithin(file, `${f.what} manifest`, SAVED_MANIFEST_BYTES)).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(file, `does not parse as JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw))
    throw new DataFormatError(file, `expected a JSON object (a ${f.what} manifest), found ${found(raw)}`);
  if (raw.format !== f.format)
    throw new DataFormatError(
      file,
      `format: expected ${JSON.stringify(f.format)}, found ${found(raw.format)}`,
    );
  if (raw.formatVersion !== f.formatVersion) {
    const by =
      typeof raw.neuroplastVersion === 'string'
        ? `written by neuroplast ${raw.neuroplastVersion}`
        : 'writer unknown';
    const newer = typeof raw.formatVersion === 'number' && raw.formatVersion > f.formatVersion;
    throw new DataFormatError(
      file,
      `formatVersion: expected ${f.formatVersion}, found ${found(raw.formatVersion)} (${by}; this is neuroplast ${VERSION}${newer ? ', which cannot read a newer format: load it with the version that saved it or a later one' : ''})`,
    );
  }
  const arrays = raw.arrays;
  if (!isObject(arrays) || typeof arrays.file !== 'string' || !ARRAYS_FILE.test(arrays.file))
    throw new DataFormatError(
      file,
      `arrays.file: expected "arrays-<16 hex digits>.bin", found ${found(isObject(arrays) ? arrays.file : arrays)}`,
    );
  if (!Number.isSafeInteger(arrays.bytes) || (arrays.bytes as number) < 0)
    throw new DataFormatError(file, `arrays.bytes: expected a byte count, found ${found(arrays.bytes)}`);
  if (!Array.isArray(arrays.entries))
    throw new DataFormatError(file, `arrays.entries: expected a list, found ${found(arrays.entries)}`);
  const declared = arrays.bytes as number;
  const entries: ArrayEntry[] = arrays.entries.map((e, i) => {
    const field = `arrays.entries.${i}`;
    if (!isObject(e)) throw new DataFormatError(file, `${field}: expected a mapping, found ${found(e)}`);
    if (typeof e.path !== 'string')
      throw new DataFormatError(file, `${field}.path: expected a string, found ${found(e.path)}`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPES))
      throw new DataFormatError(
        file,
        `${field}.dtype: expected one of ${Object.keys(DTYPES).join(', ')}, found ${found(e.dtype)}`,
      );
    for (const k of ['length', 'offset'] as const)
      if (!Number.isSafeInteger(e[k]) || (e[k] as number) < 0)
        throw new DataFormatError(file, `${field}.${k}: expected a count, found ${found(e[k])}`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
      throw new DataFormatError(file, `${field}.sha256: expected 64 hex digits, found ${found(e.sha256)}`);
    const end = (e.offset as number) + (e.length as number) * BYTES[e.dtype as ArrayType];
    if (end > declared)
      throw new DataFormatError(
        file,
        `${field} (${e.path}): ends at byte ${end}, beyond arrays.bytes ${declared}`,
      );
    return e as unknown as ArrayEntry;
  });
  const total = entries.reduce((s, e) => s + e.length * BYTES[e.dtype], 0);
  checkBudget(file, 'its arrays need', total, MODEL_BYTES, modelBudget());
  const arraysPath = join(dir, arrays.file);
  const { fh, size } = await openRegularFile(arraysPath, `${f.what} arrays`);
  const values: StateArray[] = [];
  try {
    if (size !== declared)
      throw new DataFormatError(
        arraysPath,
        size < declared
          ? `truncated: expected ${declared} bytes (${MANIFEST} arrays.bytes), found ${size}`
          : `expected ${declared} bytes (${MANIFEST} arrays.bytes), found ${size}`,
      );
    for (const e of entries) {
      const a = new DTYPES[e.dtype](e.length);
      const bytes = new Uint8Array(a.buffer);
      let got = 0;
      while (got < bytes.length) {
        let n: number;
        try {
          n = (await fh.read(bytes, got, bytes.length - got, e.offset + got)).bytesRead;
        } catch (err) {
          throw new FileAccessError(arraysPath, `read ${f.what} arrays`, err);
        }
        if (n === 0)
          throw new DataFormatError(arraysPath, `truncated: ${e.path} ends past the end of the file`);
        got += n;
      }
      const sum = sha256(bytes);
      if (sum !== e.sha256)
        throw new DataFormatError(
          arraysPath,
          `${e.path}: damaged: SHA-256 expected ${e.sha256.slice(0, 16)}..., found ${sum.slice(0, 16)}... (the file changed after it was saved)`,
        );
      if (!LITTLE_ENDIAN) {
        const b = Buffer.from(a.buffer);
        if (a.BYTES_PER_ELEMENT === 2) b.swap16();
        else if (a.BYTES_PER_ELEMENT === 4) b.swap32();
        else if (a.BYTES_PER_ELEMENT === 8) b.swap64();
      }
      values.push(a);
    }
  } finally {
    await fh.close();
  }
  const content: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!RESERVED.includes(k)) content[k] = v;
  return { file, manifest: decode(content, '', values, file) as SavedState };
}
