import { promises as fsp } from 'node:fs';
import {
  decodeBundle,
  encodeBundle,
  modelState,
  restoreModelState,
  type NamedTensor,
  type Sequential,
} from '../engine/index.js';
import type { Optimizer } from '../optim/index.js';
import { writeFileAtomic } from '../util/fsx.js';
import { DataFormatError, isObject, NeuroplastError } from '../util/errors.js';

/** Model state (parameters and buffers), optimizer state and loop state in one bundle, written atomically. */
export async function saveCheckpoint(
  path: string,
  model: Sequential,
  optimizer: Optimizer,
  loopState: Record<string, unknown>,
  configSha256?: string,
): Promise<void> {
  const tensors = new Map<string, NamedTensor>();
  for (const t of modelState(model)) tensors.set(`model/${t.name}`, { shape: t.shape, data: t.value });
  const opt = optimizer.exportState();
  for (const [k, v] of opt.tensors) tensors.set(`optim/${k}`, { shape: [v.length], data: v });
  const meta = {
    format: 'neuroplast-checkpoint',
    optimizer: { kind: optimizer.kind, scalars: opt.scalars },
    loop: loopState,
    configSha256,
  };
  await writeFileAtomic(path, encodeBundle({ meta, tensors }));
}

/** Restores model and optimizer; returns the loop state and the config hash the checkpoint was written for. */
export async function loadCheckpoint(
  path: string,
  model: Sequential,
  optimizer: Optimizer,
  checkConfig?: (recordedSha256: unknown) => void,
): Promise<Record<string, unknown>> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch {
    throw new NeuroplastError(
      `${path}: no checkpoint to resume from (the run was killed before its first checkpoint)`,
    );
  }
  const bundle = decodeBundle(buf, path);
  if (bundle.meta.format !== 'neuroplast-checkpoint')
    throw new NeuroplastError(`${path}: not a neuroplast checkpoint`);
  const optMeta = bundle.meta.optimizer as { kind: string; scalars: Record<string, number> } | undefined;
  const loop = bundle.meta.loop;
  if (!isObject(optMeta) || typeof optMeta.kind !== 'string' || !isObject(optMeta.scalars))
    throw new DataFormatError(path, 'checkpoint header has no optimizer state');
  if (!isObject(loop)) throw new DataFormatError(path, 'checkpoint header has no loop state');
  checkConfig?.(bundle.meta.configSha256);
  restoreModelState(model, bundle.tensors, path, 'model/');
  if (optMeta.kind !== optimizer.kind) {
    throw new NeuroplastError(
      `${path}: checkpoint optimizer is ${optMeta.kind}, config says ${optimizer.kind}`,
    );
  }
  const optTensors = new Map<string, Float32Array>();
  for (const [k, v] of bundle.tensors) if (k.startsWith('optim/')) optTensors.set(k.slice(6), v.data);
  optimizer.importState({ scalars: optMeta.scalars, tensors: optTensors });
  return loop;
}
