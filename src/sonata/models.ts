/**
 * NEST point-neuron models as the Allen Institute's SONATA examples name them, translated to neuroplast groups'
 * parameters: `glif_psc` (LIF_ASC with one alpha receptor per `tau_syn` entry), `iaf_psc_alpha` and
 * `iaf_psc_delta`. Parameter names, units and defaults are NEST's (mV, pF, nS, ms, pA, 1/ms). Any other model, a
 * GLIF variant with spike- or voltage-dependent threshold, or a parameter NEST's model does not have is refused
 * naming the file.
 */
import { DataFormatError } from '../util/errors.js';
import type { LifMembraneParameters } from '../spiking/index.js';
import type { SonataType } from './read.js';

export const SUPPORTED_MODELS = [
  'glif_psc',
  'iaf_psc_alpha',
  'iaf_psc_delta',
  'iaf_psc_exp',
  'iaf_cond_exp',
] as const;
export type SupportedModel = (typeof SUPPORTED_MODELS)[number];

/** What every model has: the LIF membrane (neuroplast's names and units), its initial potential and bias. */
export interface NestMembrane extends LifMembraneParameters {
  vInitMv: number;
  biasCurrentPa: number;
}

/** The membrane and after-spike parameters of a glif_psc or iaf_psc_alpha cell, with its receptors' taus. */
export interface AlphaCellParameters extends NestMembrane {
  model: 'glif_psc' | 'iaf_psc_alpha';
  ascAmpsPa: number[];
  ascDecayPerMs: number[];
  ascRetention: number[];
  /**
   * glif_psc: the alpha time constant of receptor port p at index p - 1. iaf_psc_alpha: [tau_syn_ex, tau_syn_in],
   * chosen by the weight's sign (its only port is 0).
   */
  tauSynMs: number[];
}

export interface DeltaCellParameters extends NestMembrane {
  model: 'iaf_psc_delta';
}

/** iaf_psc_exp (current synapses, pA) and iaf_cond_exp (conductance synapses, nS): exponentially decaying. */
export interface ExpCellParameters extends NestMembrane {
  model: 'iaf_psc_exp' | 'iaf_cond_exp';
  tauSynExMs: number;
  tauSynInMs: number;
  /** iaf_cond_exp's reversal potentials. */
  eExMv?: number;
  eInMv?: number;
}

export type CellParameters = AlphaCellParameters | DeltaCellParameters | ExpCellParameters;

/** The parameter names each model takes (NEST's), beyond which a file is refused. */
const KNOWN: Record<SupportedModel, readonly string[]> = {
  glif_psc: [
    'V_m',
    'V_th',
    'g',
    'E_L',
    'C_m',
    't_ref',
    'V_reset',
    'I_e',
    'asc_init',
    'asc_decay',
    'asc_amps',
    'asc_r',
    'tau_syn',
    'spike_dependent_threshold',
    'after_spike_currents',
    'adapting_threshold',
    'th_spike_add',
    'th_spike_decay',
    'voltage_reset_fraction',
    'voltage_reset_add',
    'th_voltage_index',
    'th_voltage_decay',
  ],
  iaf_psc_alpha: [
    'V_m',
    'E_L',
    'C_m',
    'tau_m',
    't_ref',
    'V_th',
    'V_reset',
    'tau_syn_ex',
    'tau_syn_in',
    'I_e',
    'V_min',
  ],
  iaf_psc_delta: [
    'V_m',
    'E_L',
    'C_m',
    'tau_m',
    't_ref',
    'V_th',
    'V_reset',
    'I_e',
    'V_min',
    'refractory_input',
  ],
  iaf_psc_exp: ['V_m', 'E_L', 'C_m', 'tau_m', 't_ref', 'V_th', 'V_reset', 'tau_syn_ex', 'tau_syn_in', 'I_e'],
  iaf_cond_exp: [
    'V_m',
    'E_L',
    'C_m',
    't_ref',
    'V_th',
    'V_reset',
    'E_ex',
    'E_in',
    'g_L',
    'tau_syn_ex',
    'tau_syn_in',
    'I_e',
  ],
};

/** NEST's defaults for what a file may leave out. */
const IAF_DEFAULTS = { V_m: -70, E_L: -70, C_m: 250, tau_m: 10, t_ref: 2, V_th: -55, V_reset: -70, I_e: 0 };

/** The model a type names (`nest:glif_psc` -> `glif_psc`), refused unless neuroplast has it. */
export function supportedModel(type: SonataType, typesFile: string): SupportedModel {
  const where = `${typesFile}: node type ${type.id}`;
  const modelType = type.columns.model_type;
  if (modelType !== 'point_neuron' && modelType !== 'point_process')
    throw new DataFormatError(
      where,
      `model_type: expected point_neuron or virtual (neuroplast simulates point neurons), found ${JSON.stringify(modelType)}`,
    );
  const template = String(type.columns.model_template ?? '');
  const model = template.replace(/^nest:/, '');
  if (!(SUPPORTED_MODELS as readonly string[]).includes(model))
    throw new DataFormatError(
      where,
      `model_template: expected one of ${SUPPORTED_MODELS.map((m) => `nest:${m}`).join(', ')}, found ${JSON.stringify(template)}`,
    );
  return model as SupportedModel;
}

/** Reads NEST parameters of a type's `dynamics_params` file, refusing what the model does not take. */
export function cellParameters(type: SonataType, typesFile: string): CellParameters {
  const model = supportedModel(type, typesFile);
  const file = type.dynamicsFile ?? `${typesFile}: node type ${type.id}`;
  const p = type.dynamicsParams;
  const unknown = Object.keys(p).filter((k) => !KNOWN[model].includes(k));
  if (unknown.length)
    throw new DataFormatError(
      file,
      `${unknown.join(', ')}: not a parameter of NEST's ${model} (takes ${KNOWN[model].join(', ')})`,
    );
  const num = (key: string, fallback?: number): number => {
    const v = p[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DataFormatError(file, `${key}: expected a number, found ${JSON.stringify(p[key])}`);
    return v;
  };
  const list = (key: string, fallback?: number[]): number[] => {
    const v = p[key] ?? fallback;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      throw new DataFormatError(file, `${key}: expected a list of numbers, found ${JSON.stringify(p[key])}`);
    return v as number[];
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = p[key] ?? fallback;
    if (typeof v !== 'boolean')
      throw new DataFormatError(file, `${key}: expected true or false, found ${JSON.stringify(v)}`);
    return v;
  };
  if (model === 'glif_psc') {
    for (const [key, what] of [
      ['spike_dependent_threshold', 'GLIF2/4/5 (a spike-dependent threshold)'],
      ['adapting_threshold', 'GLIF5 (a voltage-dependent threshold)'],
    ] as const)
      if (flag(key, false))
        throw new DataFormatError(
          file,
          `${key}: true selects ${what}, which neuroplast does not model (LIF and LIF_ASC only)`,
        );
    const asc = flag('after_spike_currents', false);
    const amps = asc ? list('asc_amps') : [];
    const decay = asc ? list('asc_decay') : [];
    const retention = asc
      ? list(
          'asc_r',
          amps.map(() => 1),
        )
      : [];
    const init = asc
      ? list(
          'asc_init',
          amps.map(() => 0),
        )
      : [];
    if (decay.length !== amps.length || retention.length !== amps.length || init.length !== amps.length)
      throw new DataFormatError(
        file,
        `asc_decay, asc_r, asc_init: expected ${amps.length} values each, as asc_amps`,
      );
    // NEST refuses these (BadProperty); so does the import, naming the file.
    if (decay.some((k) => !(k > 0)))
      throw new DataFormatError(file, `asc_decay: expected rates > 0 (1/ms), found ${JSON.stringify(decay)}`);
    if (retention.some((r) => !(r >= 0 && r <= 1)))
      throw new DataFormatError(
        file,
        `asc_r: expected fractions in [0, 1], found ${JSON.stringify(retention)}`,
      );
    if (init.some((v) => v !== 0))
      throw new DataFormatError(
        file,
        `asc_init: expected zeros (initial after-spike currents), found ${JSON.stringify(init)}`,
      );
    // The membrane is required: these files come from fits, and NEST's defaults would hide a missing value.
    const eLeakMv = num('E_L');
    if (!(num('t_ref') > 0))
      throw new DataFormatError(file, `t_ref: expected > 0 ms, found ${JSON.stringify(p.t_ref)}`);
    const tauSyn = list('tau_syn', [2]);
    if (tauSyn.length === 0 || tauSyn.some((t) => !(t > 0)))
      throw new DataFormatError(
        file,
        `tau_syn: expected positive time constants, found ${JSON.stringify(tauSyn)}`,
      );
    return {
      model,
      cmPf: num('C_m'),
      gLeakNs: num('g'),
      eLeakMv,
      vThreshMv: num('V_th'),
      vResetMv: num('V_reset'),
      refractoryMs: num('t_ref'),
      // NEST keeps V_m at its default (-78.85 mV) when a file sets E_L only.
      vInitMv: num('V_m', -78.85),
      biasCurrentPa: num('I_e', 0),
      ascAmpsPa: amps,
      ascDecayPerMs: decay,
      ascRetention: retention,
      tauSynMs: tauSyn,
    };
  }
  if (model === 'iaf_cond_exp') {
    // NEST's defaults for iaf_cond_exp.
    const cmPf = num('C_m', 250);
    return {
      model,
      cmPf,
      gLeakNs: num('g_L', 16.6667),
      eLeakMv: num('E_L', -70),
      vThreshMv: num('V_th', -55),
      vResetMv: num('V_reset', -60),
      refractoryMs: num('t_ref', 2),
      vInitMv: num('V_m', -70),
      biasCurrentPa: num('I_e', 0),
      tauSynExMs: num('tau_syn_ex', 0.2),
      tauSynInMs: num('tau_syn_in', 2),
      eExMv: num('E_ex', 0),
      eInMv: num('E_in', -85),
    };
  }
  if (p.V_min !== undefined && Number.isFinite(p.V_min))
    throw new DataFormatError(
      file,
      `V_min: a lower bound on V is not modelled, found ${JSON.stringify(p.V_min)}`,
    );
  const cmPf = num('C_m', IAF_DEFAULTS.C_m);
  const membrane = {
    cmPf,
    gLeakNs: cmPf / num('tau_m', IAF_DEFAULTS.tau_m),
    eLeakMv: num('E_L', IAF_DEFAULTS.E_L),
    vThreshMv: num('V_th', IAF_DEFAULTS.V_th),
    vResetMv: num('V_reset', IAF_DEFAULTS.V_reset),
    refractoryMs: num('t_ref', IAF_DEFAULTS.t_ref),
    // NEST keeps V_m's default (-70 mV) when a file changes E_L only.
    vInitMv: num('V_m', IAF_DEFAULTS.V_m),
    biasCurrentPa: num('I_e', IAF_DEFAULTS.I_e),
  };
  if (model === 'iaf_psc_exp')
    return { model, ...membrane, tauSynExMs: num('tau_syn_ex', 2), tauSynInMs: num('tau_syn_in', 2) };
  if (model === 'iaf_psc_delta') {
    if (flag('refractory_input', false))
      throw new DataFormatError(
        file,
        'refractory_input: true (input kept through refractoriness) is not modelled',
      );
    return { model, ...membrane };
  }
  return {
    model,
    ...membrane,
    ascAmpsPa: [],
    ascDecayPerMs: [],
    ascRetention: [],
    tauSynMs: [num('tau_syn_ex', 2), num('tau_syn_in', 2)],
  };
}

/** The synapse model and receptor port an edge type names; refused unless static, with a weight BMTK's default computes. */
export function edgeTypeSynapse(type: SonataType, typesFile: string): { receptorPort: number } {
  const where = `${typesFile}: edge type ${type.id}`;
  const template = String(type.columns.model_template ?? 'static_synapse').replace(/^nest:/, '');
  if (template !== 'static_synapse')
    throw new DataFormatError(
      where,
      `model_template: expected static_synapse (plastic NEST synapses are not imported), found ${JSON.stringify(type.columns.model_template)}`,
    );
  const fn = type.columns.weight_function;
  if (
    fn !== undefined &&
    fn !== '' &&
    fn !== 'NULL' &&
    !['default_weight_fnc', 'set_syn_weight', 'wmax'].includes(String(fn))
  )
    throw new DataFormatError(
      where,
      `weight_function: expected default_weight_fnc, set_syn_weight or wmax (syn_weight x nsyns), found ${JSON.stringify(fn)} (a user function neuroplast cannot evaluate)`,
    );
  const p = type.dynamicsParams;
  const unknown = Object.keys(p).filter((k) => k !== 'receptor_type');
  if (unknown.length)
    throw new DataFormatError(
      type.dynamicsFile ?? where,
      `${unknown.join(', ')}: not a parameter of a static synapse (takes receptor_type)`,
    );
  const port = p.receptor_type ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0)
    throw new DataFormatError(
      type.dynamicsFile ?? where,
      `receptor_type: expected a non-negative integer, found ${JSON.stringify(port)}`,
    );
  return { receptorPort: port };
}
