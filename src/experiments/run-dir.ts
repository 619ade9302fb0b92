import { appendFileSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { exists, writeFileAtomic } from '../util/fsx.js';

/**
 * A run directory: the resolved config, metrics.jsonl (one JSON object per logged step or epoch),
 * summary.json (final figures, deterministic for a seed), run.json (status and timings) and checkpoints/.
 * Whole-file writes are atomic (temp + rename); metrics are appended line by line and trimmed back to the
 * checkpoint on resume so a killed run never leaves duplicated or half-written lines behind.
 */
export class RunDir {
  readonly path: string;
  constructor(path: string) {
    this.path = resolve(path);
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
  get checkpointPath() {
    return join(this.checkpointDir, 'last.nptb');
  }
  get reportPath() {
    return join(this.path, 'report.html');
  }

  /** Creates a fresh run directory; refuses to overwrite one that already holds a run. */
  async create(): Promise<void> {
    if (await exists(this.configPath)) {
      throw new NeuroplastError(
        `${this.path}: already holds a run (config.json exists); use --resume ${this.path} or another --out`,
      );
    }
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
