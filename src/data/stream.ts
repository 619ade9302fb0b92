import { constants as bufferConstants } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DataFormatError, NeuroplastError } from '../util/errors.js';
import { checkBudget, DATA_FILE_BYTES } from '../util/budget.js';
import { FileAccessError, openRegularFile } from '../util/files.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** Deflate cannot expand data more than about 1032 times: a header promising more than that is truncated. */
const MAX_DEFLATE_RATIO = 1032;
/** How far past the promised data a gzip stream is inflated to count trailing bytes before reading stops. */
const TRAILING_INFLATE_LIMIT = 1 << 20;

/** Limits on one read, overriding the defaults in force. */
export interface ReadLimits {
  /** Decoded bytes the file may hold (default: $NEUROPLAST_MAX_DATA_BYTES, else 1 GiB). */
  maxBytes?: number;
}

/** An open data file: its size on disk and whether it is gzip-compressed (content decides, not the name). */
export interface DataFile {
  fh: FileHandle;
  size: number;
  gzip: boolean;
}

/** Opens a regular file for reading and sniffs gzip; errors name the file and the cause in one line. */
export async function openDataFile(path: string): Promise<DataFile> {
  const { fh, size } = await openRegularFile(path, 'data file');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return { fh, size, gzip: bytesRead === 2 && buf[0] === GZIP_MAGIC_0 && buf[1] === GZIP_MAGIC_1 };
  } catch (err) {
    await fh.close();
    throw new FileAccessError(path, 'read data file', err);
  }
}

/** Size and compression of a data file, without reading more than its first two bytes. */
export async function probeDataFile(path: string): Promise<{ size: number; gzip: boolean }> {
  const { fh, size, gzip } = await openDataFile(path);
  await fh.close();
  return { size, gzip };
}

/** Wraps zlib and fs errors so they name the file and say what is wrong. */
export function describeStreamError(path: string, gzip: boolean, err: unknown): NeuroplastError {
  if (err instanceof NeuroplastError) return err;
  const e = err as NodeJS.ErrnoException;
  if (gzip && (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? ''))) {
    return new DataFormatError(path, 'truncated gzip stream (unexpected end of file)');
  }
  if (gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new DataFormatError(path, `corrupt gzip data (${e.code}: ${e.message})`);
  }
  return new FileAccessError(path, 'read data file', err);
}

/** What a header says: the payload it promises, in bytes and in words ("60000x28x28 uint8 values"). */
export interface ParsedHeader<H> {
  header: H;
  headerBytes: number;
  bodyBytes: number;
  promises: string;
}

function truncated(path: string, promised: number, found: number): DataFormatError {
  return new DataFormatError(
    path,
    `truncated: header promises ${promised} data bytes, found ${found} (${((100 * found) / promised).toFixed(1)}%)`,
  );
}

function trailing(path: string, extra: number | string, promised: number): DataFormatError {
  return new DataFormatError(path, `${extra} unexpected trailing bytes after the ${promised} data bytes`);
}

/**
 * Before anything of the promised size is allocated: the payload must be within the data-file budget, and the file
 * must be able to hold it (a raw file's size says exactly; a gzip file cannot inflate more than ~1032-fold).
 */
function checkPromise(path: string, file: DataFile, parsed: ParsedHeader<unknown>, limit?: number): void {
  checkBudget(path, `${parsed.promises} in`, parsed.bodyBytes, DATA_FILE_BYTES, limit);
  const { headerBytes, bodyBytes } = parsed;
  if (bodyBytes > bufferConstants.MAX_LENGTH) {
    throw new DataFormatError(
      path,
      `${parsed.promises} in ${bodyBytes} bytes, more than one buffer can hold here (${bufferConstants.MAX_LENGTH})`,
    );
  }
  if (!file.gzip) {
    const found = file.size - headerBytes;
    if (found < bodyBytes) throw truncated(path, bodyBytes, found);
    if (found > bodyBytes) throw trailing(path, found - bodyBytes, bodyBytes);
  } else if (headerBytes + bodyBytes > file.size * MAX_DEFLATE_RATIO + 1024) {
    throw new DataFormatError(
      path,
      `truncated: header promises ${bodyBytes} data bytes, more than a ${file.size}-byte gzip file can hold`,
    );
  }
}

/**
 * Reads a data file (gunzipping transparently) in two phases: `parseHeader` sees the decoded bytes so far and
 * returns null until it has the whole header; once the promised payload is checked against the budget and the file's
 * size, the body streams into a buffer of exactly `bodyBytes`. Inflating stops soon after the promised size.
 */
export async function readHeaderAndBody<H>(
  path: string,
  parseHeader: (head: Buffer) => ParsedHeader<H> | null,
  limits: ReadLimits = {},
): Promise<{ header: H; body: Uint8Array; gzip: boolean }> {
  const file = await openDataFile(path);
  const { gzip } = file;
  const raw = file.fh.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: false });
  let stream: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    raw.on('error', (e) => gunzip.destroy(e));
    stream = raw.pipe(gunzip);
  }
  let head = Buffer.alloc(0);
  let parsed: ParsedHeader<H> | null = null;
  let body = new Uint8Array(0);
  let filled = 0;
  let extra = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = chunk;
      if (!parsed) {
        head = Buffer.concat([head, data]);
        parsed = parseHeader(head);
        if (!parsed) continue;
        checkPromise(path, file, parsed, limits.maxBytes);
        body = new Uint8Array(parsed.bodyBytes);
        data = head.subarray(parsed.headerBytes);
      }
      const take = Math.min(body.length - filled, data.length);
      body.set(data.subarray(0, take), filled);
      filled += take;
      extra += data.length - take;
      if (extra > TRAILING_INFLATE_LIMIT) {
        throw trailing(path, `more than ${TRAILING_INFLATE_LIMIT}`, parsed.bodyBytes);
      }
    }
  } catch (err) {
    throw describeStreamError(path, gzip, err);
  } finally {
    stream.destroy();
    raw.destroy();
    await file.fh.close();
  }
  if (!parsed) {
    throw new DataFormatError(path, `truncated header: file has only ${head.length} decoded bytes`);
  }
  if (filled < parsed.bodyBytes) throw truncated(path, parsed.bodyBytes, filled);
  if (extra > 0) throw trailing(path, extra, parsed.bodyBytes);
  return { header: parsed.header, body, gzip };
}
