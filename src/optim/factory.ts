import { Adam, AdamW } from './adam.js';
import { SGD } from './sgd.js';
import type { Optimizer } from './optimizer.js';
import { NeuroPlastic, type NeuroPlasticOptions } from './neuroplastic.js';

export type OptimizerSpec =
  | {
      name: 'sgd';
      lr: number;
      momentum?: number;
      dampening?: number;
      nesterov?: boolean;
      weightDecay?: number;
    }
  | { name: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { name: 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | ({ name: 'neuroplastic' } & NeuroPlasticOptions);

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.name) {
    case 'sgd':
      return new SGD(spec);
    case 'adam':
      return new Adam(spec);
    case 'adamw':
      return new AdamW(spec);
    case 'neuroplastic':
      return new NeuroPlastic(withoutName(spec));
  }
}

function withoutName<T extends { name: string }>(spec: T): Omit<T, 'name'> {
  const copy: Partial<T> = { ...spec };
  delete copy.name;
  return copy as Omit<T, 'name'>;
}
