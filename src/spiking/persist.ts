/**
 * Saving and loading a whole spiking `Network` (Brian2's store/restore, BindsNET's network.save / load_network):
 * groups with all their state, projections (CSR arrays, rewiring version), spikes in flight in the delay buffers,
 * plasticity rules and modulators (descriptions and state), and the built-in monitors' recordings. A loaded network
 * continues bit for bit as the saved one would have. The directory format is saved-state.ts's.
 */
import { checkBudget, modelBudget, MODEL_BYTES } from '../util/budget.js';
import { ConfigError, DataFormatError, NeuroplastError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import { Network, setNetworkPersistence, type Connection, type NetworkLoadOptions } from './network.js';
import {
  AdaptiveLifGroup,
  Glif3Group,
  GlifPscGroup,
  IafPscDeltaGroup,
  IzhikevichGroup,
  LifGroup,
  type AdaptiveLifParameters,
  type Glif3Parameters,
  type GlifPscParameters,
  type IafPscDeltaParameters,
  type IzhikevichParameters,
  type LifParameters,
} from './neurons/index.js';
import { PoissonGroup, SparsePoissonGroup, SpikeSourceArray } from './inputs.js';
import { FunctionModulator } from './modulators.js';
import { PopulationRateMonitor, SpikeMonitor, StateMonitor, WeightMonitor } from './monitors.js';
import './builtin-kinds.js';
import { createModulator, createPlasticityRule, parameterNames, type KindDescription } from './registries.js';
import {
  fieldOf,
  isPlainState,
  readStateDir,
  requireSavable,
  savedSpikes,
  stateArray,
  stateList,
  stateNumber,
  stateObject,
  stateString,
  writeStateDir,
  type SavedState,
  type StateFormat,
  type StateValue,
} from './saved-state.js';
import { Subgroup, isPopulation, receptorsOf, resolveNeurons } from './subgroup.js';
import type { NoiseSpec } from './noise.js';
import type { CellType, ModulatorSource, PlasticityRule, SpikeSource } from './types.js';

/** The manifest's format name and the version this code writes and reads. */
export const NETWORK_FORMAT: StateFormat = {
  format: 'neuroplast-network',
  formatVersion: 1,
  what: 'saved network',
};

const className = (x: unknown) => (x as { constructor?: { name?: string } })?.constructor?.name || typeof x;

// ---- groups: a table of kinds, each saving one class ----

/**
 * How one class of group is saved and rebuilt. A group is saved by the kind whose `type` is exactly its class;
 * `create` builds an empty one from `describe`'s description (which holds kind, name and size) and `load` puts the
 * saved state into it.
 */
export interface GroupKind<G extends SpikeSource = SpikeSource> {
  readonly kind: string;
  readonly type: abstract new (...args: never[]) => G;
  describe(group: G): KindDescription;
  create(description: SavedState, dtMs: number, where: string): G;
  save(group: G): SavedState;
  load(group: G, state: SavedState, where: string): void;
}

const GROUPS = new Registry<GroupKind>('group kind');

/** Makes a group class savable by networks (the built-in ones are registered below). */
export function registerGroupKind<G extends SpikeSource>(kind: GroupKind<G>): void {
  GROUPS.register(kind.kind, kind as unknown as GroupKind);
}

export const groupKinds = (): string[] => GROUPS.names();

/** A description's parameters: a mapping of finite numbers with only the given names (and the given strings). */
function numbers<T>(
  value: StateValue | undefined,
  where: string,
  names: readonly string[],
  strings: Record<string, readonly string[]> = {},
): T {
  if (!isPlainState(value))
    throw new DataFormatError(where, `expected a mapping of parameters, found ${JSON.stringify(value)}`);
  for (const [k, v] of Object.entries(value)) {
    if (k in strings) {
      if (typeof v !== 'string' || !strings[k].includes(v))
        throw new DataFormatError(
          `${where}.${k}`,
          `expected one of ${strings[k].join(', ')}, found ${JSON.stringify(v)}`,
        );
    } else if (!names.includes(k))
      throw new DataFormatError(`${where}.${k}`, `unknown parameter (expected ${names.join(', ')})`);
    else if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DataFormatError(`${where}.${k}`, `expected a finite number, found ${JSON.stringify(v)}`);
  }
  return value as unknown as T;
}

/** Runs a constructor on saved values: its one-line errors are prefixed with where the values are. */
function building<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof NeuroplastError) throw new DataFormatError(where, err.message);
    throw err;
  }
}

const nameAndSize = (d: SavedState, where: string) => ({
  name: stateString(d, 'name', where),
  size: stateNumber(d, 'size', where, 'count'),
});

const membrane = ['cmPf', 'gLeakNs', 'eLeakMv', 'vThreshMv', 'vResetMv', 'refractoryMs'] as const;
const lifNames = parameterNames<LifParameters>()(
  ...membrane,
  'synapse',
  'tauExcMs',
  'tauInhMs',
  'eExcMv',
  'eInhMv',
  'biasCurrentPa',
  'integrator',
);
const adaptiveNames = parameterNames<AdaptiveLifParameters>()(
  ...membrane,
  'tauSynMs',
  'aNs',
  'bPa',
  'tauAdaptMs',
  'deltaThetaMv',
  'tauThetaMs',
);

const glif3Names = parameterNames<Glif3Parameters>()(
  ...membrane,
  'ascAmpsPa',
  'ascDecayPerMs',
  'ascRetention',
  'tauExcMs',
  'tauInhMs',
  'biasCurrentPa',
);
const glif3Pairs: readonly string[] = ['ascAmpsPa', 'ascDecayPerMs', 'ascRetention'];

/** GLIF3 parameters: the after-spike fields are pairs of finite numbers, the others as `numbers` checks them. */
function glif3Parameters(value: StateValue | undefined, where: string): Glif3Parameters {
  if (!isPlainState(value))
    throw new DataFormatError(where, `expected a mapping of parameters, found ${JSON.stringify(value)}`);
  const scalars: SavedState = {};
  for (const [k, v] of Object.entries(value)) {
    if (!glif3Pairs.includes(k)) scalars[k] = v;
    else if (!(
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ))
      throw new DataFormatError(
        `${where}.${k}`,
        `expected a pair of finite numbers, found ${JSON.stringify(v)}`,
      );
  }
  numbers(scalars, where, glif3Names);
  return value as unknown as Glif3Parameters;
}

const glifPscNames = parameterNames<GlifPscParameters>()(
  ...membrane,
  'ascAmpsPa',
  'ascDecayPerMs',
  'ascRetention',
  'biasCurrentPa',
  'vInitMv',
  'receptors',
);
const glifPscLists: readonly string[] = ['ascAmpsPa', 'ascDecayPerMs', 'ascRetention'];

/**
 * glif_psc parameters: the after-spike fields lists of finite numbers, `receptors` a list of { name, tauMs,
 * transmitter }, the others as `numbers` checks them (the constructor then checks lengths, names and values).
 */
function glifPscParameters(value: StateValue | undefined, where: string): GlifPscParameters {
  if (!isPlainState(value))
    throw new DataFormatError(where, `expected a mapping of parameters, found ${JSON.stringify(value)}`);
  const scalars: SavedState = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'receptors') {
      if (!Array.isArray(v))
        throw new DataFormatError(
          `${where}.receptors`,
          `expected a list of receptors, found ${JSON.stringify(v)}`,
        );
      v.forEach((r, i) => {
        const at = `${where}.receptors.${i}`;
        if (!isPlainState(r))
          throw new DataFormatError(at, `expected { name, tauMs, transmitter }, found ${JSON.stringify(r)}`);
        const { name, ...rest } = r;
        if (typeof name !== 'string')
          throw new DataFormatError(`${at}.name`, `expected a receptor name, found ${JSON.stringify(name)}`);
        numbers(rest, at, ['tauMs'], { transmitter: ['excitatory', 'inhibitory'] });
      });
    } else if (!glifPscLists.includes(k)) scalars[k] = v;
    else if (!(Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))))
      throw new DataFormatError(
        `${where}.${k}`,
        `expected a list of finite numbers, found ${JSON.stringify(v)}`,
      );
  }
  numbers(scalars, where, glifPscNames);
  return value as unknown as GlifPscParameters;
}

const iafPscDeltaNames = parameterNames<IafPscDeltaParameters>()(...membrane, 'biasCurrentPa', 'vInitMv');

/** A saved cell type (null or absent: none). */
function savedCellType(d: SavedState, where: string): CellType | undefined {
  if (d.cellType === null || d.cellType === undefined) return undefined;
  const c = stateObject(d, 'cellType', where);
  const transmitter = stateString(c, 'transmitter', `${where}.cellType`);
  if (transmitter !== 'excitatory' && transmitter !== 'inhibitory')
    throw new DataFormatError(
      `${where}.cellType.transmitter`,
      `expected excitatory or inhibitory, found ${JSON.stringify(transmitter)}`,
    );
  return { name: stateString(c, 'name', `${where}.cellType`), transmitter };
}

/** LifGroup is read through its public fields (its file is not this part's). */
registerGroupKind<LifGroup>({
  kind: 'lif',
  type: LifGroup,
  describe: (g) => ({
    kind: 'lif',
    name: g.name,
    size: g.size,
    params: { ...g.params },
    cellType: g.cellType ? { name: g.cellType.name, transmitter: g.cellType.transmitter } : null,
  }),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = numbers<LifParameters>(d.params, `${where}.params`, lifNames, {
      synapse: ['current', 'conductance'],
      integrator: ['exponential-euler', 'exact'],
    });
    const cellType = savedCellType(d, where);
    return building(where, () => new LifGroup(name, size, params, dtMs, cellType));
  },
  save: (g) => ({
    v: g.v,
    exc: g.exc,
    inh: g.inh,
    inputPa: g.inputPa,
    refractory: g.refractory,
    spikes: g.spikes,
  }),
  load(g, state, where) {
    for (const k of ['v', 'exc', 'inh', 'inputPa'] as const)
      g[k].set(stateArray(state, k, 'float32', g.size, where, 'the group size'));
    g.refractory.set(stateArray(state, 'refractory', 'int32', g.size, where, 'the group size'));
    g.spikes = Int32Array.from(savedSpikes(state, where, g.size, g.size));
  },
});

registerGroupKind<AdaptiveLifGroup>({
  kind: 'adaptive-lif',
  type: AdaptiveLifGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = numbers<AdaptiveLifParameters>(d.params, `${where}.params`, adaptiveNames);
    return building(where, () => new AdaptiveLifGroup(name, size, params, dtMs));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<IzhikevichGroup>({
  kind: 'izhikevich',
  type: IzhikevichGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = numbers<IzhikevichParameters>(d.params, `${where}.params`, ['a', 'b', 'c', 'd']);
    const tauSynMs = stateNumber(d, 'tauSynMs', where);
    return building(where, () => new IzhikevichGroup(name, size, params, dtMs, tauSynMs));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<Glif3Group>({
  kind: 'glif3',
  type: Glif3Group,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = glif3Parameters(d.params, `${where}.params`);
    const cellType = savedCellType(d, where);
    return building(where, () => new Glif3Group(name, size, params, dtMs, cellType));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<GlifPscGroup>({
  kind: 'glif-psc',
  type: GlifPscGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = glifPscParameters(d.params, `${where}.params`);
    const cellType = savedCellType(d, where);
    return building(where, () => new GlifPscGroup(name, size, params, dtMs, cellType));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<IafPscDeltaGroup>({
  kind: 'iaf-psc-delta',
  type: IafPscDeltaGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const params = numbers<IafPscDeltaParameters>(d.params, `${where}.params`, iafPscDeltaNames);
    const cellType = savedCellType(d, where);
    return building(where, () => new IafPscDeltaGroup(name, size, params, dtMs, cellType));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<PoissonGroup>({
  kind: 'poisson',
  type: PoissonGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    // Rates and the generator are state: loaded next.
    return building(where, () => new PoissonGroup(name, size, 0, dtMs, 0));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<SpikeSourceArray>({
  kind: 'spike-source',
  type: SpikeSourceArray,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    return building(where, () => new SpikeSourceArray(name, size, [], [], dtMs));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

registerGroupKind<SparsePoissonGroup>({
  kind: 'sparse-poisson',
  type: SparsePoissonGroup,
  describe: (g) => g.describe(),
  create(d, dtMs, where) {
    const { name, size } = nameAndSize(d, where);
    const rateHz = stateNumber(d, 'rateHz', where);
    return building(where, () => new SparsePoissonGroup(name, size, rateHz, dtMs, 0));
  },
  save: (g) => g.saveState(),
  load: (g, state, where) => g.loadState(state, where),
});

function saveGroup(g: SpikeSource, where: string): SavedState {
  const entry = GROUPS.values().find((k) => g.constructor === k.type);
  if (!entry)
    throw new ConfigError(
      where,
      `${className(g)} cannot be saved: register a group kind for its class with registerGroupKind({ kind, type, describe, create, save, load }) (saved kinds: ${groupKinds().join(', ')})`,
    );
  const description = entry.describe(g);
  if (description.kind !== entry.kind)
    throw new ConfigError(
      where,
      `describes itself as kind ${JSON.stringify(description.kind)}, registered as ${entry.kind}`,
    );
  return { description: description as SavedState, state: entry.save(g) };
}

/**
 * What a group costs per neuron beyond its saved arrays, at most (state and spike buffers, rule traces), for the
 * budget check made before a group is built: a manifest cannot make loading allocate more than the model budget.
 */
const BYTES_PER_NEURON = 64;

function loadGroup(net: Network, saved: StateValue, where: string, neurons: { count: number }): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a group), found ${JSON.stringify(saved)}`);
  const description = stateObject(saved, 'description', where);
  const entry = GROUPS.get(description.kind, `${where}.description.kind`);
  neurons.count += stateNumber(description, 'size', `${where}.description`, 'count');
  checkBudget(
    where,
    `the groups so far have ${neurons.count} neurons, which need about`,
    neurons.count * BYTES_PER_NEURON,
    MODEL_BYTES,
    modelBudget(),
  );
  const group = entry.create(description, net.dtMs, `${where}.description`);
  building(where, () => net.add(group));
  entry.load(group, stateObject(saved, 'state', where), `${where}.state`);
}

// ---- rules and modulators: their registries' descriptions, and their state ----

/** Fails unless `rebuilt` (built from `original`'s description) is of the same classes, chained rules included. */
function sameClasses(
  original: unknown,
  rebuilt: unknown,
  where: string,
  registry: string,
  register: string,
): void {
  if ((original as object).constructor !== (rebuilt as object).constructor)
    throw new ConfigError(
      where,
      `${className(original)} describes itself as kind ${JSON.stringify((rebuilt as { kind?: string }).kind)}, which ${registry} builds as ${className(rebuilt)}: it must implement its own describe(), saveState() and loadState(state, where), with its kind registered by ${register}`,
    );
  const a = (original as { rules?: unknown }).rules;
  const b = (rebuilt as { rules?: unknown }).rules;
  if (Array.isArray(a) && Array.isArray(b))
    a.forEach((r, i) => sameClasses(r, b[i], `${where}.rules.${i}`, registry, register));
}

/** A rule's or a source's description and state, checked at save to build the same classes at load. */
function saveDescribed(
  part: unknown,
  where: string,
  registry: string,
  register: string,
  create: (d: KindDescription, where: string) => unknown,
): SavedState {
  try {
    const s = requireSavable(part, where, registry);
    const description = s.describe();
    let rebuilt: unknown;
    try {
      rebuilt = create(description, 'its description');
    } catch (err) {
      if (!(err instanceof NeuroplastError)) throw err;
      throw new ConfigError(
        where,
        `${className(part)} cannot be saved: ${registry} refuses its description (${err.message})`,
      );
    }
    sameClasses(part, rebuilt, where, registry, register);
    return { description: description as SavedState, state: s.saveState() };
  } catch (err) {
    // A chain names its own rules (rule-chain.rules.1): prefix the projection.
    if (err instanceof ConfigError && !err.message.startsWith(where))
      throw new ConfigError(where, err.message);
    throw err;
  }
}

const saveRule = (rule: PlasticityRule, where: string) =>
  saveDescribed(rule, where, 'createPlasticityRule', 'registerPlasticityRule', createPlasticityRule);

function saveModulator(m: ModulatorSource, where: string): SavedState {
  // Its function is JavaScript: saved by name, supplied again at load.
  if (m instanceof FunctionModulator && m.constructor === FunctionModulator)
    return { description: m.describe() as SavedState, state: m.saveState() };
  return saveDescribed(m, where, 'createModulator', 'registerModulatorKind', createModulator);
}

/**
 * The functions of the network's `FunctionModulator`s, by signal name: JavaScript is not saved, so each
 * function-driven signal must be supplied again (`{ functions: { dopamine: (tMs, step) => ... } }`).
 */
export type LoadNetworkOptions = NetworkLoadOptions;

function loadModulator(net: Network, saved: StateValue, where: string, options: LoadNetworkOptions): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a modulator), found ${JSON.stringify(saved)}`);
  const description = stateObject(saved, 'description', where);
  const state = stateObject(saved, 'state', where);
  let source: ModulatorSource;
  if (description.kind === 'function') {
    const name = stateString(description, 'name', `${where}.description`);
    const fn = options.functions?.[name];
    if (typeof fn !== 'function')
      throw new ConfigError(
        where,
        `modulator "${name}" is a FunctionModulator, whose JavaScript function is not saved: pass it as loadNetwork(dir, { functions: { ${JSON.stringify(name)}: (tMs, step) => ... } })`,
      );
    source = new FunctionModulator(name, fn);
  } else source = createModulator(description, `${where}.description`);
  building(where, () => net.modulator(source));
  requireSavable(source, where, 'createModulator').loadState(state, `${where}.state`);
}

// ---- projections and spikes in flight ----

function saveProjection(net: Network, c: Connection, where: string): SavedState {
  const { projection: p, source, target, plasticity } = c;
  for (const [role, g] of [
    ['source', source],
    ['target', target],
  ] as const)
    if (!net.groups.includes(g) && !net.subgroups.includes(g as Subgroup))
      throw new ConfigError(
        `${where}.${role}`,
        `group "${g.name}" is not in the network (add it with net.add)`,
      );
  return {
    name: p.name,
    source: source.name,
    target: target.name,
    receptor: p.options.receptor,
    seed: p.options.seed,
    recurrent: p.options.recurrent ?? source === target,
    version: p.version,
    maxDelaySteps: p.maxDelaySteps,
    rowStart: p.rowStart,
    post: p.post,
    weight: p.weight,
    delaySteps: p.delaySteps,
    plasticity: plasticity ? saveRule(plasticity, `${where}.plasticity`) : null,
  };
}

/** A group or subgroup of `net` by name. */
function groupNamed(net: Network, name: string, where: string): SpikeSource {
  const all = [...net.groups, ...net.subgroups];
  const g = all.find((x) => x.name === name);
  if (!g)
    throw new DataFormatError(
      where,
      `expected the name of a saved group or subgroup (${all.map((x) => x.name).join(', ')}), found ${JSON.stringify(name)}`,
    );
  return g;
}

/** Where a connection's spikes land: the population holding its target (a subgroup's parent). */
const deliversTo = (c: Connection) => resolveNeurons(c.target).group;

// ---- subgroups and noise ----

function saveSubgroup(s: Subgroup): SavedState {
  return { name: s.name, parent: s.parent.name, indices: s.indices };
}

function loadSubgroup(net: Network, saved: StateValue, where: string): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a subgroup), found ${JSON.stringify(saved)}`);
  const parent = groupNamed(net, stateString(saved, 'parent', where), `${where}.parent`);
  const indices = stateArray(saved, 'indices', 'int32', null, where);
  building(where, () => net.subgroup(parent, indices, stateString(saved, 'name', where)));
}

function saveNoise(net: Network): SavedState[] {
  return net.noiseSources.map((n) => ({
    target: n.target.name,
    description: { ...n.description } as SavedState,
    state: n.saveState(),
  }));
}

function loadNoise(net: Network, saved: StateValue, where: string): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a noise source), found ${JSON.stringify(saved)}`);
  const target = groupNamed(net, stateString(saved, 'target', where), `${where}.target`);
  const description = stateObject(saved, 'description', where) as unknown as NoiseSpec;
  const source = building(where, () => net.noise(target, description));
  source.loadState(stateObject(saved, 'state', where), `${where}.state`);
}

function loadProjection(net: Network, saved: StateValue, where: string): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a projection), found ${JSON.stringify(saved)}`);
  const name = stateString(saved, 'name', where);
  const source = groupNamed(net, stateString(saved, 'source', where), `${where}.source`);
  const target = groupNamed(net, stateString(saved, 'target', where), `${where}.target`);
  const receptor = stateString(saved, 'receptor', where);
  const { group } = resolveNeurons(target);
  const receptors = isPopulation(group) ? receptorsOf(group).map((r) => r.name) : STANDARD_RECEPTORS;
  if (!receptors.includes(receptor))
    throw new DataFormatError(
      `${where}.receptor`,
      `expected a receptor of ${target.name} (${receptors.join(', ')}), found ${JSON.stringify(receptor)}`,
    );
  const seed = stateNumber(saved, 'seed', where, 'count');
  if (seed > 0xffffffff) throw new DataFormatError(`${where}.seed`, `expected a 32-bit seed, found ${seed}`);
  const recurrent = saved.recurrent;
  if (typeof recurrent !== 'boolean')
    throw new DataFormatError(
      `${where}.recurrent`,
      `expected true or false, found ${JSON.stringify(recurrent)}`,
    );
  const version = stateNumber(saved, 'version', where, 'count');
  const rowStart = stateArray(
    saved,
    'rowStart',
    'int32',
    source.size + 1,
    where,
    `the source size ${source.size} + 1`,
  );
  const post = stateArray(saved, 'post', 'int32', null, where);
  const n = post.length;
  for (let i = 0; i <= source.size; i++) {
    const ok =
      i === 0 ? rowStart[0] === 0 : rowStart[i] >= rowStart[i - 1] && (i < source.size || rowStart[i] === n);
    if (!ok)
      throw new DataFormatError(
        `${where}.rowStart[${i}]`,
        `expected row offsets rising from 0 to ${n} (the synapse count), found ${rowStart[i]}${i > 0 ? ` after ${rowStart[i - 1]}` : ''}`,
      );
  }
  const weight = stateArray(saved, 'weight', 'float32', n, where, 'the synapse count');
  const delaySteps = stateArray(saved, 'delaySteps', 'uint16', n, where, 'the synapse count');
  const maxDelaySteps = stateNumber(saved, 'maxDelaySteps', where, 'count');
  const longest = delaySteps.reduce((m, d) => (d > m ? d : m), 0);
  if (maxDelaySteps < longest || maxDelaySteps > 65535)
    throw new DataFormatError(
      `${where}.maxDelaySteps`,
      `expected a buffer of ${longest} to 65535 steps (the longest delay saved is ${longest}), found ${maxDelaySteps}`,
    );
  let rule: PlasticityRule | undefined;
  let ruleState: SavedState | undefined;
  if (saved.plasticity !== null) {
    const plasticity = stateObject(saved, 'plasticity', where);
    rule = createPlasticityRule(
      stateObject(plasticity, 'description', `${where}.plasticity`),
      `${where}.plasticity.description`,
    );
    ruleState = stateObject(plasticity, 'state', `${where}.plasticity`);
  }
  const pre = new Int32Array(n);
  for (let i = 0; i < source.size; i++) pre.fill(i, rowStart[i], rowStart[i + 1]);
  // A list connector keeps the synapses in the order given, within each row: the CSR arrays come out as saved.
  const p = building(where, () =>
    net.connect(source, target, {
      name,
      connector: { kind: 'list', pre, post },
      weight: 0,
      receptor,
      seed,
      recurrent,
      plasticity: rule,
    }),
  );
  for (let k = 0; k <= source.size; k++)
    if (p.rowStart[k] !== rowStart[k])
      throw new Error(`${where}: the list connector did not keep the saved order (rowStart[${k}])`);
  for (let k = 0; k < n; k++)
    if (p.post[k] !== post[k])
      throw new Error(`${where}: the list connector did not keep the saved order (post[${k}])`);
  p.weight.set(weight);
  p.delaySteps.set(delaySteps);
  p.maxDelaySteps = maxDelaySteps;
  p.version = version;
  if (rule)
    requireSavable(rule, `${where}.plasticity`, 'createPlasticityRule').loadState(
      ruleState!,
      `${where}.plasticity.state`,
    );
}

const STANDARD_RECEPTORS: readonly string[] = ['exc', 'inh'];

/**
 * The spikes in flight: the delay buffer of every population that a projection with delays targets, one ring per
 * receptor: `exc` and `inh` as fields of their own (the format of networks with only those), the others by name
 * under `receptors`.
 */
function saveDelayBuffers(net: Network): SavedState[] {
  return net.groups.filter(isPopulation).flatMap((g) => {
    if (!net.connections.some((c) => deliversTo(c) === g && c.projection.maxDelaySteps > 0)) return [];
    const b = net.delayBuffer(g);
    const saved: SavedState = { target: g.name, slots: b.slots };
    const extra: SavedState = {};
    for (const { name } of receptorsOf(g))
      (STANDARD_RECEPTORS.includes(name) ? saved : extra)[name] = b.inputs[name];
    if (Object.keys(extra).length) saved.receptors = extra;
    return [saved];
  });
}

function loadDelayBuffer(net: Network, saved: StateValue, where: string): void {
  if (!isPlainState(saved))
    throw new DataFormatError(where, `expected a mapping (a delay buffer), found ${JSON.stringify(saved)}`);
  const target = groupNamed(net, stateString(saved, 'target', where), `${where}.target`);
  if (!isPopulation(target))
    throw new DataFormatError(
      `${where}.target`,
      `expected a neuron population, found the input group "${target.name}"`,
    );
  const expected =
    1 +
    Math.max(
      0,
      ...net.connections.filter((c) => deliversTo(c) === target).map((c) => c.projection.maxDelaySteps),
    );
  const slots = stateNumber(saved, 'slots', where, 'count');
  if (slots !== expected)
    throw new DataFormatError(
      `${where}.slots`,
      `expected ${expected} (1 + the longest delay of its projections), found ${slots}`,
    );
  // Checked before the network allocates the buffer: it is then no larger than the arrays read.
  const of = `${slots} slots x ${target.size} neurons`;
  const names = receptorsOf(target).map((r) => r.name);
  const extra = saved.receptors === undefined ? {} : stateObject(saved, 'receptors', where);
  for (const name of [...STANDARD_RECEPTORS.filter((k) => saved[k] !== undefined), ...Object.keys(extra)])
    if (!names.includes(name))
      throw new DataFormatError(
        `${where}.${STANDARD_RECEPTORS.includes(name) ? '' : 'receptors.'}${name}`,
        `expected the rings of the receptors of "${target.name}" (${names.join(', ')}), found one for ${JSON.stringify(name)}`,
      );
  const rings = names.map((name) =>
    STANDARD_RECEPTORS.includes(name)
      ? stateArray(saved, name, 'float32', slots * target.size, where, of)
      : stateArray(extra, name, 'float32', slots * target.size, `${where}.receptors`, of),
  );
  const b = net.delayBuffer(target);
  names.forEach((name, k) => b.inputs[name].set(rings[k]));
}

/** Every population receiving delayed spikes has its buffer saved (a save always writes it). */
function checkDelayBuffers(net: Network, saved: StateValue[], where: string): void {
  for (const g of net.groups.filter(isPopulation))
    if (
      net.connections.some((c) => deliversTo(c) === g && c.projection.maxDelaySteps > 0) &&
      !saved.some((b) => isPlainState(b) && b.target === g.name)
    )
      throw new DataFormatError(
        where,
        `expected the delay buffer of "${g.name}" (its projections have delays), found none`,
      );
}

// ---- monitors (kept apart: the monitor classes are changing) ----

/** Flattens sampled rows (one Float32Array each) into one array. */
function flatRows(rows: readonly Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, k) => out.set(r, k * width));
  return out;
}

/**
 * The built-in monitors' configuration and recordings, in the order they were added: spike times and indices, the
 * population rate's bins and its partial bin, sampled state and weights with their times. Another class of
 * monitor is refused, naming it.
 */
export function saveMonitors(net: Network): SavedState[] {
  return net.monitors.map((m, i): SavedState => {
    const where = `monitors.${i}`;
    const groupName = (g: SpikeSource) => {
      if (!net.groups.includes(g) && !net.subgroups.includes(g as Subgroup))
        throw new ConfigError(
          where,
          `${className(m)} watches group "${g.name}", which is not in the network`,
        );
      return g.name;
    };
    switch (m.constructor) {
      case SpikeMonitor: {
        const s = m as SpikeMonitor;
        return {
          kind: 'spikes',
          groups: s.groups.map(groupName),
          label: s.label,
          startMs: s.startMs,
          endMs: s.endMs,
          times: Float64Array.from(s.times),
          indices: Int32Array.from(s.indices),
        };
      }
      case PopulationRateMonitor: {
        const r = m as PopulationRateMonitor;
        return {
          kind: 'rate',
          groups: r.groups.map(groupName),
          label: r.label,
          binMs: r.binMs,
          ratesHz: Float64Array.from(r.ratesHz),
          count: r.pendingSpikes,
          steps: r.pendingSteps,
        };
      }
      case StateMonitor: {
        const s = m as StateMonitor;
        return {
          kind: 'state',
          group: groupName(s.group),
          label: s.label,
          variable: s.variable,
          neurons: Int32Array.from(s.neurons),
          everySteps: s.everySteps,
          timesMs: Float64Array.from(s.timesMs),
          values: flatRows(s.values, s.neurons.length),
        };
      }
      case WeightMonitor: {
        const w = m as WeightMonitor;
        const projection = net.connections.findIndex((c) => c.projection === w.projection);
        if (projection < 0)
          throw new ConfigError(
            where,
            `WeightMonitor samples projection "${w.projection.name}", which is not in the network`,
          );
        return {
          kind: 'weights',
          projection,
          label: w.label,
          synapses: Int32Array.from(w.synapses.flat()),
          everySteps: w.everySteps,
          timesMs: Float64Array.from(w.timesMs),
          values: flatRows(w.values, w.synapses.length),
        };
      }
      default:
        throw new ConfigError(
          where,
          `${className(m)} cannot be saved (saved monitors: SpikeMonitor, PopulationRateMonitor, StateMonitor, WeightMonitor)`,
        );
    }
  });
}

/** Adds the monitors `saveMonitors` saved to `net`, with their recordings. */
export function loadMonitors(net: Network, saved: StateValue[], where: string): void {
  saved.forEach((s, i) => {
    const at = `${where}.${i}`;
    if (!isPlainState(s))
      throw new DataFormatError(at, `expected a mapping (a monitor), found ${JSON.stringify(s)}`);
    const kind = stateString(s, 'kind', at);
    const sampled = (m: StateMonitor | WeightMonitor, width: number) => {
      const times = stateArray(s, 'timesMs', 'float64', null, at);
      const values = stateArray(
        s,
        'values',
        'float32',
        times.length * width,
        at,
        `${times.length} samples x ${width}`,
      );
      for (let k = 0; k < times.length; k++) {
        m.timesMs.push(times[k]);
        m.values.push(values.slice(k * width, (k + 1) * width));
      }
    };
    const everySteps = () => {
      const n = stateNumber(s, 'everySteps', at, 'count');
      if (n < 1) throw new DataFormatError(`${at}.everySteps`, `expected a positive count, found ${n}`);
      return n;
    };
    const groups = () =>
      stateList(s, 'groups', at).map((g, k) => {
        if (typeof g !== 'string')
          throw new DataFormatError(`${at}.groups.${k}`, `expected a group name, found ${JSON.stringify(g)}`);
        return groupNamed(net, g, `${at}.groups.${k}`);
      });
    const label = (m: { label: string }) => {
      m.label = stateString(s, 'label', at);
    };
    if (kind === 'spikes') {
      const m = building(at, () => net.monitorSpikes(groups()));
      label(m);
      m.startMs = stateNumber(s, 'startMs', at, 'any');
      m.endMs = stateNumber(s, 'endMs', at, 'any');
      const times = stateArray(s, 'times', 'float64', null, at);
      const indices = stateArray(s, 'indices', 'int32', times.length, at, 'one per spike time');
      for (let k = 0; k < times.length; k++) {
        m.times.push(times[k]);
        m.indices.push(indices[k]);
      }
    } else if (kind === 'rate') {
      const m = building(at, () => net.monitorRate(groups(), stateNumber(s, 'binMs', at)));
      label(m);
      for (const r of stateArray(s, 'ratesHz', 'float64', null, at)) m.ratesHz.push(r);
      m.pendingSpikes = stateNumber(s, 'count', at, 'count');
      m.pendingSteps = stateNumber(s, 'steps', at, 'count');
    } else if (kind === 'state') {
      const group = groupNamed(net, stateString(s, 'group', at), `${at}.group`);
      const neurons = Array.from(stateArray(s, 'neurons', 'int32', null, at));
      const variable = stateString(s, 'variable', at);
      const m = building(at, () => net.monitorState(group, variable as never, neurons, everySteps()));
      label(m);
      sampled(m, neurons.length);
    } else if (kind === 'weights') {
      const index = stateNumber(s, 'projection', at, 'count');
      const c = net.connections[index];
      if (!c)
        throw new DataFormatError(
          `${at}.projection`,
          `expected a projection index below ${net.connections.length}, found ${index}`,
        );
      const flat = stateArray(s, 'synapses', 'int32', null, at);
      if (flat.length % 2)
        throw new DataFormatError(
          `${at}.synapses`,
          `expected (pre, post) pairs, found ${flat.length} values`,
        );
      const pairs = Array.from({ length: flat.length / 2 }, (_, k): [number, number] => [
        flat[2 * k],
        flat[2 * k + 1],
      ]);
      const m = building(at, () => net.monitorWeights(c.projection, pairs, everySteps()));
      label(m);
      sampled(m, pairs.length);
    } else
      throw new DataFormatError(
        `${at}.kind`,
        `expected spikes, rate, state or weights, found ${JSON.stringify(kind)}`,
      );
  });
}

// ---- the network ----

/**
 * Saves `net` into directory `dir`: `network.json` (format, version, dt, step count, groups, projections, rules,
 * modulators, monitors) and one SHA-256-checked binary file of arrays, written atomically (saved-state.ts's
 * `writeStateDir`: a new directory appears complete or not at all; an earlier save there is replaced with its
 * manifest last; a directory holding anything else is refused). The state is captured when this is called. A part
 * that cannot be saved is refused before anything is written, in one line naming it and what it must implement.
 */
export async function saveNetwork(net: Network, dir: string): Promise<void> {
  await writeStateDir(dir, NETWORK_FORMAT, networkContent(net));
}

function networkContent(net: Network): Record<string, unknown> {
  const ruleOf = new Map<PlasticityRule, number>();
  net.connections.forEach(({ plasticity: r, projection }, i) => {
    if (!r) return;
    const first = ruleOf.get(r);
    if (first !== undefined)
      throw new ConfigError(
        `projections.${i} ("${projection.name}").plasticity`,
        `is the rule object of projections.${first} too: a saved network cannot keep one rule on two projections (give each its own)`,
      );
    ruleOf.set(r, i);
  });
  return {
    dtMs: net.dtMs,
    stepCount: net.stepCount,
    learning: net.learning,
    maxRateHz: net.maxRateHz,
    runawayWindowMs: net.runawayWindowMs,
    groups: net.groups.map((g, i) => saveGroup(g, `groups.${i} ("${g.name}")`)),
    subgroups: net.subgroups.map(saveSubgroup),
    noise: saveNoise(net),
    modulators: net.modulators.map((m, i) => saveModulator(m, `modulators.${i} ("${m.name}")`)),
    projections: net.connections.map((c, i) =>
      saveProjection(net, c, `projections.${i} ("${c.projection.name}")`),
    ),
    delayBuffers: saveDelayBuffers(net),
    monitors: saveMonitors(net),
  };
}

/**
 * Loads a network saved by `saveNetwork`; it continues exactly as the saved one would have. Refused in one line
 * naming the file, the field, what was expected and what was found: another format or format version, a missing
 * or damaged file, a manifest that does not parse, a kind this version does not know, arrays whose length
 * disagrees with the sizes, a function-driven modulator whose function `options.functions` does not supply.
 */
export async function loadNetwork(dir: string, options: LoadNetworkOptions = {}): Promise<Network> {
  const { file, manifest: m } = await readStateDir(dir, NETWORK_FORMAT);
  const top = `${file}:`;
  const dtMs = stateNumber(m, 'dtMs', top);
  const net = building(top, () => new Network(dtMs));
  const maxRateHz = stateNumber(m, 'maxRateHz', top, 'any');
  if (!(maxRateHz > 0))
    throw new DataFormatError(fieldOf(top, 'maxRateHz'), `expected a positive rate, found ${maxRateHz}`);
  net.maxRateHz = maxRateHz;
  const stepCount = stateNumber(m, 'stepCount', top, 'count');
  const neurons = { count: 0 };
  stateList(m, 'groups', top).forEach((g, i) => loadGroup(net, g, fieldOf(top, `groups.${i}`), neurons));
  net.runawayWindowMs = stateNumber(m, 'runawayWindowMs', top);
  stateList(m, 'subgroups', top).forEach((s, i) => loadSubgroup(net, s, fieldOf(top, `subgroups.${i}`)));
  stateList(m, 'noise', top).forEach((s, i) => loadNoise(net, s, fieldOf(top, `noise.${i}`)));
  stateList(m, 'modulators', top).forEach((s, i) =>
    loadModulator(net, s, fieldOf(top, `modulators.${i}`), options),
  );
  stateList(m, 'projections', top).forEach((p, i) =>
    loadProjection(net, p, fieldOf(top, `projections.${i}`)),
  );
  const buffers = stateList(m, 'delayBuffers', top);
  buffers.forEach((b, i) => loadDelayBuffer(net, b, fieldOf(top, `delayBuffers.${i}`)));
  checkDelayBuffers(net, buffers, fieldOf(top, 'delayBuffers'));
  loadMonitors(net, stateList(m, 'monitors', top), fieldOf(top, 'monitors'));
  net.stepCount = stepCount;
  // Saved before the flag existed: learning was always on.
  if (m.learning !== undefined) {
    if (typeof m.learning !== 'boolean')
      throw new DataFormatError(
        fieldOf(top, 'learning'),
        `expected true or false, found ${JSON.stringify(m.learning)}`,
      );
    net.learning = m.learning;
  }
  return net;
}

/** What `Network.save` / `Network.load` call (network.ts cannot import this module: it imports network.ts). */
export const networkPersistence = { save: saveNetwork, load: loadNetwork };
setNetworkPersistence(networkPersistence);
