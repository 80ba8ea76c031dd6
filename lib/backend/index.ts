// Public API of lib/backend (re-exported by lib/index.ts): choosing, loading and reporting the
// tensor backend. The TensorFlow.js workarounds in this folder (addN.ts, onehot.ts, matmulGrad.ts,
// bmmKernel.ts, identityAlias.ts,
// fusedKernels.ts, heapCopies.ts, topk.ts, decodeAttention.ts (with mhaDecode.ts, mlaDecode.ts, decodeFfn.ts), adamwKernel.ts, routeKernel.ts, expertKernels.ts,
// crossEntropyKernel.ts) are installed by
// initBackend and stay internal, except the switches that
// bench/train.mjs and bench/wasm-kernels.mjs use to measure what each buys.
export { type BackendName, type BackendPreference, type BackendInfo, BACKEND_NAMES, initBackend, availableBackends, currentBackend } from "./init.js";
export { SWIFTSHADER_ICD, WEBGPU_INSTALL, isSoftwareAdapter, describeAdapter } from "./dawn.js";
export { useExplicitTransposeMatMulGrad, restoreMatMulGrad } from "./matmulGrad.js";
export { useSimdBatchMatMul, restoreBatchMatMulKernel } from "./bmmKernel.js";
export { useAliasingIdentity, restoreIdentityKernels } from "./identityAlias.js";
export { useFusedKernels, useCompositeOps } from "./fusedKernels.js";
export { useHeapCopies, restoreCopyKernels } from "./heapCopies.js";
export { useOnePassTopK, restoreTopKKernel } from "./topk.js";
export { useDecodeAttention, restoreDecodeAttention } from "./decodeAttention.js";
export { useFusedAdamW, useCompositeAdamW } from "./adamwKernel.js";
export { useFusedCrossEntropy, useCompositeCrossEntropy } from "./crossEntropyKernel.js";
