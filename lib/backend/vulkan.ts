/**
 * Is a hardware Vulkan driver installed? Asked before "auto" probes WebGPU on Linux.
 *
 * Used by lib/backend/dawn.ts (introduced in notebooks/00_welcome.ipynb). Dawn (the `webgpu` package)
 * prints "Warning: vkCreateInstance failed …" with a C++ stack location on the process's stderr
 * when the Vulkan loader finds no driver, and Node cannot silence a native library's stderr. Every
 * learner without a GPU would see it in the terminal and in the first cell. The Vulkan loader finds
 * drivers through ICD manifests (JSON files in a few well-known folders), so reading those folders
 * answers "is there a GPU driver to probe?" without loading Dawn. Software drivers (Mesa's
 * lavapipe, SwiftShader) do not count: "auto" skips software adapters anyway.
 */
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const SOFTWARE_ICD = /lvp|lavapipe|swiftshader|llvmpipe/i;

/** The ICD manifest folders the Vulkan loader reads on Linux, in its order. */
export function vulkanIcdFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const dataDirs = (env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":").filter(Boolean);
  const configDirs = (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":").filter(Boolean);
  const home = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return [...configDirs, "/etc", ...dataDirs, home].map((d) => join(d, "vulkan", "icd.d"));
}

/**
 * True when WebGPU is worth probing in "auto": not Linux (Dawn uses Metal or D3D12 there), a
 * driver list chosen by hand (VK_ICD_FILENAMES / VK_DRIVER_FILES), or a non-software ICD manifest.
 */
export function hardwareVulkanDriverListed(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): boolean {
  if (platform !== "linux") return true;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return true;
  for (const dir of vulkanIcdFolders(env)) {
    if (!existsSync(dir)) continue;
    try {
      if (readdirSync(dir).some((f) => f.endsWith(".json") && !SOFTWARE_ICD.test(f))) return true;
    } catch {
      /* unreadable folder: the loader cannot read it either */
    }
  }
  return false;
}
