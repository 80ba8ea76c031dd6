// Public API of lib/backend (re-exported by lib/index.ts): choosing, loading and reporting the
// tensor backend. The TensorFlow.js workarounds in this folder (addN.ts, onehot.ts, matmulGrad.ts)
// are installed by initBackend and stay internal, except the matmul-gradient switch that
// bench/train.mjs uses to measure what the rewrite buys.
export { type BackendName, type BackendPreference, type BackendInfo, BACKEND_NAMES, initBackend, availableBackends, currentBackend } from "./init.js";
export { SWIFTSHADER_ICD, WEBGPU_INSTALL, isSoftwareAdapter, describeAdapter } from "./dawn.js";
export { useExplicitTransposeMatMulGrad, restoreMatMulGrad } from "./matmulGrad.js";
