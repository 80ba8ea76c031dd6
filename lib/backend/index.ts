// Public API of lib/backend (re-exported by lib/index.ts): choosing, loading and reporting the
// tensor backend. The TensorFlow.js workarounds in this folder are installed by initBackend and
// are not part of the public API, except the matmul-gradient switch that bench/train.mjs compares.
export {
  type BackendName, type BackendPreference, type BackendInfo, BACKEND_NAMES, SWIFTSHADER_ICD,
  initBackend, availableBackends, currentBackend, isSoftwareAdapter, describeAdapter,
} from "./init.js";
export { useExplicitTransposeMatMulGrad, restoreMatMulGrad } from "./matmulGrad.js";
