import { appendFileSync, promises as fsp } from 'node:fs';
import { join, parse, resolve } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { exists, writeFileAtomic } from '../util/fsx.js';

/**
 * A run directory: the resolved config, metrics.jsonl (one JSON object per logged step or epoch),
 * summary.json (final figures, deterministic for a seed), run.json (status and timings) and checkpoints/.
 * Whole-file writes are atomic (temp + rename); metrics are appended line by line and trimmed back to the
 * checkpoint on resume so a killed run never leaves duplicated or half-written lines behind.
 */
/** The lock file that says which process owns a run directory (see RunLock). */
export const LOCK_FILE = '.lock';

export class RunDir {
  readonly path: string;
  constructor(path: string) {
    if (path.trim() === '')
      throw new NeuroplastError('run directory: expected a path, found an empty string', 2);
    this.path = resolve(path);
    if (this.path === parse(this.path).root)
      throw new NeuroplastError(`${this.path}: refusing the filesystem root as a run directory`, 2);
  }

  get configPath() {
    return join(this.path, 'config.json');
  }
  get metricsPath() {
    return join(this.path, 'metrics.jsonl');
  }
  get summaryPath() {
    return join(this.path, 'summary.json');
  }
  get statusPath() {
    return join(this.path, 'run.json');
  }
  get checkpointDir() {
    return join(this.path, 'checkpoints');
  }
  /** The config the run started with (or last resumed with), which resume compares config.json against. */
  get startConfigPath() {
    return join(this.checkpointDir, 'config-at-start.json');
  }
  get checkpointPath() {
    return join(this.checkpointDir, 'last.nptb');
  }
  get reportPath() {
    return join(this.path, 'report.html');
  }

  /**
   * Makes this directory a fresh run's (call with its lock held): refuses one that holds a run, or anything else
   * (nothing in it is ever replaced), and the filesystem root.
   */
  async create(): Promise<void> {
    if (await exists(this.configPath)) {
      throw new NeuroplastError(
        `${this.path}: already holds a run (config.json exists); use --resume ${this.path} or another --out`,
      );
    }
    // The lock and its transient files (a lock being written, a stale one moved aside) are not a run's contents.
    const other = (await fsp.readdir(this.path)).filter(
      (f) => f !== LOCK_FILE && !f.startsWith(`${LOCK_FILE}.`),
    );
    if (other.length > 0)
      throw new NeuroplastError(
        `${this.path}: not empty (holds ${other.slice(0, 5).join(', ')}${other.length > 5 ? ', ...' : ''}) and not a run; ` +
          'choose a new or empty directory',
      );
    await fsp.mkdir(this.checkpointDir, { recursive: true });
    await fsp.writeFile(this.metricsPath, '');
  }

  async writeJson(path: string, value: unknown): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
  }

  async readJson<T>(path: string): Promise<T> {
    let text: string;
    try {
      text = await fsp.readFile(path, 'utf8');
    } catch {
      throw new NeuroplastError(`${path}: not found (is ${this.path} a neuroplast run directory?)`);
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new NeuroplastError(`${path}: invalid JSON (${(e as Error).message})`);
    }
  }

  appendMetric(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  async readMetrics(): Promise<Record<string, unknown>[]> {
    const text = await fsp.readFile(this.metricsPath, 'utf8').catch(() => '');
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // A line cut by a kill mid-append: everything after it is dropped on resume anyway.
        break;
      }
    }
    return out;
  }

  /** Keeps only metric records the checkpoint already covers (`keep` decides), atomically. */
  async trimMetrics(keep: (r: Record<string, unknown>) => boolean): Promise<void> {
    const kept = (await this.readMetrics()).filter(keep);
    await writeFileAtomic(this.metricsPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
