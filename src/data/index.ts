/** Data: readers for IDX and CIFAR binaries, the dataset registry, verified downloads and subsets. */
export { readIdx, type IdxFile, type IdxHeader, type IdxDtype, type IdxExpectation } from './idx.js';
export { readCifarBatch, concatBatches, CIFAR10, CIFAR100, type CifarBatch } from './cifar.js';
export { downloadVerified, sha256File } from './download.js';
export {
  loadDataset,
  locateDataset,
  datasetInfo,
  datasetNames,
  getDatasetSpec,
  dataEnvFromProcess,
  MNIST,
  FASHION_MNIST,
  CIFAR10_DATASET,
  type DataEnv,
  type DatasetSpec,
  type DatasetInfo,
} from './registry.js';
export {
  stratifiedSubset,
  trainValidationSplit,
  gatherBatch,
  channelStats,
  labelCounts,
  type ImageSplit,
  type LabeledImageDataset,
} from './dataset.js';
export { inspectDataFile, type InspectReport } from './inspect.js';
export { WORD_LISTS, locateWordList, readWordList, type WordListName } from './wordlist.js';
