import { createHash } from 'node:crypto';
import { DataFormatError } from '../util/errors.js';

/**
 * The neuroplast tensor bundle: magic "NPTB", version u32, header length u32, a UTF-8 JSON header
 * ({meta, tensors: [{name, shape, offset, length}], sha256}), zero padding to 4 bytes, then little-endian float32
 * data. sha256 covers the header without it and the data; files written before it existed have none.
 * Used for saved models, optimizer state and checkpoints.
 */
const MAGIC = 0x4254504e; // "NPTB" little-endian
const VERSION = 1;

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface Bundle {
  meta: Record<string, unknown>;
  tensors: Map<string, NamedTensor>;
}

/** What a bundle's checksum covers: its header without the checksum, then its data bytes. */
function bundleSha256(headerCore: string, data: Uint8Array): string {
  return createHash('sha256').update(headerCore).update(data).digest('hex');
}

export function encodeBundle(bundle: Bundle): Uint8Array {
  const entries: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of bundle.tensors) {
    entries.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const data = new Uint8Array(offset * 4);
  const dataView = new DataView(data.buffer);
  let at = 0;
  for (const t of bundle.tensors.values()) {
    for (let i = 0; i < t.data.length; i++) dataView.setFloat32(4 * (at + i), t.data[i], true);
    at += t.data.length;
  }
  const core = JSON.stringify({ meta: bundle.meta, tensors: entries });
  const header = Buffer.from(
    JSON.stringify({ meta: bundle.meta, tensors: entries, sha256: bundleSha256(core, data) }),
    'utf8',
  );
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const out = new Uint8Array(12 + headerPadded + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(data, 12 + headerPadded);
  return out;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function decodeBundle(buf: Uint8Array, file: string): Bundle {
  if (buf.length < 12) throw new DataFormatError(file, `too short for a tensor bundle (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC)
    throw new DataFormatError(
      file,
      `not a neuroplast tensor bundle: magic 0x${magic.toString(16)}, expected 0x${MAGIC.toString(16)}`,
    );
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new DataFormatError(file, `unsupported bundle version ${version}, expected ${VERSION}`);
  const headerLen = view.getUint32(8, true);
  if (12 + headerLen > buf.length)
    throw new DataFormatError(file, `truncated header: needs ${headerLen} bytes`);
  let header: {
    meta: Record<string, unknown>;
    tensors: { name: string; shape: number[]; offset: number; length: number }[];
    sha256?: string;
  };
  try {
    header = JSON.parse(Buffer.from(buf.subarray(12, 12 + headerLen)).toString('utf8'));
  } catch (e) {
    throw new DataFormatError(file, `corrupt bundle header: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.tensors))
    throw new DataFormatError(file, 'corrupt bundle header: expected {meta, tensors: [...]}');
  if (header.meta === null || typeof header.meta !== 'object')
    throw new DataFormatError(file, 'corrupt bundle header: meta is not an object');
  const base = 12 + Math.ceil(headerLen / 4) * 4;
  let dataEnd = base;
  // Entries may not claim more values than the file holds (overlapping entries would multiply what is decoded).
  let claimed = 0;
  for (const e of header.tensors) {
    const shapeOk = Array.isArray(e?.shape) && e.shape.every(isCount);
    if (typeof e?.name !== 'string' || !shapeOk || !isCount(e.offset) || !isCount(e.length))
      throw new DataFormatError(
        file,
        `corrupt bundle header: tensor entry ${JSON.stringify(e)?.slice(0, 80)}`,
      );
    if (e.shape.reduce((a, b) => a * b, 1) !== e.length)
      throw new DataFormatError(
        file,
        `tensor ${e.name}: shape [${e.shape}] does not hold ${e.length} values`,
      );
    const end = base + 4 * (e.offset + e.length);
    if (end > buf.length)
      throw new DataFormatError(
        file,
        `truncated: tensor ${e.name} needs bytes up to ${end}, file has ${buf.length}`,
      );
    dataEnd = Math.max(dataEnd, end);
    claimed += e.length;
    if (base + 4 * claimed > buf.length)
      throw new DataFormatError(
        file,
        `corrupt bundle header: its tensors claim ${claimed} values, the file holds ${Math.floor((buf.length - base) / 4)}`,
      );
  }
  if (header.sha256 !== undefined) {
    const core = JSON.stringify({ meta: header.meta, tensors: header.tensors });
    if (bundleSha256(core, buf.subarray(base, dataEnd)) !== header.sha256)
      throw new DataFormatError(
        file,
        'damaged: its checksum does not match its contents (the file changed after it was written)',
      );
  }
  const tensors = new Map<string, NamedTensor>();
  for (const e of header.tensors) {
    const data = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) data[i] = view.getFloat32(base + 4 * (e.offset + i), true);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { meta: header.meta, tensors };
}
