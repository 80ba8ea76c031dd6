/**
 * Serving arithmetic: why decoding is memory-bound, and what MLA buys.
 * - decodeBound: every decode step must read the weights it uses plus each sequence's KV cache;
 *   at best that takes bytes / bandwidth seconds, which bounds tokens per second.
 * - planKvCapacity: after the weights, how many concurrent sequences of a given length fit in a
 *   group of GPUs, for each attention kind (KV-cache accounting from lib/attention/memory.ts).
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb ("Decoding is memory-bound").
 *
 * These are upper bounds under stated assumptions (perfect sharding over the GPUs' combined memory
 * and bandwidth, no activation/runtime memory unless `usableFraction` < 1, no communication time).
 * Real systems get less; the ratios between MHA and MLA are what carry over.
 */
import { kvCacheBytesPerToken, type AttentionKind, type ModelShape } from "../attention/memory.js";
import { loadDeepSeekConfigs, type DeepSeekConfig } from "../attention/configs.js";

/** What serving reads from a config entry: a `DeepSeekConfig`, or a dense model's few fields. */
export type ServingConfigFields = Pick<DeepSeekConfig, "totalParams" | "activatedParams" | "nLayers" | "dModel" | "nHeads" | "headDim">
  & Partial<Pick<DeepSeekConfig, "nKvHeads" | "kvLoraRank" | "qkRopeHeadDim" | "nRoutedExperts" | "numExpertsPerTok" | "expertFfnHidden" | "firstKDenseReplace">>;
import { expectedDistinctExperts } from "./roofline.js";
import { requireFraction, requireInteger, requirePositive } from "./validate.js";

/** What serving arithmetic needs to know about a model. */
export interface ServingModel {
  name: string;
  /** All parameters that must sit in GPU memory. */
  totalParams: number;
  /** Parameters used per token (all of them for a dense model). */
  activeParams: number;
  /** 1 = FP8 weights, 2 = BF16. */
  weightBytesPerParam: number;
  /** Bytes per cached number (2 = BF16 cache). */
  kvBytesPerElement: number;
  shape: ModelShape;
  /** Routed experts, for the weights a batch touches; absent for a dense model. */
  moe?: { nExperts: number; topK: number; nMoeLayers: number; paramsPerExpert: number };
  source?: string;
}

/** A group of identical GPUs: the two numbers serving needs from each. */
export interface GpuGroup {
  /** Marketed memory per GPU, GB (1e9 bytes). */
  memoryGB: number;
  /** HBM bandwidth per GPU, TB/s (1e12 bytes/s). */
  bandwidthTBps: number;
  nGpus: number;
}

function checkModel(fn: string, m: ServingModel): void {
  requirePositive(fn, "model.totalParams", m.totalParams);
  requirePositive(fn, "model.activeParams", m.activeParams);
  if (m.activeParams > m.totalParams) throw new Error(`${fn}: activeParams ${m.activeParams} > totalParams ${m.totalParams}`);
  requirePositive(fn, "model.weightBytesPerParam", m.weightBytesPerParam);
  requirePositive(fn, "model.kvBytesPerElement", m.kvBytesPerElement);
}

function checkGroup(fn: string, g: GpuGroup): void {
  requirePositive(fn, "gpus.memoryGB", g.memoryGB);
  requirePositive(fn, "gpus.bandwidthTBps", g.bandwidthTBps);
  requireInteger(fn, "gpus.nGpus", g.nGpus);
}

/** Bytes of all weights in memory: totalParams · weightBytesPerParam. */
export function weightBytes(model: ServingModel): number {
  checkModel("weightBytes", model);
  return model.totalParams * model.weightBytesPerParam;
}

/**
 * Weight bytes one decode step reads for `batch` sequences. Dense: activeParams · bytes. MoE: the
 * non-routed active parameters plus every routed expert the batch touches (expectedDistinctExperts
 * per MoE layer): at batch 1 that is activeParams, at a large batch nearly all totalParams.
 */
export function weightBytesReadPerStep(model: ServingModel, batch = 1): number {
  checkModel("weightBytesReadPerStep", model);
  requireInteger("weightBytesReadPerStep", "batch", batch);
  if (!model.moe) return model.activeParams * model.weightBytesPerParam;
  const { nExperts, topK, nMoeLayers, paramsPerExpert } = model.moe;
  const routedActive = topK * paramsPerExpert * nMoeLayers;
  if (routedActive > model.activeParams) {
    throw new Error(`weightBytesReadPerStep: routed experts alone (${routedActive}) exceed activeParams ${model.activeParams}`);
  }
  const touched = expectedDistinctExperts(batch, nExperts, topK) * paramsPerExpert * nMoeLayers;
  return (model.activeParams - routedActive + touched) * model.weightBytesPerParam;
}

/** The decode-speed bound for `batch` sequences that each have `contextLen` cached tokens. */
export interface DecodeBound {
  weightBytesPerStep: number;
  kvBytesPerStep: number;
  /** Lower bound on one decode step: (weights + caches) / (nGpus · bandwidth), seconds. */
  stepSeconds: number;
  /** Upper bound on each sequence's tokens/s (= 1 / stepSeconds). */
  tokensPerSecondPerSequence: number;
  /** Upper bound on the group's total tokens/s (= batch / stepSeconds). */
  tokensPerSecond: number;
}

/** Tokens/s bound from bytes that must be read per step over the group's combined bandwidth. */
export function decodeBound(model: ServingModel, kind: AttentionKind, gpus: GpuGroup,
  opts: { contextLen: number; batch?: number }): DecodeBound {
  checkModel("decodeBound", model);
  checkGroup("decodeBound", gpus);
  requireInteger("decodeBound", "contextLen", opts.contextLen, 0);
  const batch = opts.batch ?? 1;
  requireInteger("decodeBound", "batch", batch);
  const weightBytesPerStep = weightBytesReadPerStep(model, batch);
  const kvBytesPerStep = batch * opts.contextLen * kvCacheBytesPerToken(kind, model.shape, model.kvBytesPerElement);
  const stepSeconds = (weightBytesPerStep + kvBytesPerStep) / (gpus.nGpus * gpus.bandwidthTBps * 1e12);
  return {
    weightBytesPerStep, kvBytesPerStep, stepSeconds,
    tokensPerSecondPerSequence: 1 / stepSeconds,
    tokensPerSecond: batch / stepSeconds,
  };
}

/** The KV-cache capacity of a GPU group after the weights. */
export interface CapacityPlan {
  kind: AttentionKind;
  totalBytes: number;
  usableBytes: number;
  weightBytes: number;
  freeBytes: number;
  kvBytesPerToken: number;
  kvBytesPerSequence: number;
  /** How many sequences of contextLen tokens fit at once (floor). */
  sequences: number;
  /** How many tokens of cache fit in total (floor). */
  cachedTokens: number;
}

/**
 * How many concurrent sequences of `contextLen` tokens fit in `gpus` after the weights.
 * `usableFraction` (default 1: the upper bound) is the share of memory available to weights and
 * cache, the rest going to activations, buffers and fragmentation. Throws when the weights alone
 * do not fit, naming both numbers.
 */
export function planKvCapacity(model: ServingModel, kind: AttentionKind, gpus: GpuGroup,
  opts: { contextLen: number; usableFraction?: number }): CapacityPlan {
  checkModel("planKvCapacity", model);
  checkGroup("planKvCapacity", gpus);
  requireInteger("planKvCapacity", "contextLen", opts.contextLen);
  const usableFraction = opts.usableFraction ?? 1;
  requireFraction("planKvCapacity", "usableFraction", usableFraction);
  const totalBytes = gpus.nGpus * gpus.memoryGB * 1e9;
  const usableBytes = totalBytes * usableFraction;
  const wBytes = weightBytes(model);
  if (wBytes > usableBytes) {
    throw new Error(`planKvCapacity: ${model.name}'s weights (${(wBytes / 1e9).toFixed(0)} GB) do not fit in ` +
      `${gpus.nGpus} × ${gpus.memoryGB} GB` + (usableFraction < 1 ? ` × ${usableFraction} usable` : "") +
      ` = ${(usableBytes / 1e9).toFixed(0)} GB; use more GPUs, bigger GPUs or fewer bytes per weight`);
  }
  const freeBytes = usableBytes - wBytes;
  const kvBytesPerToken = kvCacheBytesPerToken(kind, model.shape, model.kvBytesPerElement);
  const kvBytesPerSequence = kvBytesPerToken * opts.contextLen;
  return {
    kind, totalBytes, usableBytes, weightBytes: wBytes, freeBytes, kvBytesPerToken, kvBytesPerSequence,
    sequences: Math.floor(freeBytes / kvBytesPerSequence),
    cachedTokens: Math.floor(freeBytes / kvBytesPerToken),
  };
}

/**
 * A ServingModel from a config entry (datasets/deepseek_configs.json, camelCased Hugging Face
 * config.json): MoE layers = nLayers − firstKDenseReplace, one routed expert = 3 · dModel ·
 * expertFfnHidden parameters (a SwiGLU's w1, w3, w2).
 */
export function servingModelFromConfig(name: string, cfg: ServingConfigFields,
  opts: { weightBytesPerParam: number; kvBytesPerElement?: number; source?: string }): ServingModel {
  const model: ServingModel = {
    name, totalParams: cfg.totalParams, activeParams: cfg.activatedParams,
    weightBytesPerParam: opts.weightBytesPerParam, kvBytesPerElement: opts.kvBytesPerElement ?? 2,
    shape: {
      nLayers: cfg.nLayers, dModel: cfg.dModel, nHeads: cfg.nHeads, headDim: cfg.headDim,
      ...(cfg.nKvHeads !== undefined ? { nKvHeads: cfg.nKvHeads } : {}),
      ...(cfg.kvLoraRank !== undefined ? { kvLoraRank: cfg.kvLoraRank } : {}),
      ...(cfg.qkRopeHeadDim !== undefined ? { qkRopeHeadDim: cfg.qkRopeHeadDim } : {}),
    },
  };
  if (cfg.nRoutedExperts && cfg.numExpertsPerTok && cfg.expertFfnHidden) {
    model.moe = {
      nExperts: cfg.nRoutedExperts, topK: cfg.numExpertsPerTok,
      nMoeLayers: cfg.nLayers - (cfg.firstKDenseReplace ?? 0),
      paramsPerExpert: 3 * cfg.dModel * cfg.expertFfnHidden,
    };
  }
  if (opts.source !== undefined) model.source = opts.source;
  checkModel("servingModelFromConfig", model);
  return model;
}

/**
 * DeepSeek-V3 as served, from its published config (datasets/deepseek_configs.json: 61 layers,
 * dModel 7168, 128 heads of 128, kv_lora_rank 512, qk_rope_head_dim 64; 256 routed experts, top-8,
 * moe_intermediate_size 2048, first 3 layers dense, so 58 MoE layers); 671B total / 37B active
 * parameters (V3 report, section 1); FP8 weights as released (V3 report, section 3.3), BF16 KV
 * cache. One routed expert is a SwiGLU of 3 · 7168 · 2048 = 44,040,192 parameters.
 */
export async function loadDeepSeekV3Serving(path?: string): Promise<ServingModel> {
  const cfg = (await loadDeepSeekConfigs(path))["DeepSeek-V3"];
  if (!cfg) throw new Error("loadDeepSeekV3Serving: the configs have no DeepSeek-V3 entry");
  return servingModelFromConfig("DeepSeek-V3", cfg, {
    weightBytesPerParam: 1,
    source: "deepseek-ai/DeepSeek-V3 config.json; DeepSeek-V3 Technical Report (arXiv 2412.19437) sections 1, 3.3",
  });
}
