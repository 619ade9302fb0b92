import { promises as fsp } from 'node:fs';
import { Sequential } from './model.js';
import { Dense } from './layers/dense.js';
import { Flatten, ReLU } from './layers/activations.js';
import { Conv2D, type Conv2DOptions } from './layers/conv.js';
import { AvgPool2D, GlobalAvgPool, MaxPool2D } from './layers/pool.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Dropout } from './layers/dropout.js';
import { BasicBlock } from './layers/residual.js';
import type { Buffer, Layer } from './layers/layer.js';
import { decodeBundle, encodeBundle, type NamedTensor } from './serialize.js';
import { DataFormatError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';

/** Everything a model's outputs depend on: parameters, then buffers (running statistics, generator states). */
export function modelState(model: Sequential): Buffer[] {
  return [...model.params(), ...model.buffers()];
}

/** Copies saved tensors (named `${prefix}${name}`) into the model, checking that every one is present and sized. */
export function restoreModelState(
  model: Sequential,
  tensors: Map<string, NamedTensor>,
  file: string,
  prefix = '',
): void {
  for (const t of modelState(model)) {
    const saved = tensors.get(prefix + t.name);
    if (!saved) throw new DataFormatError(file, `missing tensor ${t.name}`);
    if (saved.data.length !== t.value.length)
      throw new DataFormatError(
        file,
        `tensor ${t.name} has ${saved.data.length} values, the model expects ${t.value.length}`,
      );
    t.value.set(saved.data);
  }
}

type LayerConfig = Record<string, unknown> & { kind: string; name: string };

function num(cfg: LayerConfig, key: string, file: string): number {
  const v = cfg[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new DataFormatError(
      file,
      `layer ${cfg.name} (${cfg.kind}): field ${key} must be a number, found ${JSON.stringify(v)}`,
    );
  return v;
}

/** Rebuilds a layer from the description its `config()` produced. */
export function layerFromConfig(cfg: LayerConfig, file = 'model'): Layer {
  const n = (key: string) => num(cfg, key, file);
  switch (cfg.kind) {
    case 'dense':
      return new Dense(cfg.name, n('inFeatures'), n('outFeatures'), cfg.bias !== false);
    case 'relu':
      return new ReLU(cfg.name);
    case 'flatten':
      return new Flatten(cfg.name);
    case 'conv2d':
      return new Conv2D(cfg.name, n('inChannels'), n('outChannels'), {
        kernelSize: n('kernelSize'),
        stride: n('stride'),
        padding: n('padding'),
        bias: cfg.bias !== false,
        init: cfg.init as Conv2DOptions['init'],
        activation: cfg.activation as Conv2DOptions['activation'],
      });
    case 'maxpool2d':
      return new MaxPool2D(cfg.name, n('kernelSize'), n('stride'), n('padding'));
    case 'avgpool2d':
      return new AvgPool2D(cfg.name, n('kernelSize'), n('stride'), n('padding'));
    case 'global-avgpool':
      return new GlobalAvgPool(cfg.name);
    case 'batchnorm':
      return new BatchNorm(cfg.name, n('channels'), { momentum: n('momentum'), eps: n('eps') });
    case 'dropout':
      return new Dropout(cfg.name, n('p'));
    case 'basic-block':
      return new BasicBlock(cfg.name, n('inChannels'), n('outChannels'), n('stride'));
    default:
      throw new DataFormatError(file, `unknown layer kind ${JSON.stringify(cfg.kind)} in layer ${cfg.name}`);
  }
}

/** A saved model: its layer descriptions and input shape in the header, its state as float32 tensors. */
export function encodeModel(model: Sequential, meta: Record<string, unknown> = {}): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const t of modelState(model)) tensors.set(t.name, { shape: t.shape, data: t.value });
  return encodeBundle({
    meta: { ...meta, format: 'neuroplast-model', layers: model.describe(), inputShape: model.inputShape },
    tensors,
  });
}

export function decodeModel(
  buf: Uint8Array,
  file: string,
): { model: Sequential; meta: Record<string, unknown> } {
  const bundle = decodeBundle(buf, file);
  const { meta } = bundle;
  if (meta.format !== 'neuroplast-model')
    throw new DataFormatError(file, `not a neuroplast model (format ${JSON.stringify(meta.format)})`);
  if (!Array.isArray(meta.layers) || !Array.isArray(meta.inputShape))
    throw new DataFormatError(file, 'model header lacks layers or inputShape');
  const layers = (meta.layers as LayerConfig[]).map((c) => layerFromConfig(c, file));
  let model: Sequential;
  try {
    model = new Sequential(layers, meta.inputShape as number[]);
  } catch (e) {
    throw new DataFormatError(file, `inconsistent model description: ${(e as Error).message}`);
  }
  restoreModelState(model, bundle.tensors, file);
  return { model, meta };
}

/** Saves a model atomically (temp file, then rename). */
export async function saveModel(
  path: string,
  model: Sequential,
  meta: Record<string, unknown> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeModel(model, meta));
}

/** Loads a model saved by `saveModel` (or a run's model.nptb), ready for inference or further training. */
export async function loadModel(path: string): Promise<{ model: Sequential; meta: Record<string, unknown> }> {
  let buf: Uint8Array;
  try {
    buf = await fsp.readFile(path);
  } catch (e) {
    throw new DataFormatError(path, `cannot read model (${(e as NodeJS.ErrnoException).code})`);
  }
  return decodeModel(buf, path);
}
