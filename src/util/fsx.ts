import { randomBytes } from 'node:crypto';
import {
  promises as fsp,
  renameSync,
  writeFileSync,
  unlinkSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** A temp path in the same directory (same filesystem), so rename is atomic. */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.neuroplast-tmp-${basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Write the whole file to a temp path, fsync, then rename over the target: readers never see half a file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw namedAfter(err, target);
  }
}

/** A write error on the temp file is about the file being written: name that one. */
function namedAfter(err: unknown, target: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && !e.path) {
    e.path = target;
    e.syscall ??= 'write';
  }
  return err;
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw namedAfter(err, target);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}
