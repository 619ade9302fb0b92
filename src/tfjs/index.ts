/**
 * TensorFlow.js adapter: the NeuroPlastic optimizers as `tf.Optimizer` subclasses, usable in
 * `model.compile({ optimizer })` with tfjs-layers. tfjs is an optional peer dependency: only this entry point
 * (`neuroplast/tfjs`) imports it. The update is neuroplast's own NeuroPlastic, run on the variables' values,
 * so both APIs give the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { NeuroPlastic, type NeuroPlasticOptions } from '../optim/index.js';
import type { Param } from '../engine/tensor.js';

export type TfjsNeuroPlasticConfig = NeuroPlasticOptions;

export class TfjsNeuroPlastic extends tf.Optimizer {
  static className = 'NeuroPlastic';
  readonly inner: NeuroPlastic;
  private epoch = 0;

  constructor(readonly settings: TfjsNeuroPlasticConfig) {
    super();
    this.inner = new NeuroPlastic(settings);
  }

  /** The warm-up gate counts completed epochs; `epochCallback` keeps this in step with model.fit. */
  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const params: Param[] = [];
    const variables: tf.Variable[] = [];
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`NeuroPlastic (tfjs): no variable named ${name}`);
      params.push({
        name,
        shape: variable.shape,
        value: Float32Array.from(variable.dataSync() as Float32Array),
        grad: Float32Array.from(grad.dataSync() as Float32Array),
      });
      variables.push(variable);
    }
    this.inner.step(params, { epoch: this.epoch });
    tf.tidy(() => params.forEach((p, i) => variables[i].assign(tf.tensor(p.value, variables[i].shape))));
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const { tensors } = this.inner.exportState();
    return [...tensors].map(([name, v]) => ({ name, tensor: tf.tensor1d(v) }));
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const tensors = new Map(
      weights.map((w) => [w.name, Float32Array.from(w.tensor.dataSync() as Float32Array)]),
    );
    this.inner.importState({ scalars: { stepCount: this.iterations_ }, tensors });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.settings } as tf.serialization.ConfigDict;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as unknown as TfjsNeuroPlasticConfig);
  }
}
tf.serialization.registerClass(TfjsNeuroPlastic);

/** A NeuroPlastic optimizer for tfjs (`model.compile({ optimizer: neuroplastic({ lr: 0.1 }) })`). */
export function neuroplastic(config: TfjsNeuroPlasticConfig): TfjsNeuroPlastic {
  return new TfjsNeuroPlastic(config);
}

/** model.fit callbacks that tell the optimizer which epoch it is in (for the warm-up gate). */
export function epochCallback(optimizer: TfjsNeuroPlastic): {
  onEpochBegin: (epoch: number) => Promise<void>;
} {
  return {
    onEpochBegin: async (epoch: number) => optimizer.setEpoch(epoch),
  };
}
