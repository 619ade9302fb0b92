import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { DataFormatError } from '../util/errors.js';
import { readIdx } from './idx.js';
import { readCifarBatch, CIFAR10, CIFAR100, CIFAR_PIXELS } from './cifar.js';
import { isGzipFile } from './stream.js';
import { labelCounts } from './dataset.js';

export interface InspectReport {
  file: string;
  format: 'idx' | 'cifar10-binary' | 'cifar100-binary';
  gzip: boolean;
  /** What the file holds, in words. */
  kind: string;
  dims: number[];
  dtype: string;
  magic?: number;
  labelCounts?: number[];
  valueRange?: [number, number];
}

/**
 * Says what an IDX or CIFAR binary file is, or throws a DataFormatError saying exactly why it is invalid.
 * IDX is recognised by its magic; CIFAR (which has no header) by its size and file name.
 */
export async function inspectDataFile(path: string): Promise<InspectReport> {
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch {
    throw new DataFormatError(path, 'file not found');
  }
  if (!stat.isFile()) throw new DataFormatError(path, 'not a regular file');
  const gzip = await isGzipFile(path);
  const name = basename(path);
  const looksCifar = !gzip && /\.bin$/i.test(name);
  if (looksCifar) {
    const variant =
      stat.size % (CIFAR_PIXELS + 2) === 0 && stat.size % (CIFAR_PIXELS + 1) !== 0 ? CIFAR100 : CIFAR10;
    const batch = await readCifarBatch(path, variant);
    return {
      file: path,
      format: variant === CIFAR10 ? 'cifar10-binary' : 'cifar100-binary',
      gzip: false,
      kind: `${batch.count} colour images 3x32x32 with labels`,
      dims: [batch.count, 3, 32, 32],
      dtype: 'uint8',
      labelCounts: labelCounts(batch.labels, variant.numClasses),
    };
  }
  const idx = await readIdx(path);
  let kind = `IDX ${idx.dtype} tensor ${idx.dims.join('x')}`;
  let counts: number[] | undefined;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < idx.data.length; i++) {
    const v = idx.data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (idx.magic === 2051 && idx.dims.length === 3)
    kind = `${idx.dims[0]} greyscale images ${idx.dims[1]}x${idx.dims[2]}`;
  if (idx.magic === 2049 && idx.dims.length === 1) {
    kind = `${idx.dims[0]} labels`;
    if (idx.dtype === 'uint8') counts = labelCounts(idx.data as Uint8Array, max + 1);
  }
  return {
    file: path,
    format: 'idx',
    gzip: idx.gzip,
    kind,
    dims: idx.dims,
    dtype: idx.dtype,
    magic: idx.magic,
    labelCounts: counts,
    valueRange: idx.data.length ? [min, max] : undefined,
  };
}
