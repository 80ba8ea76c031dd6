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
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export type BackendPreference = "auto" | BackendName;

export interface BackendInfo {
  /** The TensorFlow.js backend now active. */
  name: BackendName;
  /** What actually does the arithmetic. */
  accelerator: "cuda" | "webgpu" | "cpu";
  /** Human-readable: package, version, adapter, threads. */
  detail: string;
}

export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

/** Where Debian's chromium package puts SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

let current: BackendInfo | undefined;
let currentPreference: BackendPreference | undefined;

/** Loaders report failure with a reason so that a forced backend can say why it could not load. */
type Loaded = { ok: true; info: BackendInfo } | { ok: false; reason: string };

// A variable module name keeps TypeScript and bundlers from resolving optional packages.
async function optionalImport(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.slice(0, 200);
}

async function activate(name: BackendName): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

function nvidiaGpuVisible(): boolean {
  return existsSync("/proc/driver/nvidia/gpus") || existsSync("/dev/nvidia0");
}

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

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

/** A software rasteriser posing as a GPU: fine for testing the code path, not for speed. */
export function isSoftwareAdapter(info: AdapterInfoLike): boolean {
  if (info.isFallbackAdapter) return true;
  const text = `${info.vendor ?? ""} ${info.architecture ?? ""} ${info.description ?? ""} ${info.device ?? ""}`;
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i.test(text);
}

export function describeAdapter(info: AdapterInfoLike): string {
  const parts = [info.vendor, info.architecture, info.description].filter((p) => p && p.length > 0);
  return parts.join(" / ") || "unknown adapter";
}

type GpuLike = {
  requestAdapter(): Promise<{ info: AdapterInfoLike; isFallbackAdapter?: boolean } | null>;
};

let dawn: { gpu: GpuLike; globals: Record<string, unknown>; info: AdapterInfoLike | undefined; icd: string | undefined } | undefined;

async function loadWebgpu(forced: boolean): Promise<Loaded> {
  // Dawn's Vulkan loader warns when XDG_RUNTIME_DIR is unset; give it a private writable folder.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `seeklab-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  // Forced on a machine with no GPU driver: use SwiftShader when Debian's chromium provides it.
  if (forced && !process.env.VK_ICD_FILENAMES && !nvidiaGpuVisible() && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  // One Dawn instance per process: creating a second one (switching back to webgpu after another
  // backend) aborts the process on some drivers.
  // The exception: an instance that found no adapter is replaced when the driver list changed
  // since (e.g. "auto" probed first, then a forced webgpu pointed Vulkan at SwiftShader).
  if (!dawn || (!dawn.info && dawn.icd !== process.env.VK_ICD_FILENAMES)) {
    let mod: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    try {
      mod = (await optionalImport("webgpu")) as typeof mod;
    } catch (e) {
      return { ok: false, reason: `the 'webgpu' package did not load: ${errorText(e)}` };
    }
    const gpu = mod.create([]) as GpuLike;
    const adapter = await gpu.requestAdapter();
    const info: AdapterInfoLike | undefined = adapter
      ? {
          vendor: adapter.info.vendor,
          architecture: adapter.info.architecture,
          description: adapter.info.description,
          device: adapter.info.device,
          isFallbackAdapter: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter,
        }
      : undefined;
    dawn = { gpu, globals: mod.globals, info, icd: process.env.VK_ICD_FILENAMES };
  }
  const { gpu, info } = dawn;
  if (!info) {
    return {
      ok: false,
      reason:
        "no WebGPU adapter (no Vulkan driver found; on a machine without a GPU install Debian's " +
        `'chromium' and 'libvulkan1' and set VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`,
    };
  }
  const software = isSoftwareAdapter(info);
  if (software && !forced) {
    return { ok: false, reason: `adapter is software (${describeAdapter(info)}); force with SEEKLAB_BACKEND=webgpu` };
  }
  // tfjs-backend-webgpu looks for navigator.gpu and the WebGPU constants (GPUBufferUsage, ...).
  Object.assign(globalThis, dawn.globals);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = gpu;
  try {
    await optionalImport("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu did not load: ${errorText(e)}` };
  }
  if (!(await activate("webgpu"))) return { ok: false, reason: 'tf.setBackend("webgpu") failed' };
  limitAddNInputs();
  return {
    ok: true,
    info: {
      name: "webgpu",
      accelerator: software ? "cpu" : "webgpu",
      detail: `WebGPU via Dawn on ${describeAdapter(info)}${software ? " (software adapter)" : ""}`,
    },
  };
}

let addNPatched = false;

/**
 * WebGPU workaround: tfjs-backend-webgpu's AddN binds one storage buffer per input plus the
 * output, and the device it requests allows 8 per shader stage. With 8 or more inputs the
 * pipeline is invalid and Dawn returns the sum of the first 7 — a silently wrong answer (found by
 * the backend test matrix: AdamW's gradient norm adds one term per weight). Re-register AddN for
 * webgpu to add at most 7 tensors per kernel call, in a tree.
 */
function limitAddNInputs(): void {
  if (addNPatched) return;
  const original = tf.getKernel("AddN", "webgpu");
  if (!original) return;
  const maxInputs = 7;
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({
    kernelName: "AddN",
    backendName: "webgpu",
    kernelFunc: (args) => {
      let inputs = args.inputs as unknown as tf.TensorInfo[];
      const partials: tf.TensorInfo[] = [];
      while (inputs.length > maxInputs) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += maxInputs) {
          const chunk = inputs.slice(i, i + maxInputs);
          if (chunk.length === 1) {
            next.push(chunk[0]!);
            continue;
          }
          const partial = original.kernelFunc({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(partial);
          next.push(partial);
        }
        inputs = next;
      }
      const out = original.kernelFunc({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      const backend = args.backend as { disposeData(dataId: object): void };
      for (const p of partials) backend.disposeData(p.dataId);
      return out;
    },
  });
  addNPatched = true;
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
