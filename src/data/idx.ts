import { endianness } from 'node:os';
import { DataFormatError } from '../util/errors.js';
import { readHeaderAndBody, type ParsedHeader, type ReadLimits } from './stream.js';

/** IDX element types (LeCun's format): type code -> name and byte size. */
const IDX_TYPES: Record<number, { name: IdxDtype; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxHeader {
  /** The 32-bit magic number as MNIST documents it (2051 for image files, 2049 for label files). */
  magic: number;
  dtype: IdxDtype;
  dims: number[];
}

export interface IdxFile extends IdxHeader {
  path: string;
  gzip: boolean;
  data: IdxData;
}

export interface IdxExpectation extends ReadLimits {
  /** Required magic number, e.g. 2051 for images. */
  magic?: number;
  /** Required dims; `null` entries accept any size. */
  dims?: (number | null)[];
  /** For label files: every value must be below this. */
  maxLabelExclusive?: number;
}

function parseIdxHeader(path: string, head: Buffer): ParsedHeader<IdxHeader> | null {
  if ((head.length >= 1 && head[0] !== 0) || (head.length >= 2 && head[1] !== 0)) {
    const shown = head.subarray(0, 4).toString('hex').padEnd(8, '.');
    throw new DataFormatError(
      path,
      `not an IDX file: magic number must start with two zero bytes, found 0x${shown}`,
    );
  }
  if (head.length < 4) return null;
  const type = IDX_TYPES[head[2]];
  if (!type) {
    throw new DataFormatError(
      path,
      `unknown IDX element type 0x${head[2].toString(16)} (expected one of 08,09,0b,0c,0d,0e)`,
    );
  }
  const ndim = head[3];
  if (ndim === 0) throw new DataFormatError(path, 'IDX header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndim;
  if (head.length < headerBytes) return null;
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = head.readUInt32BE(4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  return {
    header: { magic: head.readUInt32BE(0), dtype: type.name, dims },
    headerBytes,
    bodyBytes: count * type.bytes,
    promises: `IDX header promises ${dims.join('x')} ${type.name} values`,
  };
}

const BIG_ENDIAN_HOST = endianness() === 'BE';

/** Reinterprets the big-endian body as typed values in place (byte-swapped on little-endian hosts): no second copy. */
function decodeBody(dtype: IdxDtype, body: Uint8Array): IdxData {
  const { buffer, byteOffset, byteLength } = body;
  const swapped = (bytes: 2 | 4 | 8) => {
    const b = Buffer.from(buffer, byteOffset, byteLength);
    if (!BIG_ENDIAN_HOST && bytes === 2) b.swap16();
    else if (!BIG_ENDIAN_HOST && bytes === 4) b.swap32();
    else if (!BIG_ENDIAN_HOST) b.swap64();
    return [buffer, byteOffset, byteLength / bytes] as const;
  };
  switch (dtype) {
    case 'uint8':
      return body;
    case 'int8':
      return new Int8Array(buffer, byteOffset, byteLength);
    case 'int16':
      return new Int16Array(...swapped(2));
    case 'int32':
      return new Int32Array(...swapped(4));
    case 'float32':
      return new Float32Array(...swapped(4));
    case 'float64':
      return new Float64Array(...swapped(8));
  }
}

/**
 * Reads an IDX file (gzip or raw, decided by content), validating it against `expect`. The payload its header
 * promises (elements x element size) must fit the data-file budget (`expect.maxBytes`, else
 * $NEUROPLAST_MAX_DATA_BYTES, else 1 GiB), checked before anything of that size is allocated or inflated.
 */
export async function readIdx(path: string, expect: IdxExpectation = {}): Promise<IdxFile> {
  const { header, body, gzip } = await readHeaderAndBody(
    path,
    (head) => {
      const parsed = parseIdxHeader(path, head);
      if (parsed) checkHeader(path, parsed.header, expect);
      return parsed;
    },
    expect,
  );
  const data = decodeBody(header.dtype, body);
  if (expect.maxLabelExclusive !== undefined) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < 0 || v >= expect.maxLabelExclusive) {
        throw new DataFormatError(
          path,
          `label ${v} at index ${i} is out of range [0, ${expect.maxLabelExclusive})`,
        );
      }
    }
  }
  return { path, gzip, ...header, data };
}

function checkHeader(path: string, header: IdxHeader, expect: IdxExpectation): void {
  if (expect.magic !== undefined && header.magic !== expect.magic) {
    throw new DataFormatError(path, `wrong magic number: expected ${expect.magic}, found ${header.magic}`);
  }
  if (expect.dims) {
    const want = expect.dims;
    const ok = want.length === header.dims.length && want.every((d, i) => d === null || d === header.dims[i]);
    if (!ok) {
      const fmt = want.map((d) => (d === null ? '*' : String(d))).join('x');
      throw new DataFormatError(path, `wrong dimensions: expected ${fmt}, found ${header.dims.join('x')}`);
    }
  }
}

/** The IDX file name conventions: original names, with or without `.gz`, and the `x-ubyte` / `.x-ubyte` variants. */
export function idxNameVariants(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}
