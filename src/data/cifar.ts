import { DataFormatError } from '../util/errors.js';
import { checkBudget, DATA_FILE_BYTES } from '../util/budget.js';
import { FileAccessError } from '../util/files.js';
import { openDataFile, type ReadLimits } from './stream.js';

/** CIFAR binary layout: per record, label byte(s) then 1024 R, 1024 G, 1024 B bytes (32x32, row-major). */
export const CIFAR_PIXELS = 3 * 32 * 32;
export const CIFAR10_RECORDS_PER_BATCH = 10000;

export interface CifarVariant {
  name: 'cifar10' | 'cifar100';
  /** Label bytes before the pixels (CIFAR-100 stores coarse then fine). */
  labelBytes: number;
  /** Which label byte is the class label. */
  labelIndex: number;
  numClasses: number;
}

export const CIFAR10: CifarVariant = { name: 'cifar10', labelBytes: 1, labelIndex: 0, numClasses: 10 };
export const CIFAR100: CifarVariant = { name: 'cifar100', labelBytes: 2, labelIndex: 1, numClasses: 100 };

export interface CifarBatch {
  path: string;
  variant: CifarVariant['name'];
  count: number;
  /** count x 3 x 32 x 32, channel-planar as stored (NCHW). */
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Reads one CIFAR binary batch file, which may hold a partial batch (any whole number of records). Its size must fit
 * the data-file budget (`limits.maxBytes`, else $NEUROPLAST_MAX_DATA_BYTES, else 1 GiB), checked before reading; the
 * records are read a chunk at a time straight into the images and labels.
 */
export async function readCifarBatch(
  path: string,
  variant: CifarVariant = CIFAR10,
  limits: ReadLimits = {},
): Promise<CifarBatch> {
  const { fh, size, gzip } = await openDataFile(path);
  try {
    if (gzip)
      throw new DataFormatError(
        path,
        'gzip-compressed: CIFAR batches are read uncompressed (extract the archive first)',
      );
    const recordBytes = variant.labelBytes + CIFAR_PIXELS;
    if (size === 0) throw new DataFormatError(path, 'empty file: expected CIFAR records');
    if (size % recordBytes !== 0) {
      throw new DataFormatError(
        path,
        `size ${size} bytes is not a whole number of ${variant.name} records (${recordBytes} bytes each): ` +
          `${Math.floor(size / recordBytes)} records and ${size % recordBytes} bytes left over (truncated?)`,
      );
    }
    const count = size / recordBytes;
    checkBudget(path, `${count} ${variant.name} records take`, size, DATA_FILE_BYTES, limits.maxBytes);
    const images = new Uint8Array(count * CIFAR_PIXELS);
    const labels = new Uint8Array(count);
    const perChunk = Math.max(1, Math.floor((1 << 20) / recordBytes));
    const chunk = Buffer.alloc(Math.min(count, perChunk) * recordBytes);
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      let got: number;
      try {
        got = (await fh.read(chunk, 0, n * recordBytes, first * recordBytes)).bytesRead;
      } catch (err) {
        throw new FileAccessError(path, 'read data file', err);
      }
      if (got < n * recordBytes)
        throw new DataFormatError(
          path,
          `truncated while reading: record ${first + Math.floor(got / recordBytes)}`,
        );
      for (let i = 0; i < n; i++) {
        const r = first + i;
        const off = i * recordBytes;
        const label = chunk[off + variant.labelIndex];
        if (label >= variant.numClasses) {
          throw new DataFormatError(
            path,
            `record ${r}: label ${label} is out of range [0, ${variant.numClasses})`,
          );
        }
        labels[r] = label;
        images.set(chunk.subarray(off + variant.labelBytes, off + recordBytes), r * CIFAR_PIXELS);
      }
    }
    return { path, variant: variant.name, count, images, labels };
  } finally {
    await fh.close();
  }
}

/** Concatenates batches (e.g. data_batch_1..5 into the 50000-image training set). */
export function concatBatches(batches: CifarBatch[]): {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
} {
  const count = batches.reduce((s, b) => s + b.count, 0);
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * CIFAR_PIXELS);
    labels.set(b.labels, at);
    at += b.count;
  }
  return { images, labels, count };
}
