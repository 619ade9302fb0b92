import { DataFormatError } from '../util/errors.js';

/**
 * The neuroplast tensor bundle: magic "NPTB", version u32, header length u32, a UTF-8 JSON header
 * ({meta, tensors: [{name, shape, offset, length}]}), zero padding to 4 bytes, then little-endian float32 data.
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

export function encodeBundle(bundle: Bundle): Uint8Array {
  const entries: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of bundle.tensors) {
    entries.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const header = Buffer.from(JSON.stringify({ meta: bundle.meta, tensors: entries }), 'utf8');
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const out = new Uint8Array(12 + headerPadded + offset * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  const base = 12 + headerPadded;
  let at = 0;
  for (const t of bundle.tensors.values()) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(base + 4 * (at + i), t.data[i], true);
    at += t.data.length;
  }
  return out;
}

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
  };
  try {
    header = JSON.parse(Buffer.from(buf.subarray(12, 12 + headerLen)).toString('utf8'));
  } catch (e) {
    throw new DataFormatError(file, `corrupt bundle header: ${(e as Error).message}`);
  }
  const base = 12 + Math.ceil(headerLen / 4) * 4;
  const tensors = new Map<string, NamedTensor>();
  for (const e of header.tensors) {
    const end = base + 4 * (e.offset + e.length);
    if (end > buf.length)
      throw new DataFormatError(
        file,
        `truncated: tensor ${e.name} needs bytes up to ${end}, file has ${buf.length}`,
      );
    const data = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) data[i] = view.getFloat32(base + 4 * (e.offset + i), true);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { meta: header.meta, tensors };
}
