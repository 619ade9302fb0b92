import { Sequential } from './model.js';
import { Dense } from './layers/dense.js';
import { Flatten, ReLU } from './layers/activations.js';
import { Conv2D } from './layers/conv.js';
import { GlobalAvgPool, MaxPool2D } from './layers/pool.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Dropout } from './layers/dropout.js';
import { BasicBlock } from './layers/residual.js';
import type { Layer } from './layers/layer.js';
import { sizeOf } from './tensor.js';

/** Flatten, then Dense+ReLU (+Dropout) per hidden width, then a Dense readout. */
export interface MlpSpec {
  type: 'mlp';
  hidden: number[];
  dropout?: number;
}

/**
 * Conv(3x3, padding 1)+ReLU(+BatchNorm)+MaxPool(2) per channel count, then optional Dense hidden layers and a
 * Dense readout. channels [32, 64] is the engine issue's small CNN: conv32-pool-conv64-pool-dense10.
 */
export interface CnnSpec {
  type: 'cnn';
  channels: number[];
  kernelSize?: number;
  hidden?: number[];
  batchNorm?: boolean;
  dropout?: number;
}

/** ResNet-18 for 32x32 inputs (3x3 stem, no stem pooling), channel widths scaled by `widthMultiplier`. */
export interface ResNet18Spec {
  type: 'resnet18';
  widthMultiplier?: number;
}

export type ModelSpec = MlpSpec | CnnSpec | ResNet18Spec;

/** Builds a model for inputs of `inputShape` (no batch dim) and `numClasses` outputs. */
export function buildModel(spec: ModelSpec, inputShape: number[], numClasses: number): Sequential {
  switch (spec.type) {
    case 'mlp':
      return mlp(inputShape, spec.hidden, numClasses, spec.dropout ?? 0);
    case 'cnn':
      return cnn(inputShape, spec, numClasses);
    case 'resnet18':
      return resnet18(inputShape, numClasses, spec.widthMultiplier ?? 1);
  }
}

function denseHead(
  layers: Layer[],
  width: number,
  hidden: number[],
  numClasses: number,
  dropout: number,
  at = 1,
) {
  hidden.forEach((h, i) => {
    layers.push(new Dense(`fc${at + i}`, width, h), new ReLU(`relu_fc${at + i}`));
    if (dropout > 0) layers.push(new Dropout(`dropout_fc${at + i}`, dropout));
    width = h;
  });
  layers.push(new Dense(`fc${at + hidden.length}`, width, numClasses));
}

export function mlp(inputShape: number[], hidden: number[], numClasses: number, dropout = 0): Sequential {
  const layers: Layer[] = [new Flatten('flatten')];
  denseHead(layers, sizeOf(inputShape), hidden, numClasses, dropout);
  return new Sequential(layers, inputShape);
}

export function cnn(inputShape: number[], spec: Omit<CnnSpec, 'type'>, numClasses: number): Sequential {
  const k = spec.kernelSize ?? 3;
  const layers: Layer[] = [];
  let channels = inputShape[0];
  spec.channels.forEach((c, i) => {
    const n = i + 1;
    const padding = Math.floor(k / 2);
    if (spec.batchNorm) {
      layers.push(new Conv2D(`conv${n}`, channels, c, { kernelSize: k, padding }));
      layers.push(new BatchNorm(`bn${n}`, c), new ReLU(`relu${n}`));
    } else {
      // Without batch norm the ReLU directly follows the convolution and is fused into it.
      layers.push(new Conv2D(`conv${n}`, channels, c, { kernelSize: k, padding, activation: 'relu' }));
    }
    layers.push(new MaxPool2D(`pool${n}`, 2));
    channels = c;
  });
  layers.push(new Flatten('flatten'));
  // Validate the convolutional part first so a too-small input is reported by the layer that fails.
  const features = sizeOf(new Sequential(layers, inputShape).outputShape);
  denseHead(layers, features, spec.hidden ?? [], numClasses, spec.dropout ?? 0);
  return new Sequential(layers, inputShape);
}

export function resnet18(inputShape: number[], numClasses: number, widthMultiplier = 1): Sequential {
  if (!(widthMultiplier > 0))
    throw new RangeError(`resnet18: widthMultiplier must be > 0, found ${widthMultiplier}`);
  const width = (c: number) => Math.max(1, Math.round(c * widthMultiplier));
  const stem = width(64);
  const layers: Layer[] = [
    new Conv2D('conv1', inputShape[0], stem, {
      kernelSize: 3,
      padding: 1,
      bias: false,
      init: 'kaiming-normal',
    }),
    new BatchNorm('bn1', stem),
    new ReLU('relu1'),
  ];
  let channels = stem;
  [64, 128, 256, 512].forEach((c, stage) => {
    const out = width(c);
    for (let b = 0; b < 2; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      layers.push(new BasicBlock(`layer${stage + 1}.${b}`, channels, out, stride));
      channels = out;
    }
  });
  layers.push(new GlobalAvgPool('avgpool'), new Dense('fc', channels, numClasses));
  return new Sequential(layers, inputShape);
}
