/** Public surface of @kindling/text: tokenizers (character, byte-level BPE, GPT-2), text datasets, language models and generation. */
export const VERSION = '0.0.0';

export type { BatchEncodeOptions, BatchEncoding, EncodeOptions, Tokenizer } from './tokenizers/types.js';
export { batchToTensors, type BatchTensors } from './tokenizers/batch.js';
export { CharTokenizer, type CharJson, type CharTokenizerOptions } from './tokenizers/char.js';
export { BpeTokenizer, type BpeTrainOptions } from './tokenizers/bpe.js';
export { gpt2UnicodeToByte, type BpeJson, type BpeMode, type BpeSpec } from './tokenizers/bpe-spec.js';
export { GPT2_PATTERN } from './tokenizers/pretokenize.js';
export { GPT2_EOT, GPT2_EOT_ID, gpt2TokenizerFromTiktoken, loadGpt2Tokenizer } from './tokenizers/gpt2.js';
export { loadTokenizer } from './tokenizers/load.js';
export type { Dataset } from './datasets/dataset.js';
export { LanguageModelingDataset, type LanguageModelingOptions } from './datasets/language-modeling.js';
export {
  TextClassificationDataset,
  type LineFormatOptions,
  type TextClassificationOptions,
} from './datasets/classification.js';
export { loadMobyDick } from './datasets/corpora.js';
export type { CausalLanguageModel, LanguageModelCache, LanguageModelForwardOptions } from './models/types.js';
export { KVCache } from './models/kv-cache.js';
export { GPT, GPTBlock, GPTMLP, CausalSelfAttention, type GPTConfig } from './models/gpt.js';
export {
  LSTMLanguageModel,
  LSTMState,
  type LSTMLanguageModelConfig,
} from './models/lstm.js';
export {
  generate,
  generateText,
  type GenerateOptions,
  type GenerateTextOptions,
} from './generation/generate.js';
export {
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  selectToken,
  type SamplingOptions,
} from './generation/sampling.js';
