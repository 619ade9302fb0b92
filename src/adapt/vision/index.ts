/**
 * Vision under changing conditions: MNIST-C corruptions and drifts, a small batch-norm CNN, and stream adapters
 * (frozen, fine-tuning, test-time normalisation, TENT, a homeostatic first layer, surprise-scaled rates).
 */
export {
  CORRUPTION_NAMES,
  MNIST_C_PARAMETERS,
  checkCorruptionName,
  corruptImage,
  type CorruptionName,
} from './corruptions.js';
export {
  ADAPTER_NAMES,
  SurpriseMeter,
  createAdapter,
  resolveAdapterOptions,
  surpriseFactor,
  type AdapterName,
  type AdapterOptions,
  type StreamAdapter,
} from './adapters.js';
export {
  VISION_CLASSES,
  VISION_INPUT_SHAPE,
  buildVisionClassifier,
  copyModel,
  trainClassifier,
} from './classifier.js';
export {
  buildVisionStream,
  checkStreamSizes,
  runVisionSeed,
  type StreamSegment,
  type VisionSeedResult,
  type VisionStudyOptions,
} from './stream.js';
