import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { NeuroplastError } from '../util/errors.js';
import { tempPathFor } from '../util/fsx.js';

export interface DownloadOptions {
  /** Called with bytes received so far and the expected total (if known). */
  onProgress?: (received: number, total: number | null) => void;
  /** Milliseconds without any data before giving up. */
  idleTimeoutMs?: number;
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

function networkCause(err: unknown): string | null {
  let e = err as { code?: string; cause?: unknown; message?: string } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.code && NETWORK_CODES.has(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return null;
}

/**
 * Downloads `url` to `dest`, hashing as it streams; the file appears at `dest` only when its
 * SHA-256 (and size, if given) match. On any failure the partial temp file is removed.
 */
export async function downloadVerified(
  url: string,
  dest: string,
  expected: { sha256: string; bytes?: number },
  opts: DownloadOptions = {},
): Promise<void> {
  await fsp.mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  };
  try {
    touch();
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal });
    } catch (err) {
      const code = networkCause(err);
      throw new NeuroplastError(
        `cannot download ${url}: ${code ? `network unavailable (${code})` : (err as Error).message}. ` +
          'Place the files in $NEUROPLAST_DATA or the cache directory, or retry when online.',
      );
    }
    if (!res.ok || !res.body) {
      throw new NeuroplastError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
    }
    const total = Number(res.headers.get('content-length')) || null;
    const hash = createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        touch();
        hash.update(chunk);
        received += chunk.length;
        opts.onProgress?.(received, total);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(tmp));
    } catch (err) {
      throw new NeuroplastError(
        `download of ${url} failed after ${received} bytes: ${(err as Error).message}`,
      );
    }
    if (expected.bytes !== undefined && received !== expected.bytes) {
      throw new NeuroplastError(`download of ${url}: expected ${expected.bytes} bytes, received ${received}`);
    }
    const digest = hash.digest('hex');
    if (digest !== expected.sha256.toLowerCase()) {
      throw new NeuroplastError(
        `download of ${url}: SHA-256 mismatch: expected ${expected.sha256}, found ${digest}`,
      );
    }
    await fsp.rename(tmp, dest);
  } finally {
    clearTimeout(idleTimer);
    await fsp.rm(tmp, { force: true });
  }
}

/** SHA-256 of a file on disk, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
