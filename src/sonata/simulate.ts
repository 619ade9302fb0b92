/**
 * Running a SONATA simulation config: the circuit built at the config's step, its spike inputs, `run.tstop`
 * simulated, spikes recorded per population in node ids, and written as SONATA `spikes.h5` and CSV.
 */
import type { Monitor } from '../spiking/index.js';
import { buildSonataNetwork, type SonataNetwork } from './build.js';
import { H5Writer, h5Ready } from './h5.js';
import type { SonataSimulation } from './simulation.js';

/** Spikes of one population: node ids and times (ms, the start of the step they happened in, as Brian2). */
export interface PopulationSpikes {
  population: string;
  nodeIds: Int32Array;
  timesMs: Float64Array;
}

/** An Int32 list that grows by doubling: 4 bytes per entry however many spikes a run records. */
class Int32List {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Records every spike of the non-virtual populations as (node id, step). */
class NodeSpikeRecorder implements Monitor {
  readonly ids = new Map<string, Int32List>();
  readonly steps = new Map<string, Int32List>();
  private readonly sources: {
    group: { spikes: Int32Array };
    nodeIds: Int32Array;
    ids: Int32List;
    steps: Int32List;
  }[] = [];

  constructor(built: SonataNetwork) {
    for (const [population, p] of built.populations) {
      if (p.virtual) continue;
      const ids = new Int32List();
      const steps = new Int32List();
      this.ids.set(population, ids);
      this.steps.set(population, steps);
      for (const g of p.groups) this.sources.push({ group: g.group, nodeIds: g.nodeIds, ids, steps });
    }
  }

  record(step: number): void {
    for (const s of this.sources) {
      const spikes = s.group.spikes;
      for (let k = 0; k < spikes.length; k++) {
        s.ids.push(s.nodeIds[spikes[k]]);
        s.steps.push(step - 1);
      }
    }
  }

  csvFiles(): [string, string][] {
    return [];
  }
}

export interface SonataRunResult {
  spikes: PopulationSpikes[];
  /** Mean rate per population and per group (population-typeId), Hz. */
  ratesHz: Record<string, number>;
  /** Mean coefficient of variation of the interspike intervals, over cells with at least 3 spikes. */
  cv: Record<string, number | null>;
  steps: number;
  durationMs: number;
}

/** Simulates a SONATA run from tstart to tstop, calling `onProgress(fraction)` between chunks. */
export function simulateSonata(
  sim: SonataSimulation,
  onProgress?: (fraction: number) => void,
): SonataRunResult {
  const built = buildSonataNetwork(sim.circuit, sim.dtMs, sim.inputs);
  const recorder = built.network.addMonitor(new NodeSpikeRecorder(built));
  const steps = Math.round(sim.tstopMs / sim.dtMs);
  const chunk = Math.max(1, Math.round(100 / sim.dtMs));
  for (let done = 0; done < steps;) {
    const n = Math.min(chunk, steps - done);
    built.network.run(n * sim.dtMs);
    done += n;
    onProgress?.(done / steps);
  }
  const durationMs = steps * sim.dtMs;
  const spikes: PopulationSpikes[] = [];
  const ratesHz: Record<string, number> = {};
  const cv: Record<string, number | null> = {};
  for (const [population, p] of built.populations) {
    if (p.virtual) continue;
    const ids = recorder.ids.get(population)!.view();
    const at = recorder.steps.get(population)!.view();
    spikes.push({
      population,
      nodeIds: ids.slice(),
      timesMs: Float64Array.from(at, (s) => s * sim.dtMs),
    });
    const perNode: number[][] = Array.from({ length: p.nodes.size }, () => []);
    for (let k = 0; k < ids.length; k++) perNode[ids[k]].push(at[k] * sim.dtMs);
    const summarise = (key: string, nodes: ArrayLike<number>) => {
      let count = 0;
      const cvs: number[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const t = perNode[nodes[i]];
        count += t.length;
        if (t.length >= 3) {
          const isi = t.slice(1).map((x, j) => x - t[j]);
          const mean = isi.reduce((a, b) => a + b, 0) / isi.length;
          const sd = Math.sqrt(isi.reduce((a, b) => a + (b - mean) ** 2, 0) / isi.length);
          cvs.push(sd / mean);
        }
      }
      ratesHz[key] = (1000 * count) / (nodes.length * durationMs);
      cv[key] = cvs.length ? cvs.reduce((a, b) => a + b, 0) / cvs.length : null;
    };
    summarise(
      population,
      Int32Array.from({ length: p.nodes.size }, (_, i) => i),
    );
    for (const g of p.groups) summarise(g.group.name, g.nodeIds);
  }
  return { spikes, ratesHz, cv, steps, durationMs };
}

/** Writes spikes as SONATA (`/spikes/<population>/{timestamps, node_ids}`, sorted by time) into a new file. */
export async function writeSpikesH5(path: string, spikes: PopulationSpikes[]): Promise<void> {
  await h5Ready();
  const w = new H5Writer(path);
  try {
    w.signSonata();
    for (const s of spikes) {
      const order = sortedByTime(s);
      const base = `/spikes/${s.population}`;
      w.group(base);
      w.stringAttribute(base, 'sorting', 'by_time');
      w.dataset(`${base}/timestamps`, { values: Float64Array.from(order, (k) => s.timesMs[k]), dtype: '<d' });
      w.stringAttribute(`${base}/timestamps`, 'units', 'ms');
      w.dataset(`${base}/node_ids`, { values: Float64Array.from(order, (k) => s.nodeIds[k]), dtype: '<Q' });
    }
  } finally {
    w.close();
  }
}

function sortedByTime(s: PopulationSpikes): Int32Array {
  return Int32Array.from(s.nodeIds.keys()).sort(
    (a, b) => s.timesMs[a] - s.timesMs[b] || s.nodeIds[a] - s.nodeIds[b],
  );
}

/** The spikes as BMTK's CSV: space-separated `timestamps population node_ids`, sorted by time. */
export function spikesCsv(spikes: PopulationSpikes[]): string {
  const lines = ['timestamps population node_ids'];
  for (const s of spikes)
    for (const k of sortedByTime(s)) lines.push(`${s.timesMs[k]} ${s.population} ${s.nodeIds[k]}`);
  return `${lines.join('\n')}\n`;
}
