/**
 * Choose and report the tensor backend.
 *
 * Introduced in notebooks/00_welcome.ipynb; every lesson calls `initBackend()` first.
 *
 * Order for "auto" (DESIGN.md, "Tensors and backends"):
 *   1. `tensorflow` — @tensorflow/tfjs-node-gpu (with a visible NVIDIA GPU), then @tensorflow/tfjs-node.
 *      Both are optional: their install downloads libtensorflow, which many machines cannot do.
 *   2. `webgpu` — the `webgpu` npm package (Dawn) when its adapter is a real GPU. A software
 *      adapter (SwiftShader, llvmpipe) is skipped in "auto" but used when forced, which is how CI
 *      tests the GPU code path on a machine without a GPU.
 *   3. `wasm` — @tensorflow/tfjs-backend-wasm, single-threaded in Node but ~30x the pure-JS backend.
 *   4. `cpu` — the pure-JS reference backend.
 * `SEEKLAB_BACKEND` (or the `prefer` argument) forces one, and fails clearly if it cannot load.
 *
 * initBackend is the one place that changes TensorFlow.js's global state: after activating a
 * backend it installs that backend's workarounds (lib/backend/addN.ts for webgpu; for wasm the
 * SIMD BatchMatMul kernel of lib/backend/bmmKernel.ts, the copy-free Identity of identityAlias.ts, the
 * fused RoPE/RMSNorm of fusedKernels.ts, the block-copy Concat and Gather of heapCopies.ts, the one-pass TopK of topk.ts, the fused decode attention of decodeAttention.ts, the one-kernel AdamW update of adamwKernel.ts,
 * the MoE router and expert kernels of routeKernel.ts and expertKernels.ts, the fused masked cross-entropy of crossEntropyKernel.ts and the matmul gradient of lib/backend/matmulGrad.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { loadWebgpu, nvidiaGpuVisible } from "./dawn.js";
import { activate, errorText, optionalImport, type BackendInfo, type BackendName, type Loaded } from "./loaded.js";
import { restoreMatMulGrad, useExplicitTransposeMatMulGrad } from "./matmulGrad.js";
import { useSimdBatchMatMul } from "./bmmKernel.js";
import { useAliasingIdentity } from "./identityAlias.js";
import { useFusedKernels } from "./fusedKernels.js";
import { useHeapCopies } from "./heapCopies.js";
import { useOnePassTopK } from "./topk.js";
import { useDecodeAttention } from "./decodeAttention.js";
import { useFusedAdamW } from "./adamwKernel.js";
import { useRouteKernel } from "./routeKernel.js";
import { useExpertKernels } from "./expertKernels.js";
import { useFusedCrossEntropy } from "./crossEntropyKernel.js";

export type { BackendInfo, BackendName } from "./loaded.js";
export type BackendPreference = "auto" | BackendName;

export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

let current: BackendInfo | undefined;
let currentPreference: BackendPreference | undefined;

async function loadTensorflow(): Promise<Loaded> {
  const reasons: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await optionalImport(pkg);
    } catch (e) {
      reasons.push(`${pkg}: ${errorText(e)}`);
      continue;
    }
    if (!(await activate("tensorflow"))) {
      reasons.push(`${pkg} loaded but tf.setBackend("tensorflow") failed`);
      continue;
    }
    const gpu = pkg.endsWith("-gpu") && nvidiaGpuVisible();
    return {
      ok: true,
      info: {
        name: "tensorflow",
        accelerator: gpu ? "cuda" : "cpu",
        detail: `${pkg} (libtensorflow${gpu ? ", CUDA" : ", all CPU cores"})`,
      },
    };
  }
  return { ok: false, reason: reasons.join("; ") };
}

async function loadWasm(): Promise<Loaded> {
  try {
    await optionalImport("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm did not load: ${errorText(e)}` };
  }
  if (!(await activate("wasm"))) return { ok: false, reason: 'tf.setBackend("wasm") failed' };
  return { ok: true, info: { name: "wasm", accelerator: "cpu", detail: "WebAssembly (SIMD, single thread in Node)" } };
}

async function loadCpu(): Promise<Loaded> {
  // The pure-JS backend warns (on stderr, which fails a notebook) that tfjs-node would be faster;
  // tfjs-core silences its warnings in PROD mode.
  tf.env().set("PROD", true);
  if (!(await activate("cpu"))) return { ok: false, reason: 'tf.setBackend("cpu") failed' };
  return { ok: true, info: { name: "cpu", accelerator: "cpu", detail: "pure JavaScript (reference, slow)" } };
}

function load(name: BackendName, forced: boolean): Promise<Loaded> {
  switch (name) {
    case "tensorflow":
      return loadTensorflow();
    case "webgpu":
      return loadWebgpu(forced);
    case "wasm":
      return loadWasm();
    case "cpu":
      return loadCpu();
  }
}

/**
 * The gradient rewrite is global in tfjs (gradients are registered per kernel, not per backend),
 * so it follows the active backend: on for wasm, where it makes the training step 1.1–1.2× faster than
 * tfjs's own gradient on top of the kernels above (`npm run bench -- train`, "gradient rewrite speed-up")
 * with the same numbers up to rounding order, and tfjs's own gradient everywhere else. (webgpu's AddN
 * fix is per backend: dawn.ts.)
 */
function installWorkarounds(name: BackendName): void {
  if (name === "wasm") {
    useSimdBatchMatMul(); // kernels, registered for wasm only (bmmKernel.ts, identityAlias.ts)
    useAliasingIdentity();
    useFusedKernels();
    useHeapCopies();
    useOnePassTopK();
    useDecodeAttention(); // one op per layer for a decode step's attention (decodeAttention.ts)
    useRouteKernel(); // an MoE gate's selection and weights in one kernel (routeKernel.ts)
    useExpertKernels(); // an MoE layer's expert products, gather and scatter in two (expertKernels.ts)
    useExplicitTransposeMatMulGrad();
    useFusedAdamW();
    useFusedCrossEntropy();
  } else restoreMatMulGrad();
}

function parsePreference(value: string, from: string): BackendPreference {
  const v = value.trim().toLowerCase();
  if (v === "auto" || (BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendPreference;
  throw new Error(`${from} must be one of auto, ${BACKEND_NAMES.join(", ")}; got ${JSON.stringify(value)}`);
}

/**
 * Pick a backend, activate it, print one line about it and return it.
 * @param prefer "auto" (default, or `SEEKLAB_BACKEND` when set) or a backend name to force.
 * @param opts.quiet don't print the banner line.
 */
export async function initBackend(
  prefer?: BackendPreference,
  opts: { quiet?: boolean } = {},
): Promise<BackendInfo> {
  const env = process.env.SEEKLAB_BACKEND;
  const preference: BackendPreference =
    prefer !== undefined
      ? parsePreference(prefer, "initBackend(prefer)")
      : env
        ? parsePreference(env, "SEEKLAB_BACKEND")
        : "auto";
  if (current && currentPreference === preference && tf.getBackend() === current.name) return current;

  let info: BackendInfo | undefined;
  if (preference === "auto") {
    const skipped: string[] = [];
    for (const name of BACKEND_NAMES) {
      const r = await load(name, false);
      if (r.ok) {
        info = r.info;
        break;
      }
      skipped.push(`${name}: ${r.reason}`);
    }
    if (!info) throw new Error(`no TensorFlow.js backend could load:\n  ${skipped.join("\n  ")}`);
  } else {
    const r = await load(preference, true);
    if (!r.ok) throw new Error(`backend "${preference}" was requested but cannot load: ${r.reason}`);
    info = r.info;
  }
  installWorkarounds(info.name);
  current = info;
  currentPreference = preference;
  if (!opts.quiet) console.log(`SeekLab backend: ${info.name} (${info.accelerator}) — ${info.detail}`);
  return info;
}

/** Backends that can load on this machine, without changing the active one. */
export async function availableBackends(): Promise<BackendName[]> {
  const before = tf.getBackend();
  const names: BackendName[] = [];
  for (const name of BACKEND_NAMES) {
    // Software WebGPU only counts where the user asked for it.
    const forced = name !== "webgpu" || process.env.SEEKLAB_BACKEND === "webgpu";
    if ((await load(name, forced)).ok) names.push(name);
  }
  if (before) await tf.setBackend(before);
  return names;
}

/** The backend chosen by the last `initBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
