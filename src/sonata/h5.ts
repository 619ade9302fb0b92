/**
 * The one user of h5wasm (HDF5 compiled to WebAssembly): opening SONATA's HDF5 files and reading typed, checked
 * datasets from them. h5wasm neither throws on a missing file nor checks what a dataset holds, so every reader here
 * checks existence, shape and type itself and names the file, the dataset and what it found.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as h5wasm from 'h5wasm/node';
import { DataFormatError } from '../util/errors.js';

/** The SONATA file signature: root attribute `magic` = 0x0A7A and `version` [0, 1]. */
export const SONATA_MAGIC = 0x0a7a;
export const SONATA_VERSION = [0, 1] as const;

/** HDF5 datatype classes as h5wasm's metadata reports them. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

/** Elements read per slice: bounds the WebAssembly heap (2 GiB at most) whatever the file's size. */
const SLICE_ELEMENTS = 1 << 22;

let ready: Promise<void> | null = null;

/** Loads the HDF5 module once; failures in HDF5 then throw instead of only printing. */
export function h5Ready(): Promise<void> {
  return (ready ??= h5wasm.ready.then((m) => {
    (m as unknown as { activate_throwing_error_handler?: () => void }).activate_throwing_error_handler?.();
  }));
}

/** What a dataset holds, for messages: `uint64[28555]`, `float64[100 x 2]`. */
function describeDataset(d: h5wasm.Dataset): string {
  const m = d.metadata;
  const kind =
    m.type === H5T_INTEGER
      ? `${m.signed ? 'int' : 'uint'}${m.size * 8}`
      : m.type === H5T_FLOAT
        ? `float${m.size * 8}`
        : m.type === H5T_STRING
          ? 'string'
          : `HDF5 class ${m.type}`;
  return `${kind}[${(d.shape ?? []).join(' x ') || 'scalar'}]`;
}

/** An open HDF5 file read through checked getters; `close` when done. */
export class H5Reader {
  private readonly file: h5wasm.File;

  private constructor(readonly path: string) {
    this.file = new h5wasm.File(path, 'r');
  }

  /** Opens an existing HDF5 file (call `h5Ready` first). */
  static open(path: string, what = 'HDF5 file'): H5Reader {
    const full = resolve(path);
    if (!existsSync(full)) throw new DataFormatError(path, `${what} not found`);
    if (!statSync(full).isFile()) throw new DataFormatError(path, `expected a ${what}, found a directory`);
    try {
      return new H5Reader(full);
    } catch {
      throw new DataFormatError(path, `expected an HDF5 file, found something HDF5 cannot open`);
    }
  }

  close(): void {
    this.file.close();
  }

  /** Checks the SONATA signature on the root (a missing signature is tolerated: older writers omit it). */
  checkSonata(): void {
    const magic = this.file.attrs.magic?.value;
    if (magic !== undefined && magic !== null && Number(magic) !== SONATA_MAGIC)
      throw new DataFormatError(
        this.path,
        `attribute magic: expected ${SONATA_MAGIC}, found ${String(magic)}`,
      );
  }

  has(path: string): boolean {
    return this.file.get(path) !== null;
  }

  /** The names in a group (empty when the group is absent). */
  keys(path: string): string[] {
    const g = this.file.get(path);
    return g instanceof h5wasm.Group ? g.keys() : [];
  }

  isGroup(path: string): boolean {
    return this.file.get(path) instanceof h5wasm.Group;
  }

  private dataset(path: string): h5wasm.Dataset {
    const d = this.file.get(path);
    if (d === null) throw new DataFormatError(`${this.path}:${path}`, 'expected a dataset, found nothing');
    if (!(d instanceof h5wasm.Dataset))
      throw new DataFormatError(`${this.path}:${path}`, 'expected a dataset, found a group');
    return d;
  }

  /** The shape of a dataset, checked against `expected` (null entries match anything). */
  shape(path: string, expected?: readonly (number | null)[]): number[] {
    const d = this.dataset(path);
    const shape = d.shape ?? [];
    if (
      expected &&
      (shape.length !== expected.length || expected.some((n, i) => n !== null && n !== shape[i]))
    )
      throw new DataFormatError(
        `${this.path}:${path}`,
        `expected shape [${expected.map((n) => n ?? 'any').join(' x ')}], found ${describeDataset(d)}`,
      );
    return shape;
  }

  /** Reads a dataset of any numeric type whole, in slices, converting through `put`. */
  private readNumbers(
    path: string,
    allowFloat: boolean,
    length: number | null,
    put: (i: number, v: number) => void,
  ) {
    const d = this.dataset(path);
    const m = d.metadata;
    if (!(m.type === H5T_INTEGER || (allowFloat && m.type === H5T_FLOAT)))
      throw new DataFormatError(
        `${this.path}:${path}`,
        `expected ${allowFloat ? 'numbers' : 'integers'}, found ${describeDataset(d)}`,
      );
    const shape = d.shape ?? [];
    const total = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 0 || (length !== null && (shape.length !== 1 || shape[0] !== length)))
      throw new DataFormatError(
        `${this.path}:${path}`,
        `expected shape [${length ?? 'n'}], found ${describeDataset(d)}`,
      );
    const rows = shape[0];
    const perRow = total / Math.max(1, rows);
    const step = Math.max(1, Math.floor(SLICE_ELEMENTS / Math.max(1, perRow)));
    for (let lo = 0; lo < rows; lo += step) {
      const hi = Math.min(rows, lo + step);
      const part = d.slice([[lo, hi]]) as ArrayLike<number | bigint>;
      const base = lo * perRow;
      for (let k = 0; k < part.length; k++) put(base + k, Number(part[k]));
    }
    return { shape, total };
  }

  /**
   * An integer dataset (any width, signed or not) as Int32Array, each value checked in [min, max]; `length` checks
   * a one-dimensional shape, `columns` a two-dimensional one ([rows, columns], row-major).
   */
  ints(
    path: string,
    opts: { length?: number; columns?: number; min?: number; max?: number; what?: string } = {},
  ) {
    const d = this.dataset(path);
    const shape = d.shape ?? [];
    if (opts.columns !== undefined && (shape.length !== 2 || shape[1] !== opts.columns))
      throw new DataFormatError(
        `${this.path}:${path}`,
        `expected shape [n x ${opts.columns}], found ${describeDataset(d)}`,
      );
    const total = shape.reduce((a, b) => a * b, 1);
    const out = new Int32Array(shape.length ? total : 0);
    const min = opts.min ?? 0;
    const max = opts.max ?? 2 ** 31 - 1;
    this.readNumbers(path, false, opts.columns === undefined ? (opts.length ?? null) : null, (i, v) => {
      if (!(v >= min && v <= max))
        throw new DataFormatError(
          `${this.path}:${path}`,
          `${opts.what ?? 'value'} at index ${opts.columns ? `[${Math.floor(i / opts.columns)}, ${i % opts.columns}]` : i}: expected ${min}..${max}, found ${v}`,
        );
      out[i] = v;
    });
    return out;
  }

  /** A numeric dataset as Float64Array, every value finite unless `anyValue` (then NaN and infinities pass). */
  floats(path: string, opts: { length?: number; anyValue?: boolean } = {}): Float64Array {
    const d = this.dataset(path);
    const out = new Float64Array((d.shape ?? []).reduce((a, b) => a * b, 1));
    this.readNumbers(path, true, opts.length ?? null, (i, v) => {
      if (!opts.anyValue && !Number.isFinite(v))
        throw new DataFormatError(
          `${this.path}:${path}`,
          `value at index ${i}: expected a finite number, found ${v}`,
        );
      out[i] = v;
    });
    return out;
  }

  /** Whether a dataset holds numbers (integers or floats), as opposed to strings or compounds. */
  isNumeric(path: string): boolean {
    const d = this.dataset(path);
    return d.metadata.type === H5T_INTEGER || d.metadata.type === H5T_FLOAT;
  }

  /** A string attribute of a group or dataset, or undefined when absent. */
  stringAttribute(path: string, name: string): string | undefined {
    const o = this.file.get(path);
    if (!o || !('attrs' in o)) return undefined;
    const a = (o as h5wasm.Group).attrs[name];
    if (!a) return undefined;
    const v = a.value;
    if (typeof v !== 'string')
      throw new DataFormatError(
        `${this.path}:${path}`,
        `attribute ${name}: expected a string, found ${String(v)}`,
      );
    return v;
  }
}

/** A numeric column to write: its values and the HDF5 type (`<Q` uint64, `<I` uint32, `<H` uint16, `<d` float64). */
export interface H5Column {
  values: ArrayLike<number>;
  dtype: '<Q' | '<I' | '<H' | '<d' | '<f';
  /** Two-dimensional [rows, columns] when set. */
  columns?: number;
}

/** Writes HDF5 files: groups, numeric datasets and string attributes. `close` to flush. */
export class H5Writer {
  private readonly file: h5wasm.File;

  constructor(readonly path: string) {
    this.file = new h5wasm.File(resolve(path), 'w');
  }

  /** Root attributes `magic` and `version` as the SONATA specification has them. */
  signSonata(): void {
    this.file.create_attribute('magic', SONATA_MAGIC, null, '<I');
    this.file.create_attribute('version', [...SONATA_VERSION], [2], '<I');
  }

  group(path: string): void {
    let at = '';
    for (const part of path.split('/').filter(Boolean)) {
      at = `${at}/${part}`;
      if (!this.file.get(at)) this.file.create_group(at);
    }
  }

  dataset(path: string, column: H5Column): void {
    const { values, dtype, columns } = column;
    const n = values.length;
    const data =
      dtype === '<Q'
        ? BigUint64Array.from({ length: n }, (_, i) => BigInt(values[i]))
        : dtype === '<I'
          ? Uint32Array.from(values)
          : dtype === '<H'
            ? Uint16Array.from(values)
            : dtype === '<f'
              ? Float32Array.from(values)
              : Float64Array.from(values);
    const shape = columns ? [n / columns, columns] : [n];
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent) this.group(parent);
    (this.file.get(parent || '/') as h5wasm.Group).create_dataset({
      name: path.slice(path.lastIndexOf('/') + 1),
      data,
      shape,
      dtype,
    });
  }

  stringAttribute(path: string, name: string, value: string): void {
    (this.file.get(path) as h5wasm.Group).create_attribute(name, value);
  }

  close(): void {
    this.file.close();
  }
}
