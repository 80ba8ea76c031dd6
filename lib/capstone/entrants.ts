/**
 * The capstone's two architectures (notebooks/06_mini_deepseek.ipynb; trained by
 * scripts/capstone.mjs): a dense baseline and a "mini-V3" with DeepSeek-V3's two ideas, built on
 * the same `TinyTransformer` and matched in ACTIVE parameters per token — exactly, not roughly.
 *
 *   dense     MHA (4 heads of 16) + SwiGLU (hidden 128)                 per layer:
 *             attention 4·64·64 = 16,384            FFN 3·64·128 = 24,576
 *   mini-V3   MLA (query rank 32, latent 32, nope 16 + rope 8, v 16) + DeepSeekMoE
 *             (1 shared + 7 routed experts of hidden 32, top-3, sigmoid gate, aux-loss-free bias)
 *             attention 64·32+32+32·96 + 64·40+32+32·128 + 64·64 = 15,936   gate 64·7 = 448
 *             active FFN (1 shared + 3 routed) · 3·64·32 = 24,576
 *
 * So each layer's attention + router equals dense attention (15,936 + 448 = 16,384) and the active
 * experts equal the dense FFN: both models spend the same parameters on every token, while mini-V3
 * stores 4 more experts per layer (total > active) and caches 32 + 8 = 40 numbers per token per
 * layer instead of MHA's 2·4·16 = 128 (`kvCacheElementsPerToken`).
 *
 * Counting convention: every trained weight counts (embedding, norms and head included — both
 * models have the same ones); the routing bias is a rule-updated buffer, not a parameter, so it
 * is counted in neither. "Active" = what one token's forward pass multiplies by: everything but
 * the routed experts it was not sent to.
 */
import { kvCacheElementsPerToken } from "../attention/memory.js";
import { resolveConfig, type ResolvedConfig, type TinyTransformerConfig } from "../model/transformer.js";
import { ARITHMETIC_ALPHABET } from "../model/tokenizer.js";

/** The character tokenizer's vocabulary (3 specials + "0123456789+*=;"): every entrant shares it. */
export const CAPSTONE_VOCAB = 3 + ARITHMETIC_ALPHABET.length;

/** Longest sequence: "47*83=" + the 2×2-digit scratchpad + <bos>/<eos> fits in 48 (lesson 3's value). */
export const CAPSTONE_MAX_SEQ = 48;

/** The dense baseline: lesson 3's small model (MHA + SwiGLU). */
export const DENSE_CONFIG: TinyTransformerConfig = {
  vocabSize: CAPSTONE_VOCAB,
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  ffnHidden: 128,
  maxSeqLen: CAPSTONE_MAX_SEQ,
  attention: "mha",
  ffn: "swiglu",
};

/** mini-V3: MLA + DeepSeekMoE at the dense model's active parameters per token. */
export const MINI_V3_CONFIG: TinyTransformerConfig = {
  vocabSize: CAPSTONE_VOCAB,
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  ffnHidden: 32, // per expert: a quarter of the dense FFN (fine-grained segmentation)
  maxSeqLen: CAPSTONE_MAX_SEQ,
  attention: "mla",
  mla: { qLoraRank: 32, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 16 },
  ffn: "moe",
  moe: { nExperts: 7, topK: 3, scoreFunc: "sigmoid", nShared: 1, routingBias: true },
};

/** The distillation student: the dense design at half the width (dModel 32, FFN 64). */
export const STUDENT_CONFIG: TinyTransformerConfig = { ...DENSE_CONFIG, dModel: 32, ffnHidden: 64 };

/** Parameters by part, for one config (no model is built). */
export interface ParamBreakdown {
  /** Embedding + final norm + head. */
  outer: number;
  /** Per layer: the two RMSNorm gains. */
  norms: number;
  /** Per layer: attention projections (and MLA's norms). */
  attention: number;
  /** Per layer: router weights (0 for a dense FFN). */
  router: number;
  /** Per layer: FFN parameters every token uses (the dense FFN, or the shared experts). */
  ffnAlways: number;
  /** Per layer: one routed expert (0 for a dense FFN). */
  expert: number;
  /** Routed experts per layer / chosen per token (0 for a dense FFN). */
  nExperts: number;
  topK: number;
  nLayers: number;
}

function swigluParams(dModel: number, hidden: number): number {
  return 3 * dModel * hidden; // w1, w3 [dModel, hidden] and w2 [hidden, dModel]
}

/** Counts each part of a TinyTransformer config by formula (the tests check it against the built model). */
export function paramBreakdown(cfg: TinyTransformerConfig): ParamBreakdown {
  const c: ResolvedConfig = resolveConfig(cfg);
  const d = c.dModel;
  let attention: number;
  if (c.attention === "mha") {
    attention = d * c.nHeads * c.headDim + 2 * d * c.nKvHeads * c.headDim + c.nHeads * c.headDim * d; // wq, wk, wv, wo
  } else {
    const m = c.mla!;
    const qk = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const wq = m.qLoraRank > 0 ? d * m.qLoraRank + m.qLoraRank + m.qLoraRank * c.nHeads * qk : d * c.nHeads * qk; // W_DQ, q norm, W_UQ | W_Q
    attention = wq + d * (m.kvLoraRank + m.qkRopeHeadDim) + m.kvLoraRank + m.kvLoraRank * c.nHeads * (m.qkNopeHeadDim + m.vHeadDim) + c.nHeads * m.vHeadDim * d;
  }
  const moe = c.ffn === "moe" ? c.moe! : null;
  return {
    outer: c.vocabSize * d + d + d * c.vocabSize,
    norms: 2 * d,
    attention,
    router: moe ? d * moe.nExperts : 0,
    ffnAlways: moe ? swigluParams(d, moe.nShared * c.ffnHidden) : swigluParams(d, c.ffnHidden),
    expert: moe ? swigluParams(d, c.ffnHidden) : 0,
    nExperts: moe ? moe.nExperts : 0,
    topK: moe ? moe.topK : 0,
    nLayers: c.nLayers,
  };
}

/** Every trained parameter (the routing bias excluded: it is a buffer updated by rule). */
export function totalParams(cfg: TinyTransformerConfig): number {
  const b = paramBreakdown(cfg);
  return b.outer + b.nLayers * (b.norms + b.attention + b.router + b.ffnAlways + b.nExperts * b.expert);
}

/** Parameters one token's forward pass uses: all but the routed experts it was not sent to. */
export function activeParams(cfg: TinyTransformerConfig): number {
  const b = paramBreakdown(cfg);
  return b.outer + b.nLayers * (b.norms + b.attention + b.router + b.ffnAlways + b.topK * b.expert);
}

/** KV-cache elements per token for the whole model — `kvCacheElementsPerToken` of the config's attention. */
export function kvElementsPerToken(cfg: TinyTransformerConfig): number {
  const c = resolveConfig(cfg);
  if (c.attention === "mla") {
    return kvCacheElementsPerToken("mla", { nLayers: c.nLayers, nHeads: c.nHeads, headDim: c.headDim, kvLoraRank: c.mla!.kvLoraRank, qkRopeHeadDim: c.mla!.qkRopeHeadDim });
  }
  const kind = c.nKvHeads === c.nHeads ? "mha" : c.nKvHeads === 1 ? "mqa" : "gqa";
  return kvCacheElementsPerToken(kind, { nLayers: c.nLayers, nHeads: c.nHeads, headDim: c.headDim, nKvHeads: c.nKvHeads });
}
