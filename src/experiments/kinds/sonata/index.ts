import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tempPathFor, writeFileAtomic } from '../../../util/fsx.js';
import {
  describeCircuit,
  readSimulation,
  simulateSonata,
  spikesCsv,
  writeSpikesH5,
} from '../../../sonata/index.js';
import { html, type ReportView } from '../../../viz/index.js';
import { experimentFields } from '../../config.js';
import type { TaskKind } from '../../task-kind.js';

/**
 * A SONATA simulation config run as an experiment: `neuroplast run CONFIG.json` wraps the file in this kind
 * (`sonataExperiment`); an experiment file may name one too, with the run's span and step overridden.
 */
export const sonataSchema = z.strictObject({
  ...experimentFields,
  task: z.strictObject({
    kind: z.literal('sonata'),
    /** The simulation config (absolute, or relative to the working directory). */
    config: z.string().min(1),
    /** Overrides of the config's run.tstop and run.dt (ms). */
    tstopMs: z.number().positive().optional(),
    dtMs: z.number().positive().optional(),
  }),
});
export type SonataConfig = z.output<typeof sonataSchema>;

export interface SonataSummary {
  kind: 'sonata';
  name: string;
  config: string;
  tstop_ms: number;
  dt_ms: number;
  steps: number;
  /** Mean rate per population and per node-type group (`population-typeId`), Hz. */
  rates_hz: Record<string, number>;
  cv: Record<string, number | null>;
  spikes: Record<string, number>;
  populations: { population: string; size: number; types: { id: number; model: string; count: number }[] }[];
  edges: { population: string; source: string; target: string; count: number }[];
  files: { spikes: string; spikes_csv: string | null };
  ignored: string[];
  wall_s: number;
}

/** Writes an HDF5 file through a temporary name, so a reader never sees half of it. */
async function writeH5Atomic(target: string, write: (path: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    renameSync(tmp, target);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

const sonataView: ReportView = {
  name: 'sonata',
  matches: (run) => run.summary.kind === 'sonata',
  async render(run) {
    const s = run.summary as unknown as SonataSummary;
    const f = (x: number | null | undefined) => (typeof x === 'number' ? x.toFixed(2) : '-');
    return {
      title: `SONATA run: ${s.name}`,
      body: html`<p>${s.config}: ${s.tstop_ms} ms at dt ${s.dt_ms} ms (${s.steps} steps) in ${f(s.wall_s)} s</p>
        <table>
          <tr><th>population or group</th><th>rate (Hz)</th><th>CV of ISI</th></tr>
          ${Object.entries(s.rates_hz).map(
            ([k, r]) => html`<tr><th>${k}</th><td>${f(r)}</td><td>${f(s.cv[k])}</td></tr>`,
          )}
        </table>`,
    };
  },
};

export const sonataTask: TaskKind<SonataConfig, SonataSummary> = {
  name: 'sonata',
  description:
    'a SONATA simulation config (BMTK/NEST point networks): spikes.h5, CSV and rates per population',
  schema: sonataSchema,
  quick: (cfg) => ({ ...cfg, task: { ...cfg.task, tstopMs: Math.min(cfg.task.tstopMs ?? 300, 300) } }),
  async run(cfg, { runDir, quiet }) {
    const started = performance.now();
    const sim = await readSimulation(cfg.task.config);
    if (cfg.task.tstopMs !== undefined) sim.tstopMs = cfg.task.tstopMs;
    if (cfg.task.dtMs !== undefined) sim.dtMs = cfg.task.dtMs;
    let shown = -1;
    const result = simulateSonata(sim, (fraction) => {
      const pct = Math.floor(fraction * 10) * 10;
      if (!quiet && pct !== shown) process.stderr.write(`sonata: ${pct}% of ${sim.tstopMs} ms\n`);
      shown = pct;
    });
    await writeH5Atomic(join(runDir.path, sim.spikesFile), (p) => writeSpikesH5(p, result.spikes));
    if (sim.spikesCsvFile)
      await writeFileAtomic(join(runDir.path, sim.spikesCsvFile), spikesCsv(result.spikes));
    const d = describeCircuit(sim.circuit);
    return {
      kind: 'sonata',
      name: cfg.name,
      config: sim.config,
      tstop_ms: sim.tstopMs,
      dt_ms: sim.dtMs,
      steps: result.steps,
      rates_hz: result.ratesHz,
      cv: result.cv,
      spikes: Object.fromEntries(result.spikes.map((s) => [s.population, s.nodeIds.length])),
      populations: d.populations,
      edges: d.edges.map(({ population, source, target, count }) => ({ population, source, target, count })),
      files: { spikes: sim.spikesFile, spikes_csv: sim.spikesCsvFile },
      ignored: sim.ignored,
      wall_s: (performance.now() - started) / 1000,
    };
  },
  describe: (s) => [
    `${s.tstop_ms} ms at dt ${s.dt_ms} ms in ${s.wall_s.toFixed(1)} s; spikes in ${s.files.spikes}`,
    ...Object.entries(s.rates_hz).map(([k, r]) => `  ${k}: ${r.toFixed(2)} Hz`),
    ...(s.ignored.length ? [`not acted on: ${s.ignored.join(', ')}`] : []),
  ],
  reportViews: [sonataView],
};
