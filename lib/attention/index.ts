// Public API of lib/attention (re-exported by lib/core.ts). Lesson: notebooks/01_multi_head_latent_attention.ipynb.
export {
  type AttentionKind, type ModelShape, kvCacheElementsPerTokenPerLayer, kvCacheElementsPerToken,
  kvCacheBytesPerToken, kvCacheBytes, tokensThatFit,
} from "./memory.js";
export { type DeepSeekConfig, loadDeepSeekConfigs } from "./configs.js";
export { DEFAULT_BLOCK_SIZE, KVCache } from "./kvcache.js";
export { type PagedInputs, pagedAttention } from "./paged.js";
export { type MHAConfig, type MHAWeights, initMHAWeights, createMHACache, mhaForward } from "./mha.js";
export {
  type MLAMode, type MLAConfig, type MLAWeights, initMLAWeights, createMLACache, mlaForward, MLACache,
} from "./mla.js";
export { type AttentionLayer, type StepTiming, timeDecodeStep, timePrefill } from "./timing.js";
export { type MlaDecodeGpuRow, type MlaDecodeGpuRun, loadMlaDecodeGpu } from "./gpuDecodeTiming.js";
