/**
 * The WebGPU backend in Node: Dawn (the `webgpu` npm package, prebuilt) exposed as `navigator.gpu`,
 * then @tensorflow/tfjs-backend-webgpu on top. Both packages are optional peers of seeklab; without
 * them initBackend("webgpu") says what to install. The one module that touches Dawn.
 *
 * A software adapter (SwiftShader, llvmpipe) is skipped by initBackend("auto") but used when forced,
 * which is how CI tests the GPU code path on a machine without a GPU.
 */
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limitAddNInputs } from "./addN.js";
import { hardwareVulkanDriverListed } from "./vulkan.js";
import { activate, errorText, isNotInstalled, optionalImport, type Loaded } from "./loaded.js";

/** Where Debian's chromium package puts SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** What initBackend("webgpu") asks for when the optional packages are missing. */
export const WEBGPU_INSTALL = "npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0";

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

/** An NVIDIA driver is loaded on this machine. */
export function nvidiaGpuVisible(): boolean {
  return existsSync("/proc/driver/nvidia/gpus") || existsSync("/dev/nvidia0");
}

type GpuLike = {
  requestAdapter(): Promise<{ info: AdapterInfoLike; isFallbackAdapter?: boolean } | null>;
};

let dawn: { gpu: GpuLike; globals: Record<string, unknown>; info: AdapterInfoLike | undefined; icd: string | undefined } | undefined;

function missing(pkg: string, e: unknown): Loaded {
  if (isNotInstalled(e, pkg)) {
    return { ok: false, reason: `the optional package '${pkg}' is not installed; for WebGPU run: ${WEBGPU_INSTALL}` };
  }
  return { ok: false, reason: `'${pkg}' did not load: ${errorText(e)}` };
}

/**
 * Loads Dawn and activates the webgpu backend, installing the AddN workaround (lib/backend/addN.ts).
 * @param forced the user asked for webgpu: accept a software adapter, and point Vulkan at
 *   SwiftShader when no GPU driver is present.
 */
export async function loadWebgpu(forced: boolean): Promise<Loaded> {
  // Probing Dawn with no GPU driver prints Vulkan warnings on stderr; "auto" need not ask.
  if (!forced && !dawn && !hardwareVulkanDriverListed()) {
    return { ok: false, reason: "no hardware Vulkan driver is installed (no GPU ICD manifest); force with SEEKLAB_BACKEND=webgpu" };
  }
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
      return missing("webgpu", e);
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
    return missing("@tensorflow/tfjs-backend-webgpu", e);
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
