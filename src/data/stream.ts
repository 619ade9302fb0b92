import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DataFormatError } from '../util/errors.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** True if the file starts with the gzip magic bytes (content decides, not the file name). */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === GZIP_MAGIC_0 && buf[1] === GZIP_MAGIC_1;
  } finally {
    await fh.close();
  }
}

/** A stream of the file's decoded bytes, transparently gunzipping. */
export async function openDecodedStream(path: string): Promise<{ stream: Readable; gzip: boolean }> {
  try {
    await fsp.access(path);
  } catch {
    throw new DataFormatError(path, 'file not found');
  }
  const gzip = await isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gzip) return { stream: raw, gzip };
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (e) => gunzip.destroy(e));
  return { stream: raw.pipe(gunzip), gzip };
}

/** Wraps zlib and fs errors so they name the file and say what is wrong. */
export function describeStreamError(path: string, gzip: boolean, err: unknown): DataFormatError {
  if (err instanceof DataFormatError) return err;
  const e = err as NodeJS.ErrnoException;
  if (gzip && (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? ''))) {
    return new DataFormatError(path, 'truncated gzip stream (unexpected end of file)');
  }
  if (gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new DataFormatError(path, `corrupt gzip data (${e.code}: ${e.message})`);
  }
  return new DataFormatError(path, `read failed: ${e.message ?? String(err)}`);
}

/**
 * Reads a decoded stream in two phases: `parseHeader` sees the bytes so far and returns null until it
 * has the whole header; the body then streams straight into a buffer of exactly `bodyBytes`.
 */
export async function readHeaderAndBody<H>(
  path: string,
  parseHeader: (head: Buffer) => { header: H; headerBytes: number; bodyBytes: number } | null,
): Promise<{ header: H; body: Uint8Array; gzip: boolean }> {
  const { stream, gzip } = await openDecodedStream(path);
  let head = Buffer.alloc(0);
  let parsed: { header: H; headerBytes: number; bodyBytes: number } | null = null;
  let body: Uint8Array | null = null;
  let filled = 0;
  let extra = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = chunk;
      if (!parsed) {
        head = Buffer.concat([head, data]);
        parsed = parseHeader(head);
        if (!parsed) continue;
        body = new Uint8Array(parsed.bodyBytes);
        data = head.subarray(parsed.headerBytes);
      }
      const room = body!.length - filled;
      const take = Math.min(room, data.length);
      body!.set(data.subarray(0, take), filled);
      filled += take;
      extra += data.length - take;
    }
  } catch (err) {
    throw describeStreamError(path, gzip, err);
  }
  if (!parsed) {
    throw new DataFormatError(path, `truncated header: file has only ${head.length} decoded bytes`);
  }
  if (filled < parsed.bodyBytes) {
    throw new DataFormatError(
      path,
      `truncated: header promises ${parsed.bodyBytes} data bytes, found ${filled} (${(
        (100 * filled) /
        parsed.bodyBytes
      ).toFixed(1)}%)`,
    );
  }
  if (extra > 0) {
    throw new DataFormatError(
      path,
      `${extra} unexpected trailing bytes after the ${parsed.bodyBytes} data bytes`,
    );
  }
  return { header: parsed.header, body: body!, gzip };
}
