import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildV1Column,
  buildV1Network,
  describeV1Model,
  exportBrian2,
  loadV1Tables,
  CORE_NEURONS,
  FULL_NEURONS,
  type V1Model,
} from '../cortex/index.js';
import { NeuroplastError } from '../util/errors.js';
import { getBackend } from '../engine/index.js';
import { runPythonAnchor } from './anchors.js';
import { PACKAGE_ROOT } from '../version.js';

/** The sizes `bench v1` times by default: Billeh's core and full model among them. */
export const V1_BENCH_SIZES = [5000, 20_000, CORE_NEURONS, FULL_NEURONS];
/** Brian2 runs beside us up to this size by default (its standalone build of the core takes long). */
const BRIAN2_MAX_NEURONS = 20_000;

/**
 * One size, measured in this process: build time (tables read, column sampled, network assembled), wall seconds
 * per simulated second, resident memory, and the per-class rates over the run (from rest, as the Brian2 script's).
 */
export async function benchV1Size(neurons: number, seconds: number): Promise<Record<string, unknown>> {
  const tables = await loadV1Tables();
  const t0 = performance.now();
  const column = buildV1Column(tables, { neurons, seed: 1 });
  const model = describeV1Model(tables, column);
  const v1 = buildV1Network(model);
  const buildS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  v1.net.run(seconds * 1000);
  const wall = (performance.now() - t1) / 1000;
  const synapses = v1.projections.reduce((s, p) => s + p.synapseCount, 0);
  const rates = v1.counter.groupRatesHz();
  return {
    neurons,
    synapses,
    build_s: round(buildS),
    wall_s_per_sim_s: round(wall / seconds),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    backend: getBackend().name,
    rates_hz: Object.fromEntries(model.classes.map((c, k) => [c.name, round(rates[k])])),
    model,
  };
}

const round = (v: number) => Number(v.toPrecision(4));

/**
 * `neuroplast bench v1`: each size in its own process (clean memory figures; a size beyond free memory is refused
 * there with its estimate and reported), and for sizes up to 20k, the same network exported to Brian2 and run in its
 * C++ standalone mode beside it (build and compile time apart), with the ratio of wall times and the largest
 * per-class rate difference.
 */
export async function benchV1(opts: {
  neurons?: number;
  seconds?: number;
}): Promise<Record<string, unknown>[]> {
  const seconds = opts.seconds ?? 1;
  const sizes = opts.neurons ? [opts.neurons] : V1_BENCH_SIZES;
  const out: Record<string, unknown>[] = [];
  for (const neurons of sizes) {
    const child = spawnSync(
      process.execPath,
      [join(PACKAGE_ROOT, 'build', 'src', 'bench', 'v1-child.js'), String(neurons), String(seconds)],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0) {
      const why = (child.stderr || '').trim().split('\n').pop() ?? `exit ${child.status}`;
      out.push({ neurons, skipped: why.replace(/^neuroplast: error: /, '') });
      continue;
    }
    const row = JSON.parse(line) as Record<string, unknown>;
    if (neurons <= (opts.neurons ?? BRIAN2_MAX_NEURONS))
      Object.assign(row, brian2Beside(neurons, seconds, row));
    out.push(row);
  }
  return withGrowth(out);
}

/**
 * Adds to each measured size after the first its growth against the previous measured size: the exponent k in
 * cost ~ synapses^k for build time and for wall time per simulated second (1: linear in synapses).
 */
export function withGrowth(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  let previous: Record<string, unknown> | null = null;
  for (const row of rows) {
    if (typeof row.synapses !== 'number') continue;
    if (previous) {
      const s = Math.log(row.synapses / (previous.synapses as number));
      const k = (key: string) => round(Math.log(Number(row[key]) / Number(previous![key])) / s);
      row.growth_vs_previous = {
        neurons: previous.neurons,
        build_exponent: k('build_s'),
        wall_exponent: k('wall_s_per_sim_s'),
      };
    }
    previous = row;
  }
  return rows;
}

/** Exports the size's model (rebuilt from the same seed) and runs it in Brian2's C++ standalone mode. */
function brian2Beside(
  neurons: number,
  seconds: number,
  ours: Record<string, unknown>,
): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'np-v1-brian2-'));
  try {
    const exported = spawnSync(
      process.execPath,
      [join(PACKAGE_ROOT, 'build', 'src', 'bench', 'v1-child.js'), String(neurons), '0', dir],
      { encoding: 'utf8' },
    );
    if (exported.status !== 0) return { brian2: `not run: export failed (${exported.stderr.trim()})` };
    const r = runPythonAnchor(join(dir, 'run_brian2.py'), ['standalone', String(seconds)], 3_600_000);
    if (!r.result) return { brian2: `not run: ${r.reason}` };
    const perSim = Number(r.result.run_s) / seconds;
    const oursRates = ours.rates_hz as Record<string, number>;
    const theirs = r.result.rates_hz as Record<string, number>;
    const diffs = Object.keys(oursRates).map((k) => ({
      k,
      rel: Math.abs(oursRates[k] - theirs[k]) / Math.max(1e-9, theirs[k]),
    }));
    const worst = diffs.reduce((a, b) => (b.rel > a.rel ? b : a));
    return {
      brian2_version: r.result.brian2,
      brian2_build_s: r.result.build_s,
      brian2_standalone_s_per_sim_s: round(perSim),
      brian2_rates_hz: Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, round(v)])),
      ratio_vs_brian2_standalone: round(perSim / Number(ours.wall_s_per_sim_s)),
      max_class_rate_difference: { class: worst.k, relative: round(worst.rel) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For the child process: measure one size, or (with a directory) export its model to Brian2. */
export async function v1BenchChild(args: string[]): Promise<void> {
  const [neurons, seconds, exportDir] = [Number(args[0]), Number(args[1]), args[2]];
  try {
    if (exportDir) {
      const tables = await loadV1Tables();
      const column = buildV1Column(tables, { neurons, seed: 1 });
      const model: V1Model = describeV1Model(tables, column);
      await exportBrian2(model, exportDir);
      return;
    }
    const row = await benchV1Size(neurons, seconds);
    delete row.model;
    console.log(JSON.stringify(row));
  } catch (err) {
    if (err instanceof NeuroplastError) {
      console.error(`neuroplast: error: ${err.message}`);
      process.exitCode = 1;
    } else throw err;
  }
}
