import { ConfigError, NeuroplastError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import type { ModulatorSource, PlasticityRule } from './types.js';

/**
 * A description of a rule or a modulator as a file names it: `{ kind: 'pair-stdp', aPlus: 0.01, ... }`. The kind's
 * constructor validates the values; the registry rejects fields the kind does not take.
 */
export type KindDescription = { kind: string } & Record<string, unknown>;

/** A plasticity rule that network descriptions (experiment files, models, evolved genomes) can name. */
export interface PlasticityRuleKind {
  readonly kind: string;
  readonly description: string;
  /** Every parameter a description may give (the rest of the description is an error naming the field). */
  readonly parameters: readonly string[];
  create(params: Record<string, unknown>): PlasticityRule;
}

/** A modulatory signal source that descriptions can name (its `name` is the signal it provides). */
export interface ModulatorKind {
  readonly kind: string;
  readonly description: string;
  readonly parameters: readonly string[];
  create(params: Record<string, unknown>): ModulatorSource;
}

const RULES = new Registry<PlasticityRuleKind>('plasticity rule');
const MODULATORS = new Registry<ModulatorKind>('modulator');

export function registerPlasticityRule(kind: PlasticityRuleKind): void {
  RULES.register(kind.kind, kind);
}

export function registerModulatorKind(kind: ModulatorKind): void {
  MODULATORS.register(kind.kind, kind);
}

export const plasticityRuleKinds = (): string[] => RULES.names();
export const modulatorKinds = (): string[] => MODULATORS.names();

function build<T>(
  registry: Registry<{ parameters: readonly string[]; create(p: Record<string, unknown>): T }>,
  description: unknown,
  where: string,
): T {
  if (description === null || typeof description !== 'object' || Array.isArray(description))
    throw new ConfigError(where, `expected a mapping with a kind, found ${JSON.stringify(description)}`);
  const { kind, ...params } = description as Record<string, unknown>;
  const entry = registry.get(kind, `${where}.kind`);
  const unknown = Object.keys(params).filter((k) => !entry.parameters.includes(k));
  if (unknown.length)
    throw new ConfigError(
      where,
      `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} for ${String(kind)} (takes ${entry.parameters.join(', ')})`,
    );
  try {
    return entry.create(params);
  } catch (err) {
    // The constructors name the parameter; prefix where the description is.
    if (err instanceof NeuroplastError) throw new ConfigError(where, err.message);
    throw err;
  }
}

/** Builds a registered plasticity rule from its description; errors are one line naming `where` and the field. */
export function createPlasticityRule(description: unknown, where = 'plasticity'): PlasticityRule {
  return build(RULES, description, where);
}

/** Builds a registered modulator source from its description. */
export function createModulator(description: unknown, where = 'modulator'): ModulatorSource {
  return build(MODULATORS, description, where);
}

/**
 * The parameter names of a parameter interface, checked complete at compile time: a name missing from the list, or
 * one the interface lacks, does not compile.
 */
export const parameterNames =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(
    ...names: K & ([keyof T] extends [K[number]] ? unknown : never)
  ) =>
    names;
