import { basename } from 'node:path';
import { readIdx } from './idx.js';
import { readCifarBatch, CIFAR10, CIFAR100, CIFAR_PIXELS } from './cifar.js';
import { probeDataFile, type ReadLimits } from './stream.js';
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
 * Says what an IDX or CIFAR binary file is, or throws a NeuroplastError saying in one line exactly why it is invalid
 * or unreadable. IDX is recognised by its magic; CIFAR (which has no header) by its size and file name. Memory is
 * bounded by the data-file budget (`limits.maxBytes`, else $NEUROPLAST_MAX_DATA_BYTES, else 1 GiB).
 */
export async function inspectDataFile(path: string, limits: ReadLimits = {}): Promise<InspectReport> {
  const { size, gzip } = await probeDataFile(path);
  const name = basename(path);
  const looksCifar = !gzip && /\.bin$/i.test(name);
  if (looksCifar) {
    const variant = size % (CIFAR_PIXELS + 2) === 0 && size % (CIFAR_PIXELS + 1) !== 0 ? CIFAR100 : CIFAR10;
    const batch = await readCifarBatch(path, variant, limits);
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
  const idx = await readIdx(path, limits);
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
    if (idx.dtype === 'uint8' && idx.data.length > 0) counts = labelCounts(idx.data as Uint8Array, max + 1);
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
