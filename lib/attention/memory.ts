/**
 * KV-cache arithmetic: how many numbers each attention variant keeps per generated token.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (the memory chart) and used by the
 * hardware lesson. DeepSeek-V2 paper (arXiv 2405.04434), Table 1, per token and per layer:
 *   MHA  2 · nHeads · headDim          GQA  2 · nKvHeads · headDim
 *   MQA  2 · headDim                   MLA  kvLoraRank + qkRopeHeadDim  (d_c + d_h^R)
 * For DeepSeek-V2 (128 heads of 128, d_c = 512, d_h^R = 64): 32,768 vs 576 per layer.
 *
 * Naming: `…PerTokenPerLayer` counts one layer; `kvCacheElementsPerToken` / `kvCacheBytesPerToken`
 * count the whole model (summed over all `nLayers` layers), which is what memory planning needs.
 * Counts are per sequence (batch row): multiply by the batch for a batch.
 */

export type AttentionKind = "mha" | "gqa" | "mqa" | "mla";

/** The shape facts that decide a model's KV-cache size. */
export interface ModelShape {
  /** number of transformer layers, each with its own KV cache */
  nLayers: number;
  /** model width (not needed for the cache size; kept for context and weight arithmetic) */
  dModel?: number;
  /** query heads; MHA caches a key and a value for each */
  nHeads: number;
  /** per-head key/value width used for MHA/GQA/MQA (d_h; 128 for DeepSeek-V2/V3) */
  headDim: number;
  /** key/value heads for GQA (MHA: nHeads, MQA: 1); required for kind "gqa" */
  nKvHeads?: number;
  /** MLA latent width d_c (512 for DeepSeek-V2/V3); required for kind "mla" */
  kvLoraRank?: number;
  /** MLA decoupled rope-key width d_h^R (64 for DeepSeek-V2/V3); required for kind "mla" */
  qkRopeHeadDim?: number;
}

function need(model: ModelShape, field: keyof ModelShape, kind: AttentionKind): number {
  const v = model[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new Error(`KV-cache size for "${kind}" needs ModelShape.${String(field)} as a positive integer; got ${String(v)}`);
  }
  return v;
}

/** Cached numbers per token in ONE layer (DeepSeek-V2 Table 1 without the factor l). */
export function kvCacheElementsPerTokenPerLayer(kind: AttentionKind, model: ModelShape): number {
  const headDim = need(model, "headDim", kind);
  switch (kind) {
    case "mha":
      return 2 * need(model, "nHeads", kind) * headDim;
    case "gqa":
      return 2 * need(model, "nKvHeads", kind) * headDim;
    case "mqa":
      return 2 * headDim;
    case "mla":
      return need(model, "kvLoraRank", kind) + need(model, "qkRopeHeadDim", kind);
    default:
      throw new Error(`kind must be "mha", "gqa", "mqa" or "mla"; got ${JSON.stringify(kind)}`);
  }
}

/** Cached numbers per token for the WHOLE model: per-layer count × nLayers. */
export function kvCacheElementsPerToken(kind: AttentionKind, model: ModelShape): number {
  return kvCacheElementsPerTokenPerLayer(kind, model) * need(model, "nLayers", kind);
}

/** Bytes per token for the whole model; bytesPerElement 2 = BF16/FP16 (default), 1 = FP8, 4 = FP32. */
export function kvCacheBytesPerToken(kind: AttentionKind, model: ModelShape, bytesPerElement = 2): number {
  return kvCacheElementsPerToken(kind, model) * bytesPerElement;
}

/** Bytes for a whole context of `tokens` tokens (one sequence), all layers. */
export function kvCacheBytes(kind: AttentionKind, model: ModelShape, tokens: number, bytesPerElement = 2): number {
  return kvCacheBytesPerToken(kind, model, bytesPerElement) * tokens;
}

/** How many tokens of KV cache fit in `freeBytes` (floor; 0 when nothing is free). */
export function tokensThatFit(freeBytes: number, bytesPerToken: number): number {
  if (!(bytesPerToken > 0)) throw new Error(`tokensThatFit: bytesPerToken must be positive; got ${bytesPerToken}`);
  return Math.max(0, Math.floor(freeBytes / bytesPerToken));
}
