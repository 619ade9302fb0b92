/**
 * Reading a SONATA circuit into a plain description (`SonataCircuit`): node populations with their types and
 * per-node attributes, edge populations with their types and per-edge attributes, every referenced parameter JSON
 * loaded. Everything is checked here, before a network is built: missing files, populations and types that do not
 * resolve, datasets of the wrong shape or type, and indices out of range are refused naming the file, the dataset
 * and the value. No simulator types: `build.ts` turns the description into a network.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataFormatError, isObject } from '../util/errors.js';
import { circuitFiles, readJsonObject, readText, type ResolvedConfig } from './config.js';
import { H5Reader, h5Ready } from './h5.js';

/** A value of a type table's cell: a number when it reads as one, else the text. */
export type TypeValue = string | number;

/** One row of a node or edge type table, with its `dynamics_params` JSON loaded. */
export interface SonataType {
  id: number;
  columns: Record<string, TypeValue>;
  /** The parameters in the type's `dynamics_params` file ({} when it names none). */
  dynamicsParams: Record<string, unknown>;
  /** The file they came from, for messages; null when the type names none. */
  dynamicsFile: string | null;
}

export interface SonataNodes {
  population: string;
  file: string;
  typesFile: string;
  size: number;
  /** Per node, its type's id (a key of `types`). */
  nodeTypeId: Int32Array;
  types: Map<number, SonataType>;
  /** Numeric per-node attributes of the node groups (`x`, `tuning_angle`, `dynamics_params.V_th`); NaN where a
   * node's group lacks it. */
  attributes: Map<string, Float64Array>;
}

export interface SonataEdges {
  population: string;
  file: string;
  typesFile: string;
  /** The node populations the source and target ids refer to. */
  source: string;
  target: string;
  sourceNodeId: Int32Array;
  targetNodeId: Int32Array;
  edgeTypeId: Int32Array;
  types: Map<number, SonataType>;
  /** Numeric per-edge attributes of the edge groups (`nsyns`, `syn_weight`, `delay`); NaN where absent. */
  attributes: Map<string, Float64Array>;
}

export interface SonataCircuit {
  /** The circuit config it was read from. */
  config: string;
  /** The circuit config's entries beyond SONATA's (e.g. what neuroplast wrote for a model to describe itself). */
  extras: Record<string, unknown>;
  nodes: SonataNodes[];
  edges: SonataEdges[];
}

/** Reads a type table (space-separated CSV with a header), loading each row's `dynamics_params` JSON. */
export function readTypes(
  file: string,
  idColumn: 'node_type_id' | 'edge_type_id',
  modelsDir: string | null,
): Map<number, SonataType> {
  const text = readText(file, `${idColumn === 'node_type_id' ? 'node' : 'edge'} type table`);
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: true,
      delimiter: ' ',
      skip_empty_lines: true,
      trim: true,
      quote: '"',
    }) as Record<string, string>[];
  } catch (err) {
    throw new DataFormatError(file, `not a space-separated table with a header (${(err as Error).message})`);
  }
  const types = new Map<number, SonataType>();
  rows.forEach((row, i) => {
    const where = `${file}: line ${i + 2}`;
    const id = Number(row[idColumn]);
    if (row[idColumn] === undefined || !Number.isInteger(id) || id < 0)
      throw new DataFormatError(
        where,
        `${idColumn}: expected a non-negative integer, found ${JSON.stringify(row[idColumn])}`,
      );
    if (types.has(id)) throw new DataFormatError(where, `${idColumn}: ${id} appears twice`);
    const columns: Record<string, TypeValue> = {};
    for (const [k, v] of Object.entries(row))
      columns[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    const name = row.dynamics_params;
    let dynamicsParams: Record<string, unknown> = {};
    let dynamicsFile: string | null = null;
    if (name !== undefined && name !== '' && name.toUpperCase() !== 'NULL' && name.toUpperCase() !== 'NONE') {
      if (!modelsDir)
        throw new DataFormatError(
          where,
          `dynamics_params ${name}: the config names no ${idColumn === 'node_type_id' ? 'point_neuron_models_dir' : 'synaptic_models_dir'} to find it in`,
        );
      dynamicsFile = join(modelsDir, name);
      if (!existsSync(dynamicsFile))
        throw new DataFormatError(where, `dynamics_params: expected a file ${dynamicsFile}, found none`);
      dynamicsParams = readJsonObject(dynamicsFile, 'parameter file');
    }
    types.set(id, { id, columns, dynamicsParams, dynamicsFile });
  });
  if (types.size === 0) throw new DataFormatError(file, 'expected at least one type, found none');
  return types;
}

/** Reads the numeric datasets of a population's groups into per-row attributes (NaN where a row's group lacks one). */
function readGroups(
  h5: H5Reader,
  base: string,
  size: number,
  groupId: Int32Array,
  groupIndex: Int32Array,
  skip: ReadonlySet<string>,
  label: 'node' | 'edge',
): Map<string, Float64Array> {
  const attributes = new Map<string, Float64Array>();
  const groups = h5.keys(base).filter((k) => !skip.has(k) && h5.isGroup(`${base}/${k}`));
  for (const g of groups) {
    const gid = Number(g);
    if (!Number.isInteger(gid)) continue;
    const rows: number[] = [];
    for (let i = 0; i < size; i++) if (groupId[i] === gid) rows.push(i);
    const columns: [string, string][] = [];
    for (const k of h5.keys(`${base}/${g}`)) {
      if (k === 'dynamics_params' && h5.isGroup(`${base}/${g}/${k}`))
        for (const p of h5.keys(`${base}/${g}/${k}`)) columns.push([`${k}.${p}`, `${base}/${g}/${k}/${p}`]);
      else if (!h5.isGroup(`${base}/${g}/${k}`)) columns.push([k, `${base}/${g}/${k}`]);
    }
    for (const [name, path] of columns) {
      if (!h5.isNumeric(path)) continue;
      const shape = h5.shape(path);
      if (shape.length !== 1) continue;
      const values = h5.floats(path);
      const out = attributes.get(name) ?? new Float64Array(size).fill(NaN);
      for (const i of rows) {
        const at = groupIndex[i];
        if (at >= values.length)
          throw new DataFormatError(
            `${h5.path}:${base}/${label}_group_index`,
            `row ${i}: group index ${at} is past the end of ${path} (length ${values.length})`,
          );
        out[i] = values[at];
      }
      attributes.set(name, out);
    }
  }
  return attributes;
}

/** The one population under `/nodes` or `/edges` of a file (SONATA allows several; each becomes its own entry). */
function populationsIn(h5: H5Reader, root: 'nodes' | 'edges'): string[] {
  const names = h5.keys(`/${root}`).filter((k) => h5.isGroup(`/${root}/${k}`));
  if (names.length === 0)
    throw new DataFormatError(h5.path, `expected a population under /${root}, found none`);
  return names;
}

function readNodes(file: string, typesFile: string, modelsDir: string | null): SonataNodes[] {
  const types = readTypes(typesFile, 'node_type_id', modelsDir);
  const h5 = H5Reader.open(file, 'nodes file');
  try {
    h5.checkSonata();
    return populationsIn(h5, 'nodes').map((population) => {
      const base = `/nodes/${population}`;
      const [size] = h5.shape(`${base}/node_type_id`, [null]);
      const nodeTypeId = h5.ints(`${base}/node_type_id`, { length: size, what: 'node_type_id' });
      for (let i = 0; i < size; i++)
        if (!types.has(nodeTypeId[i]))
          throw new DataFormatError(
            `${file}:${base}/node_type_id`,
            `node ${i}: expected a type of ${typesFile} (${[...types.keys()].join(', ')}), found ${nodeTypeId[i]}`,
          );
      if (h5.has(`${base}/node_id`)) {
        const ids = h5.ints(`${base}/node_id`, { length: size, what: 'node_id' });
        for (let i = 0; i < size; i++)
          if (ids[i] !== i)
            throw new DataFormatError(
              `${file}:${base}/node_id`,
              `row ${i}: expected node ids equal to their row (0..${size - 1}), found ${ids[i]}`,
            );
      }
      const hasGroups = h5.has(`${base}/node_group_id`);
      const groupId = hasGroups
        ? h5.ints(`${base}/node_group_id`, { length: size, what: 'node_group_id' })
        : new Int32Array(size);
      const groupIndex = h5.has(`${base}/node_group_index`)
        ? h5.ints(`${base}/node_group_index`, { length: size, what: 'node_group_index' })
        : Int32Array.from({ length: size }, (_, i) => i);
      const attributes = readGroups(h5, base, size, groupId, groupIndex, new Set(), 'node');
      return { population, file, typesFile, size, nodeTypeId, types, attributes };
    });
  } finally {
    h5.close();
  }
}

/** The node population a node-id dataset refers to (its `node_population` attribute). */
function populationOf(h5: H5Reader, path: string, nodes: Map<string, SonataNodes>): SonataNodes {
  const name = h5.stringAttribute(path, 'node_population');
  if (name === undefined)
    throw new DataFormatError(`${h5.path}:${path}`, 'expected an attribute node_population, found none');
  const pop = nodes.get(name);
  if (!pop)
    throw new DataFormatError(
      `${h5.path}:${path}`,
      `node_population: expected one of the circuit's node populations (${[...nodes.keys()].join(', ')}), found ${JSON.stringify(name)}`,
    );
  return pop;
}

/** Checks an index (`indices/source_to_target` or `target_to_source`) where the file has one. */
function checkIndex(h5: H5Reader, base: string, nodeCount: number, edgeCount: number): void {
  if (!h5.has(`${base}/node_id_to_range`)) return;
  h5.shape(`${base}/node_id_to_range`, [nodeCount, 2]);
  const ranges = h5.shape(`${base}/range_to_edge_id`, [null, 2])[0];
  h5.ints(`${base}/node_id_to_range`, { columns: 2, min: 0, max: ranges, what: 'range' });
  h5.ints(`${base}/range_to_edge_id`, { columns: 2, min: 0, max: edgeCount, what: 'edge id' });
}

function readEdges(
  file: string,
  typesFile: string,
  modelsDir: string | null,
  nodes: Map<string, SonataNodes>,
): SonataEdges[] {
  const types = readTypes(typesFile, 'edge_type_id', modelsDir);
  const h5 = H5Reader.open(file, 'edges file');
  try {
    h5.checkSonata();
    return populationsIn(h5, 'edges').map((population) => {
      const base = `/edges/${population}`;
      const [count] = h5.shape(`${base}/edge_type_id`, [null]);
      const source = populationOf(h5, `${base}/source_node_id`, nodes);
      const target = populationOf(h5, `${base}/target_node_id`, nodes);
      const sourceNodeId = h5.ints(`${base}/source_node_id`, {
        length: count,
        max: source.size - 1,
        what: `source node id (population ${source.population} has ${source.size})`,
      });
      const targetNodeId = h5.ints(`${base}/target_node_id`, {
        length: count,
        max: target.size - 1,
        what: `target node id (population ${target.population} has ${target.size})`,
      });
      const edgeTypeId = h5.ints(`${base}/edge_type_id`, { length: count, what: 'edge_type_id' });
      for (let k = 0; k < count; k++)
        if (!types.has(edgeTypeId[k]))
          throw new DataFormatError(
            `${file}:${base}/edge_type_id`,
            `edge ${k}: expected a type of ${typesFile} (${[...types.keys()].join(', ')}), found ${edgeTypeId[k]}`,
          );
      const groupId = h5.has(`${base}/edge_group_id`)
        ? h5.ints(`${base}/edge_group_id`, { length: count, what: 'edge_group_id' })
        : new Int32Array(count);
      const groupIndex = h5.has(`${base}/edge_group_index`)
        ? h5.ints(`${base}/edge_group_index`, { length: count, what: 'edge_group_index' })
        : Int32Array.from({ length: count }, (_, i) => i);
      const attributes = readGroups(h5, base, count, groupId, groupIndex, new Set(['indices']), 'edge');
      checkIndex(h5, `${base}/indices/source_to_target`, source.size, count);
      checkIndex(h5, `${base}/indices/target_to_source`, target.size, count);
      return {
        population,
        file,
        typesFile,
        source: source.population,
        target: target.population,
        sourceNodeId,
        targetNodeId,
        edgeTypeId,
        types,
        attributes,
      };
    });
  } finally {
    h5.close();
  }
}

/** Reads the circuit a config (circuit or simulation) describes. */
export async function readCircuit(config: ResolvedConfig): Promise<SonataCircuit> {
  await h5Ready();
  const files = circuitFiles(config);
  const nodes = new Map<string, SonataNodes>();
  for (const f of files.nodes)
    for (const pop of readNodes(f.nodesFile, f.nodeTypesFile, files.cellModelsDir)) {
      if (nodes.has(pop.population))
        throw new DataFormatError(f.nodesFile, `population ${pop.population} is defined twice`);
      nodes.set(pop.population, pop);
    }
  const edges: SonataEdges[] = [];
  for (const f of files.edges)
    for (const pop of readEdges(f.edgesFile, f.edgeTypesFile, files.synapticModelsDir, nodes)) {
      if (edges.some((e) => e.population === pop.population))
        throw new DataFormatError(f.edgesFile, `edge population ${pop.population} is defined twice`);
      edges.push(pop);
    }
  return { config: files.config, extras: files.extras, nodes: [...nodes.values()], edges };
}

/**
 * An edge's value of a column: the per-edge attribute where the edge has it, else its type's column, else
 * `fallback` (undefined: the value is required, and its absence is an error naming the type table).
 */
export function edgeColumn(edges: SonataEdges, column: string, fallback?: number): Float64Array {
  const out = new Float64Array(edges.edgeTypeId.length);
  const own = edges.attributes.get(column);
  const byType = new Map<number, number>();
  for (const t of edges.types.values()) {
    const v = t.columns[column];
    if (typeof v === 'number') byType.set(t.id, v);
    else if (v !== undefined && v !== 'NULL' && v !== '')
      throw new DataFormatError(
        edges.typesFile,
        `edge type ${t.id}, ${column}: expected a number, found ${JSON.stringify(v)}`,
      );
  }
  for (let k = 0; k < out.length; k++) {
    if (own && !Number.isNaN(own[k]) && !Number.isFinite(own[k]))
      throw new DataFormatError(edges.file, `edge ${k}: ${column} expected a finite number, found ${own[k]}`);
    const v = own && !Number.isNaN(own[k]) ? own[k] : (byType.get(edges.edgeTypeId[k]) ?? fallback);
    if (v === undefined)
      throw new DataFormatError(
        edges.typesFile,
        `edge type ${edges.edgeTypeId[k]}: expected a ${column} (in the type table or per edge in ${edges.file}), found none`,
      );
    out[k] = v;
  }
  return out;
}

/** BMTK's synaptic weight of each edge: syn_weight x nsyns (nsyns 1 where absent). */
export function edgeWeights(edges: SonataEdges): Float64Array {
  const w = edgeColumn(edges, 'syn_weight');
  const n = edgeColumn(edges, 'nsyns', 1);
  for (let k = 0; k < w.length; k++) w[k] *= n[k];
  return w;
}

/** Each edge's delay (ms). */
export function edgeDelays(edges: SonataEdges): Float64Array {
  const d = edgeColumn(edges, 'delay');
  for (let k = 0; k < d.length; k++)
    if (!(d[k] >= 0))
      throw new DataFormatError(edges.file, `edge ${k}: delay expected >= 0 ms, found ${d[k]}`);
  return d;
}

/** Spike trains of one population from a SONATA spikes file. */
export interface SonataSpikes {
  population: string;
  nodeIds: Int32Array;
  timesMs: Float64Array;
}

/** Reads `/spikes/<population>/{node_ids, timestamps}` (times in ms, or in s when `units` says so). */
export async function readSpikes(file: string, population?: string): Promise<SonataSpikes[]> {
  await h5Ready();
  const h5 = H5Reader.open(file, 'spikes file');
  try {
    const names = h5.keys('/spikes').filter((k) => h5.isGroup(`/spikes/${k}`));
    if (names.length === 0) throw new DataFormatError(file, 'expected /spikes/<population>, found none');
    const chosen = population === undefined ? names : names.filter((n) => n === population);
    if (population !== undefined && chosen.length === 0)
      throw new DataFormatError(
        file,
        `expected spikes of population ${population}, found populations ${names.join(', ')}`,
      );
    return chosen.map((pop) => {
      const base = `/spikes/${pop}`;
      const [n] = h5.shape(`${base}/timestamps`, [null]);
      const timesMs = h5.floats(`${base}/timestamps`, { length: n });
      const units = h5.stringAttribute(`${base}/timestamps`, 'units') ?? 'ms';
      if (units !== 'ms' && units !== 's')
        throw new DataFormatError(`${file}:${base}/timestamps`, `units: expected ms or s, found ${units}`);
      if (units === 's') for (let i = 0; i < n; i++) timesMs[i] *= 1000;
      const nodeIds = h5.ints(`${base}/node_ids`, { length: n, what: 'node id' });
      return { population: pop, nodeIds, timesMs };
    });
  } finally {
    h5.close();
  }
}

/** Whether a JSON value is a config (an object with a `run` or `networks`/`network` entry): SONATA, not YAML. */
export function looksLikeSonataConfig(json: unknown): boolean {
  return isObject(json) && ('networks' in json || 'network' in json || 'run' in json);
}
