/**
 * Total vs active parameters of a DeepSeek-style MoE transformer: why a 671B model costs about
 * as much per token as a 37B dense one.
 *
 * Introduced in notebooks/02_mixture_of_experts.ipynb. Counts every matrix and norm of the
 * published architecture (DeepSeek-V3's inference/model.py; DeepSeek-V2's modeling code):
 * embedding, untied output head, per layer MLA attention + two RMSNorms, then either a dense
 * SwiGLU FFN (the first `nDenseLayers` layers) or an MoE layer (routed experts, shared experts,
 * gate and its bias). The multi-token-prediction module of V3 (≈14B more on the hub) is not
 * part of the 671B and is left out, as in the paper.
 * Active = what one token touches: embedding row, attention, dense FFNs, the shared experts and
 * topK routed experts, the gate. (Counting the whole embedding as active follows the papers'
 * convention; one row would change the total by < 1B.)
 */
import type { DeepSeekConfig } from "../attention/configs.js";

/** A model's shape, in DeepSeek's config names translated to SeekLab's glossary. */
export interface MoEModelShape {
  name: string;
  vocabSize: number;
  dModel: number;
  nLayers: number;
  /** The first layers use a dense FFN instead of an MoE layer. */
  nDenseLayers: number;
  /** Dense FFN width. */
  denseFfnHidden: number;
  /** Width of one routed / shared expert. */
  expertFfnHidden: number;
  nExperts: number;
  nShared: number;
  topK: number;
  /** Gate has a per-expert bias (V3's auxiliary-loss-free balancing). */
  gateBias: boolean;
  attention: {
    nHeads: number;
    /** 0 = queries not compressed (wq: [dModel, nHeads·(nope+rope)]). */
    qLoraRank: number;
    kvLoraRank: number;
    qkNopeHeadDim: number;
    qkRopeHeadDim: number;
    vHeadDim: number;
  };
}

/**
 * A model's shape for counting, from its published config (loadDeepSeekConfigs(): the one source
 * of DeepSeek's shapes): e.g. moeModelShape("DeepSeek-V3", (await loadDeepSeekConfigs())["DeepSeek-V3"]).
 */
export function moeModelShape(name: string, cfg: DeepSeekConfig): MoEModelShape {
  return {
    name,
    vocabSize: cfg.vocabSize,
    dModel: cfg.dModel,
    nLayers: cfg.nLayers,
    nDenseLayers: cfg.firstKDenseReplace,
    denseFfnHidden: cfg.ffnHidden,
    expertFfnHidden: cfg.expertFfnHidden,
    nExperts: cfg.nRoutedExperts,
    nShared: cfg.nSharedExperts,
    topK: cfg.numExpertsPerTok,
    gateBias: cfg.topkMethod === "noaux_tc",
    attention: {
      nHeads: cfg.nHeads, qLoraRank: cfg.qLoraRank, kvLoraRank: cfg.kvLoraRank,
      qkNopeHeadDim: cfg.qkNopeHeadDim, qkRopeHeadDim: cfg.qkRopeHeadDim, vHeadDim: cfg.vHeadDim,
    },
  };
}

export interface ParamCounts {
  total: number;
  active: number;
  /** Where the total goes. */
  parts: {
    embedding: number;
    head: number;
    attention: number;
    norms: number;
    denseFfn: number;
    routedExperts: number;
    sharedExperts: number;
    gates: number;
  };
  /** Where the active count goes (same keys). */
  activeParts: ParamCounts["parts"];
}

/** Parameters of one MLA attention block (matrices and its two internal RMSNorms). */
export function mlaParamCount(dModel: number, a: MoEModelShape["attention"]): number {
  const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const q = a.qLoraRank > 0 ? dModel * a.qLoraRank + a.qLoraRank + a.qLoraRank * a.nHeads * qkHead : dModel * a.nHeads * qkHead;
  const kvA = dModel * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank; // W_DKV + W_KR, kvNorm
  const kvB = a.kvLoraRank * a.nHeads * (a.qkNopeHeadDim + a.vHeadDim); // W_UK, W_UV
  const o = a.nHeads * a.vHeadDim * dModel;
  return q + kvA + kvB + o;
}

/** Total and per-token active parameters of an MoE transformer. */
export function moeParamCounts(s: MoEModelShape): ParamCounts {
  if (s.topK > s.nExperts) throw new Error(`moeParamCounts: topK ${s.topK} > nExperts ${s.nExperts}`);
  if (s.nDenseLayers > s.nLayers) throw new Error(`moeParamCounts: nDenseLayers ${s.nDenseLayers} > nLayers ${s.nLayers}`);
  const nMoe = s.nLayers - s.nDenseLayers;
  const expert = 3 * s.dModel * s.expertFfnHidden; // one SwiGLU expert
  const gate = s.dModel * s.nExperts + (s.gateBias ? s.nExperts : 0);
  const parts = {
    embedding: s.vocabSize * s.dModel,
    head: s.vocabSize * s.dModel,
    attention: s.nLayers * mlaParamCount(s.dModel, s.attention),
    norms: s.nLayers * 2 * s.dModel + s.dModel, // attn + ffn norm per layer, final norm
    denseFfn: s.nDenseLayers * 3 * s.dModel * s.denseFfnHidden,
    routedExperts: nMoe * s.nExperts * expert,
    sharedExperts: nMoe * s.nShared * expert,
    gates: nMoe * gate,
  };
  const activeParts = { ...parts, routedExperts: nMoe * s.topK * expert };
  const sum = (p: typeof parts) => Object.values(p).reduce((a, b) => a + b, 0);
  return { total: sum(parts), active: sum(activeParts), parts, activeParts };
}
