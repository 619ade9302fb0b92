/**
 * A SONATA simulation config as a run: its circuit, time span and step, spike inputs onto virtual populations,
 * and the names of its spike outputs. Inputs other than SONATA spike files are refused naming the input.
 */
import { basename } from 'node:path';
import { DataFormatError, isObject } from '../util/errors.js';
import { configPath, loadConfig, objectField, readJsonObject, type ResolvedConfig } from './config.js';
import { readCircuit, readSpikes, type SonataCircuit, type SonataSpikes } from './read.js';

export interface SonataInput {
  name: string;
  population: string;
  spikes: SonataSpikes;
}

export interface SonataSimulation {
  config: string;
  circuit: SonataCircuit;
  tstartMs: number;
  tstopMs: number;
  dtMs: number;
  inputs: SonataInput[];
  /** File names for the spikes written (relative to the run directory). */
  spikesFile: string;
  spikesCsvFile: string | null;
  /** Sections of the config that neuroplast reads but does not act on (e.g. reports), for the user to see. */
  ignored: string[];
}

function positiveNumber(
  config: ResolvedConfig,
  obj: Record<string, unknown>,
  key: string,
  field: string,
): number {
  const v = obj[key];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    throw new DataFormatError(
      config.path,
      `${field}: expected a positive number (ms), found ${JSON.stringify(v)}`,
    );
  return v;
}

/** The population (and optional node ids) a node set names. */
function resolveNodeSet(
  config: ResolvedConfig,
  value: unknown,
  field: string,
  circuit: SonataCircuit,
): { population: string; nodeIds: number[] | null } {
  let set = value;
  if (typeof value === 'string') {
    const inline = objectField(config, config.json, 'node_sets', 'node_sets');
    const fromFile =
      config.json.node_sets_file !== undefined
        ? readJsonObject(configPath(config, config.json.node_sets_file, 'node_sets_file'), 'node sets file')
        : {};
    const named = inline[value] ?? fromFile[value];
    if (named !== undefined) set = named;
    else if (circuit.nodes.some((n) => n.population === value)) return { population: value, nodeIds: null };
    else
      throw new DataFormatError(
        config.path,
        `${field}: expected a node set or a population (${circuit.nodes.map((n) => n.population).join(', ')}), found ${JSON.stringify(value)}`,
      );
  }
  if (!isObject(set) || typeof set.population !== 'string')
    throw new DataFormatError(
      config.path,
      `${field}: expected a node set with a population, found ${JSON.stringify(set)}`,
    );
  const extra = Object.keys(set).filter((k) => !['population', 'node_id', 'node_ids'].includes(k));
  if (extra.length)
    throw new DataFormatError(
      config.path,
      `${field}: node sets by ${extra.join(', ')} are not supported (population and node_id are)`,
    );
  if (!circuit.nodes.some((n) => n.population === set.population))
    throw new DataFormatError(
      config.path,
      `${field}.population: no such population ${JSON.stringify(set.population)}`,
    );
  const ids = set.node_id ?? set.node_ids;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((i) => !Number.isInteger(i) || i < 0)))
    throw new DataFormatError(
      config.path,
      `${field}.node_id: expected a list of node ids, found ${JSON.stringify(ids)}`,
    );
  return { population: set.population, nodeIds: (ids as number[] | undefined) ?? null };
}

/** Reads a simulation config with its circuit and spike inputs, checking everything before anything runs. */
export async function readSimulation(path: string): Promise<SonataSimulation> {
  const config = loadConfig(path, 'simulation config');
  const run = objectField(config, config.json, 'run', 'run');
  if (config.json.run === undefined)
    throw new DataFormatError(
      config.path,
      'run: expected {tstop, dt}, found nothing (is this a circuit config?)',
    );
  const tstopMs = positiveNumber(config, run, 'tstop', 'run.tstop');
  const dtMs = positiveNumber(config, run, 'dt', 'run.dt');
  const tstartMs = run.tstart === undefined ? 0 : run.tstart;
  if (tstartMs !== 0)
    throw new DataFormatError(
      config.path,
      `run.tstart: expected 0 (a run starts at t = 0), found ${JSON.stringify(run.tstart)}`,
    );
  const circuit = await readCircuit(config);
  const inputs: SonataInput[] = [];
  for (const [name, spec] of Object.entries(objectField(config, config.json, 'inputs', 'inputs'))) {
    const field = `inputs.${name}`;
    if (!isObject(spec))
      throw new DataFormatError(config.path, `${field}: expected an object, found ${JSON.stringify(spec)}`);
    const module = String(spec.module ?? '');
    if (spec.input_type !== 'spikes' || !['sonata', 'h5', 'hdf5'].includes(module))
      throw new DataFormatError(
        config.path,
        `${field}: expected input_type spikes with module sonata or h5, found input_type ${JSON.stringify(spec.input_type)}, module ${JSON.stringify(spec.module)} (not supported)`,
      );
    const set = resolveNodeSet(config, spec.node_set, `${field}.node_set`, circuit);
    const nodes = circuit.nodes.find((n) => n.population === set.population)!;
    const virtual = [...nodes.types.values()].every((t) => t.columns.model_type === 'virtual');
    if (!virtual)
      throw new DataFormatError(
        config.path,
        `${field}.node_set: spikes drive virtual populations only, found ${set.population} with non-virtual types`,
      );
    const file = configPath(config, spec.input_file, `${field}.input_file`);
    const [spikes] = await readSpikes(file, set.population);
    for (let k = 0; k < spikes.nodeIds.length; k++) {
      if (spikes.nodeIds[k] >= nodes.size)
        throw new DataFormatError(
          `${file}:/spikes/${set.population}/node_ids`,
          `spike ${k}: expected a node id below ${nodes.size} (the population's size), found ${spikes.nodeIds[k]}`,
        );
      if (!(spikes.timesMs[k] >= 0))
        throw new DataFormatError(
          `${file}:/spikes/${set.population}/timestamps`,
          `spike ${k}: expected a time >= 0 ms, found ${spikes.timesMs[k]}`,
        );
    }
    if (set.nodeIds) {
      const keep = new Set(set.nodeIds);
      const idx = [...spikes.nodeIds.keys()].filter((k) => keep.has(spikes.nodeIds[k]));
      spikes.nodeIds = Int32Array.from(idx, (k) => spikes.nodeIds[k]);
      spikes.timesMs = Float64Array.from(idx, (k) => spikes.timesMs[k]);
    }
    inputs.push({ name, population: set.population, spikes });
  }
  const output = objectField(config, config.json, 'output', 'output');
  const fileName = (key: string, fallback: string | null) => {
    const v = output[key] ?? fallback;
    if (v === null) return null;
    if (typeof v !== 'string' || basename(v) === '')
      throw new DataFormatError(
        config.path,
        `output.${key}: expected a file name, found ${JSON.stringify(v)}`,
      );
    // Written into the run directory whatever folder the config names (its output_dir is the run's --out).
    return basename(v);
  };
  const ignored = ['reports', 'conditions'].filter((k) => config.json[k] !== undefined);
  return {
    config: config.path,
    circuit,
    tstartMs,
    tstopMs,
    dtMs,
    inputs,
    spikesFile: fileName('spikes_file', 'spikes.h5')!,
    spikesCsvFile: fileName('spikes_file_csv', null),
    ignored,
  };
}
