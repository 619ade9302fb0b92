import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { MONITOR_NAME } from '../viz/index.js';
import { MetricsSeries } from './series.js';

/** Files that make a directory a run directory (any one of them). */
const RUN_FILES = ['run.json', 'metrics.jsonl', 'summary.json'];
/** Folders inside a run that hold its parts, not other runs. */
const SKIP = new Set(['node_modules', '.git', 'checkpoints', 'cells', 'reevaluations']);
const MAX_DEPTH = 6;
const MAX_DIRS = 20_000;
/** run.json and config.json larger than this are not parsed (shown as unreadable). */
const MAX_JSON_BYTES = 4 << 20;

/** A run directory as the dashboard lists it. Everything but id and dir comes from the run's own (untrusted) files. */
export interface RunInfo {
  /** Stable and opaque: the API's only way to name a run (no path ever comes from a request). */
  id: string;
  dir: string;
  /** The folder it was found under. */
  root: string;
  /** The directory relative to the folder it was found under (that folder's name when it is the run itself). */
  label: string;
  name: string;
  kind: string | null;
  /** completed, failed, interrupted, running, stopped (running, but its process is gone) or unknown. */
  status: string;
  startedAt: string | null;
  files: {
    metrics: boolean;
    summary: boolean;
    report: boolean;
    config: boolean;
    /** Spiking monitor CSVs (in the run or its monitors/ folder). */
    monitors: boolean;
    /** A gradient model saved (model.nptb) or checkpointed while it trains (a classification run's checkpoints/). */
    model: boolean;
  };
  /** Why run.json or config.json could not be read, when so. */
  error: string | null;
}

export const runId = (dir: string): string =>
  createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);

/**
 * Opens `path` for reading if it is a regular file: not through a link (a run file must not point elsewhere), and
 * never waiting on a FIFO or device. Null when absent or not a regular file.
 */
export async function openRegular(path: string): Promise<FileHandle | null> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const st = await fh.stat().catch(() => null);
  if (st?.isFile()) return fh;
  await fh.close();
  return null;
}

/** A regular file's bytes, or why not: absent (null), or over `limit` bytes. */
export async function readRegular(path: string, limit: number): Promise<Buffer | null | 'too large'> {
  const fh = await openRegular(path);
  if (!fh) return null;
  try {
    if ((await fh.stat()).size > limit) return 'too large';
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** A run file parsed as JSON: absent (null, no error), too large, or not JSON (being written or damaged). */
export async function readRunJson(
  path: string,
  limit: number,
): Promise<{ value: unknown; error: string | null }> {
  const bytes = await readRegular(path, limit);
  if (bytes === null) return { value: null, error: null };
  if (bytes === 'too large') return { value: null, error: `${basename(path)} is over ${limit} bytes` };
  try {
    return { value: JSON.parse(bytes.toString('utf8')), error: null };
  } catch {
    return { value: null, error: `${basename(path)}: not valid JSON (being written, or damaged)` };
  }
}

function alive(pid: unknown, host: unknown): boolean {
  if (typeof pid !== 'number' || host !== hostname()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Reads what the dashboard shows of run directory `dir`. */
export async function describeRun(dir: string, root: string): Promise<RunInfo> {
  const names = new Set(await fsp.readdir(dir).catch(() => [] as string[]));
  const run = await readRunJson(join(dir, 'run.json'), MAX_JSON_BYTES);
  const config = await readRunJson(join(dir, 'config.json'), MAX_JSON_BYTES);
  const r = (run.value ?? {}) as Record<string, unknown>;
  const c = (config.value ?? {}) as Record<string, unknown>;
  const task = (c.task ?? {}) as Record<string, unknown>;
  let status = str(r.status) ?? 'unknown';
  if (status === 'running' && !alive(r.pid, r.host)) status = 'stopped';
  return {
    id: runId(dir),
    dir,
    root,
    label: relative(root, dir) || basename(dir),
    name: str(c.name) ?? basename(dir),
    kind: str(task.kind),
    status,
    startedAt: str(r.startedAt),
    files: {
      metrics: names.has('metrics.jsonl'),
      summary: names.has('summary.json'),
      report: names.has('report.html'),
      config: names.has('config.json'),
      monitors: names.has('monitors') || [...names].some((n) => MONITOR_NAME.test(n)),
      model: names.has('model.nptb') || (str(task.kind) === 'classification' && names.has('checkpoints')),
    },
    error: run.error ?? config.error,
  };
}

/**
 * The run directories in `roots` (each a run or a folder of runs, searched to a bounded depth without following
 * links), in a stable order; only runs not in `known` are read.
 */
export async function discoverRuns(
  roots: string[],
  /** Runs already described, by id: kept as they are (the server re-describes a run when its files change). */
  known: ReadonlyMap<string, RunInfo> = new Map(),
): Promise<RunInfo[]> {
  const found: RunInfo[] = [];
  const seen = new Set<string>();
  let visited = 0;
  const walk = async (dir: string, root: string, depth: number): Promise<void> => {
    if (visited++ > MAX_DIRS) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && RUN_FILES.includes(e.name)) && !seen.has(dir)) {
      seen.add(dir);
      found.push(known.get(runId(dir)) ?? (await describeRun(dir, root)));
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name)))
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.'))
        await walk(join(dir, e.name), root, depth + 1);
  };
  for (const root of roots) await walk(resolve(root), resolve(root), 0);
  return found;
}

/** Reads a run's metrics file into series (bounded as the dashboard's are). */
export async function readMetricsSeries(dir: string): Promise<MetricsSeries> {
  const m = new MetricsSeries();
  const fh = await openRegular(join(dir, 'metrics.jsonl'));
  if (!fh)
    throw new ConfigError(
      join(dir, 'metrics.jsonl'),
      'expected a run directory with a metrics file, found none',
    );
  try {
    const buf = Buffer.alloc(8 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, m.readOffset);
      if (bytesRead === 0) break;
      m.append(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return m;
}
