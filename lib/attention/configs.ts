/**
 * DeepSeek-V2-Lite, V2 and V3 architecture shapes from datasets/deepseek_configs.json (each entry
 * transcribed from the model's published config.json; the file names its sources). The one source
 * of DeepSeek's shapes in the library: moe/params.ts (moeModelShape) and hardware/serving.ts
 * (servingModelFromConfig, loadDeepSeekV3Serving) derive theirs from a `DeepSeekConfig`.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (the KV-cache memory chart); each
 * entry is a `ModelShape` (lib/attention/memory.ts) and an `MLAConfig`-like description.
 */
import { loadDatasetJson } from "../data.js";
import type { ModelShape } from "./memory.js";

/** One model's entry. Fields are the camelCased Hugging Face config fields. */
export interface DeepSeekConfig extends ModelShape {
  source: string;
  totalParams: number;
  activatedParams: number;
  dModel: number;
  nKvHeads: number;
  qLoraRank: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
  vocabSize: number;
  /** config.json's intermediate_size: the dense FFN's hidden width (SeekLab's glossary name: ffnHidden). */
  ffnHidden: number;
  /** config.json's moe_intermediate_size: one routed or shared expert's hidden width. */
  expertFfnHidden: number;
  nRoutedExperts: number;
  nSharedExperts: number;
  numExpertsPerTok: number;
  firstKDenseReplace: number;
  nGroup: number;
  topkGroup: number;
  scoringFunc: "softmax" | "sigmoid";
  /** config.json's topk_method; "noaux_tc" = DeepSeek-V3's auxiliary-loss-free gate (a selection bias per expert). */
  topkMethod: "greedy" | "group_limited_greedy" | "noaux_tc";
  routedScalingFactor?: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
}

/** The models by name ("DeepSeek-V2-Lite", "DeepSeek-V2", "DeepSeek-V3"). */
export async function loadDeepSeekConfigs(path?: string): Promise<Record<string, DeepSeekConfig>> {
  const doc = await loadDatasetJson<{ models?: Record<string, DeepSeekConfig> }>("deepseek_configs.json", path, "loadDeepSeekConfigs");
  if (!doc.models || typeof doc.models !== "object") throw new Error(`loadDeepSeekConfigs: ${path ?? "datasets/deepseek_configs.json"} has no "models" object`);
  for (const [name, m] of Object.entries(doc.models)) {
    for (const f of ["nLayers", "nHeads", "headDim", "kvLoraRank", "qkRopeHeadDim"] as const) {
      if (!Number.isInteger(m[f]) || (m[f] as number) <= 0) throw new Error(`loadDeepSeekConfigs: ${name}.${f} must be a positive integer; got ${String(m[f])}`);
    }
  }
  return doc.models;
}
