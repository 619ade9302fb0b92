export {
  CharPredictor,
  SYMBOLS,
  encodeWords,
  gradientStep,
  pretrain,
  surprisalBits,
  type CharModelOptions,
  type EncodedWords,
} from './char-model.js';
export {
  DEFAULT_DIALECT_OPTIONS,
  DIALECT_METHODS,
  runDialectSeed,
  splitDialects,
  type DialectMethod,
  type DialectMethodResult,
  type DialectOptions,
  type DialectPoint,
  type DialectSeedResult,
  type DialectSplit,
} from './study.js';
