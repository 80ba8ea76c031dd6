// Public API of lib/nn (re-exported by lib/core.ts): the small building blocks.
export {
  type SwiGLUWeights, type SwiGLUInitOptions, swiglu, initSwiGLUWeights, swigluParamCount, disposeSwiGLU,
} from "./swiglu.js";
export { linear } from "./linear.js";
export { rmsNorm, RMS_NORM_EPS } from "./rmsnorm.js";
export {
  type RopeLayout, type RopeTables, ropeTables, ropePermutation, applyRope, applyRopeMatmul,
} from "./rope.js";
export { initNormal, initLinear, initOnes } from "./init.js";
export {
  type AttentionOptions, causalMask, maskedSoftmax, attentionProbs, attention, MASK_VALUE,
} from "./attention.js";
export { bmmList } from "./bmm.js";
