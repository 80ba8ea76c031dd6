import { describe, expect, it } from "vitest";
import { datasetPath, findDataset, loadDatasetJson, loadDeepSeekTimeline } from "../lib/data.js";

describe("lib/data.ts: the one dataset locator", () => {
  it("finds the repository's datasets/ from the library's own folder", async () => {
    expect(await datasetPath("gpus.json")).toMatch(/datasets\/gpus\.json$/);
    expect(await findDataset("elo/llmfao_crowd.csv")).toMatch(/datasets\/elo\/llmfao_crowd\.csv$/);
  });

  it("says when a file is not there, and which folders it looked in", async () => {
    expect(await findDataset("no_such_file.json")).toBeUndefined();
    await expect(datasetPath("no_such_file.json")).rejects.toThrow(/^datasetPath: no datasets\/no_such_file\.json in .*datasets/);
  });

  it("refuses paths that leave datasets/", async () => {
    await expect(findDataset("../package.json")).rejects.toThrow(/findDataset: file must be a path inside datasets\//);
    await expect(findDataset("/etc/passwd")).rejects.toThrow(/findDataset/);
  });

  it("loads JSON, and an explicit path overrides the locator", async () => {
    const viaName = await loadDatasetJson<{ models: object }>("deepseek_configs.json");
    const viaPath = await loadDatasetJson<{ models: object }>("ignored.json", await datasetPath("deepseek_configs.json"));
    expect(Object.keys(viaPath.models)).toEqual(Object.keys(viaName.models));
  });

  it("loads the release timeline", async () => {
    const t = await loadDeepSeekTimeline();
    expect(t.releases.find((r) => r.model === "DeepSeek-V3")?.date).toBe("2024-12-26");
  });
});
