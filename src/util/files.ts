import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { NeuroplastError, systemReason } from './errors.js';
import { checkBudget, budgetLimit, type Budget } from './budget.js';

/**
 * The cause of a failed file system call in words ("symbolic link loop", "permission denied"), with the errno code
 * where it has no words; a missing file is "file not found", as the readers have always said.
 */
export function fsCause(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'file not found';
  const reason = e?.code ? systemReason(e.code) : undefined;
  if (reason) return reason;
  const first = String(e?.message ?? err).split('\n')[0];
  return e?.code ? `${e.code}: ${first}` : first;
}

/** `${path}: cannot read ${what} (${cause})`: one line naming the file, the operation and why it failed. */
export class FileAccessError extends NeuroplastError {
  readonly code: string | undefined;
  constructor(path: string, operation: string, err: unknown) {
    super(`${path}: cannot ${operation} (${fsCause(err)})`);
    this.name = 'FileAccessError';
    this.code = (err as NodeJS.ErrnoException)?.code;
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe, not a regular file';
  if (st.isSocket()) return 'a socket, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device, not a regular file';
  return 'not a regular file';
}

/**
 * Opens a regular file for reading, or throws a FileAccessError naming it, the operation (`read ${what}`) and the
 * cause: not found, symbolic link loop, permission denied, a directory, a pipe or device (never opened, so a pipe
 * without a writer cannot hang the reader).
 */
export async function openRegularFile(path: string, what: string): Promise<{ fh: FileHandle; size: number }> {
  const operation = `read ${what}`;
  let st: Stats;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    throw new FileAccessError(path, operation, err);
  }
  if (st.isDirectory()) throw new FileAccessError(path, operation, { code: 'EISDIR' });
  if (!st.isFile()) throw new FileAccessError(path, operation, { message: kindOf(st) });
  let fh: FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (err) {
    throw new FileAccessError(path, operation, err);
  }
  try {
    return { fh, size: (await fh.stat()).size };
  } catch (err) {
    await fh.close();
    throw new FileAccessError(path, operation, err);
  }
}

/**
 * Reads a whole regular file, refusing (before reading) one larger than the budget, and stopping should it grow
 * past the budget while being read.
 */
export async function readFileWithin(
  path: string,
  what: string,
  budget: Budget,
  limit = budgetLimit(budget),
): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, what);
  try {
    checkBudget(path, `${what} is`, size, budget, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(Math.max(size - total, 1 << 16), limit + 1 - total));
      let n: number;
      try {
        n = (await fh.read(buf, 0, buf.length, null)).bytesRead;
      } catch (err) {
        throw new FileAccessError(path, `read ${what}`, err);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      checkBudget(path, `${what} has grown while being read and is now at least`, total, budget, limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}
