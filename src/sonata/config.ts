/**
 * SONATA's JSON configs: the manifest's variables, the circuit config (components, node and edge files) and the
 * simulation config (run, inputs, output, the network it runs). Relative paths resolve against the config's folder
 * (BMTK resolves a manifest's "." against the working directory; ours does not depend on where it is run).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { DataFormatError, isObject } from '../util/errors.js';

/** Text files (configs, type tables, parameter JSON) larger than this are refused before reading. */
const MAX_TEXT_BYTES = 64 << 20;

/** Reads a small text file, naming it and `what` it should be when it is absent or too large. */
export function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new DataFormatError(path, `${what} not found`);
  const st = statSync(path);
  if (!st.isFile()) throw new DataFormatError(path, `expected a ${what}, found a directory`);
  if (st.size > MAX_TEXT_BYTES)
    throw new DataFormatError(
      path,
      `expected a ${what} of at most ${MAX_TEXT_BYTES} bytes, found ${st.size}`,
    );
  return readFileSync(path, 'utf8');
}

/** Parses a JSON file into an object, naming the file on a syntax error. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
  const text = readText(path, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(path, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(value))
    throw new DataFormatError(path, `expected a JSON object, found ${JSON.stringify(value)}`);
  return value;
}

/**
 * Substitutes the manifest's variables (`$NAME`, `${NAME}`, nested) and the built-ins `${configdir}`,
 * `${configfname}` and `${workingdir}` into every string of `value`.
 */
function substitute(value: unknown, vars: Map<string, string>, file: string, field: string): unknown {
  if (typeof value === 'string') return expand(value, vars, file, field);
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, vars, file, `${field}[${i}]`));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, vars, file, field ? `${field}.${k}` : k)]),
    );
  return value;
}

function expand(text: string, vars: Map<string, string>, file: string, field: string): string {
  let out = text;
  for (let depth = 0; /\$\{?[A-Za-z_]/.test(out); depth++) {
    if (depth > 32)
      throw new DataFormatError(file, `${field}: manifest variables refer to each other in a cycle`);
    out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
      const name = (braced ?? bare) as string;
      const v = vars.get(name);
      if (v === undefined)
        throw new DataFormatError(
          file,
          `${field}: expected a manifest variable, found $${name} (defined: ${[...vars.keys()].join(', ')})`,
        );
      return v;
    });
  }
  return out;
}

/** A config with its manifest applied, and the folder its relative paths resolve against. */
export interface ResolvedConfig {
  path: string;
  dir: string;
  json: Record<string, unknown>;
}

/** Reads a SONATA config and applies its manifest (the built-ins first, so the manifest may use them). */
export function loadConfig(path: string, what: string): ResolvedConfig {
  const full = resolve(path);
  const raw = readJsonObject(full, what);
  const dir = dirname(full);
  const vars = new Map<string, string>([
    ['configdir', dir],
    ['configfname', basename(full)],
    ['workingdir', process.cwd()],
  ]);
  const manifest = raw.manifest ?? {};
  if (!isObject(manifest))
    throw new DataFormatError(full, `manifest: expected an object, found ${JSON.stringify(manifest)}`);
  const names: string[] = [];
  for (const [key, value] of Object.entries(manifest)) {
    if (typeof value !== 'string')
      throw new DataFormatError(full, `manifest.${key}: expected a string, found ${JSON.stringify(value)}`);
    names.push(key.replace(/^\$/, ''));
    vars.set(names[names.length - 1], value);
  }
  // The manifest's values may use each other; relative paths resolve later, against the config's folder.
  for (const name of names) vars.set(name, expand(vars.get(name)!, vars, full, `manifest.$${name}`));
  const rest = { ...raw };
  delete rest.manifest;
  return { path: full, dir, json: substitute(rest, vars, full, '') as Record<string, unknown> };
}

/** A path from a config, resolved against the config's folder. */
export function configPath(config: ResolvedConfig, value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new DataFormatError(config.path, `${field}: expected a file path, found ${JSON.stringify(value)}`);
  return isAbsolute(value) ? value : resolve(config.dir, value);
}

/** A field of a config that must be an object (or absent, then `{}`). */
export function objectField(
  config: ResolvedConfig,
  obj: Record<string, unknown>,
  field: string,
  path: string,
) {
  const v = obj[field];
  if (v === undefined) return {};
  if (!isObject(v))
    throw new DataFormatError(config.path, `${path}: expected an object, found ${JSON.stringify(v)}`);
  return v;
}

/** The files of a circuit: node and edge populations' files and where parameter JSON files are looked up. */
export interface CircuitFiles {
  config: string;
  /** The circuit config's top-level entries other than SONATA's (`networks`, `components`, ...). */
  extras: Record<string, unknown>;
  nodes: { nodesFile: string; nodeTypesFile: string; field: string }[];
  edges: { edgesFile: string; edgeTypesFile: string; field: string }[];
  /** Folders searched for a `dynamics_params` name: cell models first for nodes, synaptic models for edges. */
  cellModelsDir: string | null;
  synapticModelsDir: string | null;
}

/** The circuit part of a config (a circuit config, or a simulation config whose `network` names one). */
export function circuitFiles(config: ResolvedConfig): CircuitFiles {
  let circuit = config;
  if (config.json.networks === undefined && config.json.network !== undefined)
    circuit = loadConfig(configPath(config, config.json.network, 'network'), 'circuit config');
  const networks = objectField(circuit, circuit.json, 'networks', 'networks');
  // Each config's components resolve against its own folder; the circuit's win.
  const fromSimulation = objectField(config, config.json, 'components', 'components');
  const fromCircuit = objectField(circuit, circuit.json, 'components', 'components');
  const list = (key: 'nodes' | 'edges') => {
    const v = networks[key] ?? [];
    if (!Array.isArray(v))
      throw new DataFormatError(circuit.path, `networks.${key}: expected a list, found ${JSON.stringify(v)}`);
    return v.map((entry, i) => {
      const field = `networks.${key}[${i}]`;
      if (!isObject(entry))
        throw new DataFormatError(
          circuit.path,
          `${field}: expected an object, found ${JSON.stringify(entry)}`,
        );
      return { entry, field };
    });
  };
  const dir = (key: string) =>
    fromCircuit[key] !== undefined
      ? configPath(circuit, fromCircuit[key], `components.${key}`)
      : fromSimulation[key] !== undefined
        ? configPath(config, fromSimulation[key], `components.${key}`)
        : null;
  const nodes = list('nodes').map(({ entry, field }) => ({
    nodesFile: configPath(circuit, entry.nodes_file, `${field}.nodes_file`),
    nodeTypesFile: configPath(circuit, entry.node_types_file, `${field}.node_types_file`),
    field,
  }));
  if (nodes.length === 0)
    throw new DataFormatError(circuit.path, 'networks.nodes: expected at least one node file, found none');
  const known = new Set([
    'networks',
    'components',
    'network',
    'run',
    'inputs',
    'output',
    'reports',
    'node_sets',
    'node_sets_file',
    'target_simulator',
    'conditions',
    'manifest',
  ]);
  return {
    config: circuit.path,
    extras: Object.fromEntries(Object.entries(circuit.json).filter(([k]) => !known.has(k))),
    nodes,
    edges: list('edges').map(({ entry, field }) => ({
      edgesFile: configPath(circuit, entry.edges_file, `${field}.edges_file`),
      edgeTypesFile: configPath(circuit, entry.edge_types_file, `${field}.edge_types_file`),
      field,
    })),
    cellModelsDir: dir('point_neuron_models_dir'),
    synapticModelsDir: dir('synaptic_models_dir'),
  };
}
