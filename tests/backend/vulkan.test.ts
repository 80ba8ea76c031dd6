// "auto" must not probe Dawn where no GPU Vulkan driver is listed (Dawn's warnings would reach
// every learner's terminal), and must where one is.
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hardwareVulkanDriverListed, vulkanIcdFolders } from "../../lib/backend/vulkan.js";

function fakeData(files: string[]): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), "seeklab-icd-"));
  mkdirSync(join(root, "vulkan", "icd.d"), { recursive: true });
  for (const f of files) writeFileSync(join(root, "vulkan", "icd.d", f), "{}");
  return { XDG_DATA_DIRS: root, XDG_CONFIG_DIRS: join(root, "none"), XDG_DATA_HOME: join(root, "none"), HOME: root };
}

describe("hardwareVulkanDriverListed", () => {
  it("is false with no manifest or only software ones, true with a GPU's", () => {
    // /etc/vulkan/icd.d is always read; on a machine that has a GPU driver there, skip the negatives.
    const etcHasGpu = hardwareVulkanDriverListed({ XDG_DATA_DIRS: "/nonexistent", XDG_CONFIG_DIRS: "/nonexistent", XDG_DATA_HOME: "/nonexistent" }, "linux");
    if (!etcHasGpu) {
      expect(hardwareVulkanDriverListed(fakeData([]), "linux")).toBe(false);
      expect(hardwareVulkanDriverListed(fakeData(["lvp_icd.x86_64.json", "vk_swiftshader_icd.json"]), "linux")).toBe(false);
    }
    expect(hardwareVulkanDriverListed(fakeData(["nvidia_icd.json"]), "linux")).toBe(true);
    expect(hardwareVulkanDriverListed({ ...fakeData([]), VK_ICD_FILENAMES: "/x.json" }, "linux")).toBe(true);
    expect(hardwareVulkanDriverListed(fakeData([]), "darwin")).toBe(true);
  });

  it("reads the loader's folders in order", () => {
    expect(vulkanIcdFolders({ XDG_DATA_DIRS: "/a:/b", XDG_CONFIG_DIRS: "/c", XDG_DATA_HOME: "/h" })).toEqual([
      "/c/vulkan/icd.d",
      "/etc/vulkan/icd.d",
      "/a/vulkan/icd.d",
      "/b/vulkan/icd.d",
      "/h/vulkan/icd.d",
    ]);
  });
});
