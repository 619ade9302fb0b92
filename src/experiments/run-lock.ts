import { randomBytes } from 'node:crypto';
import { promises as fsp, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { LOCK_FILE } from './run-dir.js';

/** Who holds a run directory: written into DIR/.lock when the lock is taken. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** Whether a process of this host is alive (a signal-0 probe; EPERM means it exists under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per run directory: DIR/.lock is created exclusively (a hard link, which fails if it exists), so of two
 * processes only one gets it.
 * A lock left by a process of this host that no longer runs (killed) is stale: it is removed and reported, and the
 * lock is taken again (by this process or, in a race, another). A
 * live owner, or an owner on another host (whose liveness cannot be checked from here), is refused in one line.
 */
export class RunLock {
  private held = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(readonly path: string) {}

  static async acquire(dir: string, onStale: (owner: LockOwner) => void): Promise<RunLock> {
    const lock = new RunLock(join(dir, LOCK_FILE));
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      // Written whole beside the lock, then linked into place (fails if the lock exists): another process never
      // reads a lock file that exists but is still empty, which it would take for a stale one.
      const draft = `${lock.path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
      await fsp.writeFile(draft, JSON.stringify(me) + '\n');
      try {
        await fsp.link(draft, lock.path);
        lock.held = true;
        process.once('exit', lock.onExit);
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await fsp.rm(draft, { force: true });
      }
      const owner = await readOwner(lock.path);
      if (owner && owner.pid === process.pid && owner.host === me.host)
        throw new NeuroplastError(`${dir}: already in use by this process`);
      if (owner && (owner.host !== me.host || alive(owner.pid)))
        throw new NeuroplastError(
          `${dir}: in use by process ${owner.pid} on ${owner.host} since ${owner.since}` +
            (owner.host !== me.host ? ` (if it no longer runs, delete ${lock.path})` : ''),
        );
      // Stale (its process is gone) or unreadable (killed while writing it): move it aside atomically, and take
      // over only if what was moved is the lock judged stale (another process may have replaced it meanwhile).
      const aside = `${lock.path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await fsp.rename(lock.path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await readOwner(aside);
      if (
        moved &&
        !(owner && moved.pid === owner.pid && moved.host === owner.host && moved.since === owner.since)
      ) {
        // A live lock was moved by mistake: put it back (link never overwrites) and refuse.
        await fsp.link(aside, lock.path).catch(() => undefined);
        await fsp.rm(aside, { force: true });
        throw new NeuroplastError(
          `${dir}: in use by process ${moved.pid} on ${moved.host} since ${moved.since}`,
        );
      }
      await fsp.rm(aside, { force: true });
      if (owner) onStale(owner);
    }
    throw new NeuroplastError(`${dir}: could not take the run lock ${lock.path} (others keep taking it)`);
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    process.removeListener('exit', this.onExit);
    await fsp.rm(this.path, { force: true });
  }

  /** For exits that cannot wait (signals, process exit). */
  releaseSync(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const o = JSON.parse(await fsp.readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string'
      ? { pid: o.pid, host: o.host, since: String(o.since) }
      : null;
  } catch {
    return null;
  }
}
