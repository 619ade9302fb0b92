import { Sequential } from './model.js';
import { Dense } from './layers/dense.js';
import { Flatten, ReLU } from './layers/activations.js';
import type { Layer } from './layers/layer.js';
import { sizeOf } from './tensor.js';

export interface MlpSpec {
  type: 'mlp';
  hidden: number[];
}

export type ModelSpec = MlpSpec;

/** Builds a model for inputs of `inputShape` (no batch dim) and `numClasses` outputs. */
export function buildModel(spec: ModelSpec, inputShape: number[], numClasses: number): Sequential {
  switch (spec.type) {
    case 'mlp':
      return mlp(inputShape, spec.hidden, numClasses);
  }
}

/** Flatten, then Dense+ReLU per hidden width, then a Dense readout. */
export function mlp(inputShape: number[], hidden: number[], numClasses: number): Sequential {
  const layers: Layer[] = [new Flatten('flatten')];
  let width = sizeOf(inputShape);
  hidden.forEach((h, i) => {
    layers.push(new Dense(`fc${i + 1}`, width, h), new ReLU(`relu${i + 1}`));
    width = h;
  });
  layers.push(new Dense(`fc${hidden.length + 1}`, width, numClasses));
  return new Sequential(layers, inputShape);
}
