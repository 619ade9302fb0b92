import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';

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
  /** The directory relative to the folder it was found under (that folder's name when it is the run itself). */
  label: string;
  name: string;
  kind: string | null;
  /** completed, failed, interrupted, running, stopped (running, but its process is gone) or unknown. */
  status: string;
  startedAt: string | null;
  files: { metrics: boolean; summary: boolean; report: boolean; config: boolean };
  /** Why run.json or config.json could not be read, when so. */
  error: string | null;
}

export const runId = (dir: string): string =>
  createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);

async function readJson(path: string): Promise<{ value: unknown; error: string | null }> {
  try {
    const st = await fsp.stat(path);
    if (st.size > MAX_JSON_BYTES)
      return { value: null, error: `${basename(path)} is over ${MAX_JSON_BYTES} bytes` };
    return { value: JSON.parse(await fsp.readFile(path, 'utf8')), error: null };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { value: null, error: null };
    return {
      value: null,
      error: `${basename(path)}: ${e instanceof SyntaxError ? 'not valid JSON' : e.message}`,
    };
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
  const run = await readJson(join(dir, 'run.json'));
  const config = await readJson(join(dir, 'config.json'));
  const r = (run.value ?? {}) as Record<string, unknown>;
  const c = (config.value ?? {}) as Record<string, unknown>;
  const task = (c.task ?? {}) as Record<string, unknown>;
  let status = str(r.status) ?? 'unknown';
  if (status === 'running' && !alive(r.pid, r.host)) status = 'stopped';
  return {
    id: runId(dir),
    dir,
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
    },
    error: run.error ?? config.error,
  };
}

/**
 * The run directories in `roots` (each a run or a folder of runs, searched to a bounded depth without following
 * links), in a stable order.
 */
export async function discoverRuns(roots: string[]): Promise<RunInfo[]> {
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
      found.push(await describeRun(dir, root));
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name)))
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.'))
        await walk(join(dir, e.name), root, depth + 1);
  };
  for (const root of roots) await walk(resolve(root), resolve(root), 0);
  return found;
}
