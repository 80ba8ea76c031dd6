/**
 * Multi-head Latent Attention (MLA), with DeepSeek-V3's inference semantics
 * (DeepSeek-V2 paper, arXiv 2405.04434, §2.1, full formulas in Appendix C, eq. 37–47 — the same
 * as the DeepSeek-V3 report's eq. 1–11 — and DeepSeek-V3's `inference/model.py`).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb, which builds it step by step.
 *
 * Shapes: b = batch, s = seq (new tokens), t = tokens attended (cache + new), H = nHeads,
 * dn = qkNopeHeadDim, dr = qkRopeHeadDim, dv = vHeadDim, c = kvLoraRank.
 *
 * - Queries: q = x·W_Q, or with query compression (qLoraRank > 0) q = RMSNorm(x·W_DQ)·W_UQ
 *   (eq. 37–38); per head the columns are [nope | rope] and RoPE rotates the rope part (eq. 39).
 * - Keys/values: one joint projection x·W_DKV gives the latent c_kv (first c columns, eq. 41) and
 *   the decoupled rope key k_pe (last dr columns, eq. 43), ONE vector shared by all heads.
 *   c_kv is RMS-normalised, then W_UK / W_UV (the columns of wkvB) expand it per head (eq. 42, 45).
 * - Scores use softmax scale 1/sqrt(dn + dr).
 *
 * Two ways to run it, same output to float32 rounding:
 * - "naive" (the readable default) expands keys and values per head and caches them:
 *   H·(dn + dr) + H·dv numbers per token.
 * - "absorbed" caches only the normalised latent and k_pe (c + dr numbers per token) and folds
 *   W_UK into the query (q_nope·W_UKᵀ lives in latent space) and W_UV into the output, so a decode
 *   step never re-expands the cache. RoPE is why k_pe must stay outside the latent: a rotation that
 *   depends on the position sits between W_UK and the query and cannot be folded away.
 * YaRN (DeepSeek's long-context mscale) is not implemented: with maxSeqLen ≤ 4096 DeepSeek skips it too.
 */
import * as tf from "@tensorflow/tfjs";
import { linear } from "../nn/linear.js";
import { rmsNorm, RMS_NORM_EPS } from "../nn/rmsnorm.js";
import { applyRope, applyRopeMatmul, ropeAt, ropeTables } from "../nn/rope.js";
import { fusedKernel, ROPE_KERNEL } from "../backend/fusedKernels.js";
import { attention, maskedSoftmax } from "../nn/attention.js";
import { initLinear, initOnes } from "../nn/init.js";
import { deriveSeed } from "../random.js";
import { KVCache } from "./kvcache.js";
import { pagedAttention } from "./paged.js";
import { bmmList } from "../nn/bmm.js";
import { simdBatchMatMulInstalled } from "../backend/bmmKernel.js";
import { decodeKernelsOn } from "../backend/decodeAttention.js";
import { mlaDecodeStep } from "../backend/mlaDecode.js";
import { checkMLAConfig, checkSeed } from "./mlaConfig.js";

export type MLAMode = "naive" | "absorbed";

export interface MLAConfig {
  dModel: number;
  nHeads: number;
  /** query compression rank d_c'; 0 = no query compression (plain wq) */
  qLoraRank: number;
  /** KV latent width d_c */
  kvLoraRank: number;
  /** per-head query/key width without position, d_h */
  qkNopeHeadDim: number;
  /** decoupled RoPE width d_h^R */
  qkRopeHeadDim: number;
  /** per-head value width */
  vHeadDim: number;
  /** RoPE base (default 10000) */
  ropeTheta?: number;
  /** RoPE table length and cache capacity */
  maxSeqLen: number;
  /** RMSNorm epsilon (default 1e-6) */
  normEps?: number;
}

/** Input-major weights (y = x · W); per head, query columns are [nope | rope]. */
export interface MLAWeights {
  /** [dModel, nHeads·(nope+rope)] when qLoraRank = 0 */
  wq?: tf.Tensor;
  /** W_DQ [dModel, qLoraRank] when qLoraRank > 0 */
  wqA?: tf.Tensor;
  /** [qLoraRank] */
  qNorm?: tf.Tensor;
  /** W_UQ (and W_QR) [qLoraRank, nHeads·(nope+rope)] */
  wqB?: tf.Tensor;
  /** W_DKV and W_KR [dModel, kvLoraRank+rope]: first kvLoraRank columns → c_kv, last rope → k_pe */
  wkvA: tf.Tensor;
  /** [kvLoraRank] */
  kvNorm: tf.Tensor;
  /** W_UK and W_UV [kvLoraRank, nHeads·(nope+v)]: per head, first nope columns → keys, next v → values */
  wkvB: tf.Tensor;
  /** W_O [nHeads·v, dModel] */
  wo: tf.Tensor;
}

/** W_UK and W_UV laid out per head for absorbed decoding. */
interface AbsorbedWeights {
  /** the wkvB tensor and the data it held when these were made (a Variable's assign changes dataId) */
  source: tf.Tensor;
  dataId: object;
  /** W_UKᵀ per head: H × [dn, c] */
  wUKt: tf.Tensor2D[];
  /** W_UV per head: H × [c, dv] */
  wUV: tf.Tensor2D[];
  /** the same stacked, W_UKᵀ [H, dn, c] and W_UV [H, c, dv], for one batched product (see `headProducts`) */
  wUKtAll: tf.Tensor3D;
  wUVAll: tf.Tensor3D;
}

type UpProjections = Omit<AbsorbedWeights, "source" | "dataId">;

/**
 * Re-lay out wkvB [c, H·(dn+dv)] per head: W_UKᵀ H × [dn, c] and W_UV H × [c, dv]. Kept as
 * lists of matrices because per-head products run as 2-D products (lib/nn/bmm.ts).
 */
function splitUpProjection(wkvB: tf.Tensor, cfg: MLAConfig): UpProjections {
  return tf.tidy(() => {
    const dn = cfg.qkNopeHeadDim;
    const w3 = wkvB.reshape([cfg.kvLoraRank, cfg.nHeads, dn + cfg.vHeadDim]); // [c, H, dn+dv]
    const [wUK, wUV] = tf.split(w3, [dn, cfg.vHeadDim], -1) as [tf.Tensor, tf.Tensor]; // [c, H, dn], [c, H, dv]
    const wUKtAll = wUK.transpose([1, 2, 0]) as tf.Tensor3D; // [H, dn, c]
    const wUVAll = wUV.transpose([1, 0, 2]) as tf.Tensor3D; // [H, c, dv]
    return { wUKt: tf.unstack(wUKtAll) as tf.Tensor2D[], wUV: tf.unstack(wUVAll) as tf.Tensor2D[], wUKtAll, wUVAll };
  });
}

/**
 * a[h]·w[h] for every head h: one batched product where the backend runs batches fast (tfjs-wasm
 * with SeekLab's SIMD BatchMatMul: one op instead of an unstack, H products and a stack — at
 * decode the ops' fixed cost was most of it), else H 2-D products (lib/nn/bmm.ts). Same dot products.
 * @param a [H, m, k]
 * @returns [H, m, n]
 */
function headProducts(a: tf.Tensor3D, perHead: readonly tf.Tensor2D[], stacked: tf.Tensor3D): tf.Tensor3D {
  return simdBatchMatMulInstalled() && tf.getBackend() === "wasm" ? tf.matMul(a, stacked) : bmmList(a, perHead);
}

/**
 * A KV cache that remembers which mode wrote it. An "absorbed" cache also keeps W_UK and W_UV
 * laid out per head (made on first use, remade if wkvB changes): what a server prepares once at
 * load time, so that a decode step does not pay for re-arranging weights. These are not counted
 * in `elementsPerToken` (they do not grow with the context) and are freed by `dispose()`.
 */
export class MLACache extends KVCache {
  readonly mode: MLAMode;
  private absorbedWeights?: AbsorbedWeights;

  /** W_UKᵀ [H, dn, c] and W_UV [H, c, dv] for `wkvB` (per head and stacked), made once and kept by the cache. */
  upProjections(wkvB: tf.Tensor, cfg: MLAConfig): UpProjections {
    const a = this.absorbedWeights;
    if (a && a.source === wkvB && a.dataId === wkvB.dataId && !a.wUKt[0]!.isDisposed) return a;
    if (a) tf.dispose([...a.wUKt, ...a.wUV, a.wUKtAll, a.wUVAll]);
    const made = splitUpProjection(wkvB, cfg);
    for (const t of [...made.wUKt, ...made.wUV, made.wUKtAll, made.wUVAll]) tf.keep(t);
    this.absorbedWeights = { source: wkvB, dataId: wkvB.dataId, ...made };
    return made;
  }

  override dispose(): void {
    const a = this.absorbedWeights;
    if (a) tf.dispose([...a.wUKt, ...a.wUV, a.wUKtAll, a.wUVAll]);
    this.absorbedWeights = undefined;
    super.dispose();
  }

  constructor(cfg: MLAConfig, batch: number, mode: MLAMode, opts: { blockSize?: number } = {}) {
    const H = cfg.nHeads;
    super(
      batch,
      cfg.maxSeqLen,
      mode === "naive"
        ? { k: [H, cfg.qkNopeHeadDim + cfg.qkRopeHeadDim], v: [H, cfg.vHeadDim] } // per-head keys and values
        : { kv: [cfg.kvLoraRank], pe: [cfg.qkRopeHeadDim] }, // normalised c_kv and roped k_pe
      opts,
    );
    this.mode = mode;
  }
}

function checkMode(mode: unknown, who: string): MLAMode {
  if (mode !== "naive" && mode !== "absorbed") throw new Error(`${who}: mode must be "naive" or "absorbed"; got ${JSON.stringify(mode)}`);
  return mode;
}

/** Seeded weights: N(0, 1/fanIn) projections, norm gains 1. */
export function initMLAWeights(cfg: MLAConfig, seed: number): MLAWeights {
  checkMLAConfig("initMLAWeights", cfg);
  checkSeed("initMLAWeights", seed);
  const H = cfg.nHeads;
  const qk = cfg.qkNopeHeadDim + cfg.qkRopeHeadDim;
  const s = (name: string) => deriveSeed(seed, name);
  const q: Partial<MLAWeights> =
    cfg.qLoraRank > 0
      ? {
          wqA: initLinear(cfg.dModel, cfg.qLoraRank, s("wqA")),
          qNorm: initOnes(cfg.qLoraRank),
          wqB: initLinear(cfg.qLoraRank, H * qk, s("wqB")),
        }
      : { wq: initLinear(cfg.dModel, H * qk, s("wq")) };
  return {
    ...q,
    wkvA: initLinear(cfg.dModel, cfg.kvLoraRank + cfg.qkRopeHeadDim, s("wkvA")),
    kvNorm: initOnes(cfg.kvLoraRank),
    wkvB: initLinear(cfg.kvLoraRank, H * (cfg.qkNopeHeadDim + cfg.vHeadDim), s("wkvB")),
    wo: initLinear(H * cfg.vHeadDim, cfg.dModel, s("wo")),
  };
}

/** An empty cache for `batch` sequences of up to cfg.maxSeqLen tokens (blocks of opts.blockSize tokens, see kvcache.ts). */
export function createMLACache(cfg: MLAConfig, batch: number, mode: MLAMode, opts: { blockSize?: number } = {}): MLACache {
  checkMLAConfig("createMLACache", cfg);
  return new MLACache(cfg, batch, checkMode(mode, "createMLACache"), opts);
}

function checkWeight(name: string, t: tf.Tensor | undefined, want: number[], why = ""): tf.Tensor {
  if (!t) throw new Error(`mlaForward: weight ${name} [${want}] is missing${why}`);
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new Error(`mlaForward: weight ${name} must be [${want}]; got [${t.shape}]`);
  }
  return t;
}

/**
 * @param x [batch, seq, dModel]
 * @param opts.mode "naive" (default, or the cache's mode) or "absorbed"
 * @param opts.cache from `createMLACache` with the same mode; earlier tokens are read from it
 * @param opts.startPos absolute position of x's first token (default 0)
 * @returns [batch, seq, dModel]
 */
export function mlaForward(
  x: tf.Tensor,
  w: MLAWeights,
  cfg: MLAConfig,
  opts: { mode?: MLAMode; cache?: MLACache; startPos?: number } = {},
): tf.Tensor3D {
  checkMLAConfig("mlaForward", cfg);
  const { cache } = opts;
  const mode = checkMode(opts.mode ?? cache?.mode ?? "naive", "mlaForward");
  if (cache && cache.mode !== mode) {
    throw new Error(`mlaForward: the cache was created for mode "${cache.mode}" but the call asks for mode "${mode}"`);
  }
  if (x.rank !== 3 || x.shape[2] !== cfg.dModel) {
    throw new Error(`mlaForward: x must be [batch, seq, dModel=${cfg.dModel}]; got [${x.shape}]`);
  }
  const [b, s] = x.shape as [number, number, number];
  const startPos = opts.startPos ?? 0;
  if (cache) cache.check(b, s, startPos, "mlaForward");
  else if (!Number.isInteger(startPos) || startPos < 0 || startPos + s > cfg.maxSeqLen) {
    throw new Error(`mlaForward: startPos ${startPos} + seq ${s} must fit in maxSeqLen=${cfg.maxSeqLen}`);
  }
  const H = cfg.nHeads;
  const dn = cfg.qkNopeHeadDim;
  const dr = cfg.qkRopeHeadDim;
  const dv = cfg.vHeadDim;
  const c = cfg.kvLoraRank;
  const eps = cfg.normEps ?? RMS_NORM_EPS;
  const scale = 1 / Math.sqrt(dn + dr);
  const qWeights: { wq: tf.Tensor } | { wqA: tf.Tensor; qNorm: tf.Tensor; wqB: tf.Tensor } =
    cfg.qLoraRank > 0
      ? {
          wqA: checkWeight("wqA", w.wqA, [cfg.dModel, cfg.qLoraRank], " (qLoraRank > 0)"),
          qNorm: checkWeight("qNorm", w.qNorm, [cfg.qLoraRank], " (qLoraRank > 0)"),
          wqB: checkWeight("wqB", w.wqB, [cfg.qLoraRank, H * (dn + dr)], " (qLoraRank > 0)"),
        }
      : { wq: checkWeight("wq", w.wq, [cfg.dModel, H * (dn + dr)], " (qLoraRank = 0)") };
  checkWeight("wkvA", w.wkvA, [cfg.dModel, c + dr]);
  checkWeight("kvNorm", w.kvNorm, [c]);
  checkWeight("wkvB", w.wkvB, [c, H * (dn + dv)]);
  checkWeight("wo", w.wo, [H * dv, cfg.dModel]);
  const tables = ropeTables(dr, cfg.maxSeqLen, cfg.ropeTheta ?? 10000);

  return tf.tidy(() => {
    // Queries, eq. 37–39.
    const qFlat =
      "wq" in qWeights
        ? linear(x, qWeights.wq)
        : linear(rmsNorm(linear(x, qWeights.wqA), qWeights.qNorm, eps), qWeights.wqB); // [b, s, H·(dn+dr)]
    if (mode === "absorbed" && cache && s === 1 && startPos === cache.length && decodeKernelsOn() && [dn, dr, c, cfg.vHeadDim].every((n) => n % 4 === 0)) {
      // A decode step on tfjs-wasm: everything between the projections as one kernel (lib/backend/mlaDecode.ts).
      const up = cache.upProjections(w.wkvB, cfg);
      const step = mlaDecodeStep(qFlat, linear(x, w.wkvA), w.kvNorm, up.wUKtAll, up.wUVAll, cache.blocks("kv"), cache.blocks("pe"), {
        pos: startPos, blockSize: cache.blockSize, nHeads: H, qkNopeHeadDim: dn, qkRopeHeadDim: dr, eps, scale, ...ropeAt(tables, startPos),
      });
      cache.writeLastBlocks(startPos, { kv: step.kv, pe: step.pe });
      return linear(step.heads, w.wo) as tf.Tensor3D; // [b, 1, dModel] (eq. 47)
    }
    const q = qFlat.reshape([b, s, H, dn + dr]); // [b, s, H, dn+dr]
    const [qNope, qPeRaw] = tf.split(q, [dn, dr], -1) as [tf.Tensor, tf.Tensor]; // [b, s, H, dn], [b, s, H, dr]
    // The readable RoPE (split, rotate, stack), or on tfjs-wasm the same rotation as one fused kernel.
    const rope = fusedKernel(ROPE_KERNEL) ? applyRopeMatmul : applyRope;
    const qPe = rope(qPeRaw, tables, startPos); // [b, s, H, dr]

    // Joint KV compression (eq. 41) and the decoupled rope key shared by all heads (eq. 43).
    const kvA = linear(x, w.wkvA); // [b, s, c+dr]
    const [ckvRaw, kPeRaw] = tf.split(kvA, [c, dr], -1) as [tf.Tensor, tf.Tensor]; // [b, s, c], [b, s, dr]
    const ckv = rmsNorm(ckvRaw, w.kvNorm, eps); // [b, s, c]
    const kPe = rope(kPeRaw, tables, startPos); // [b, s, dr]
    // With a cache, key 0 is position 0; without, the keys are this chunk's own tokens.
    const offset = cache ? startPos : 0;

    let heads: tf.Tensor; // [b, s, H·dv]
    if (mode === "naive") {
      // Expand the latent per head (eq. 42, 45) and cache full keys and values.
      const kvB = linear(ckv, w.wkvB).reshape([b, s, H, dn + dv]); // [b, s, H, dn+dv]
      const [kNope, v] = tf.split(kvB, [dn, dv], -1) as [tf.Tensor, tf.Tensor]; // [b, s, H, dn], [b, s, H, dv]
      const kPeHeads = tf.tile(kPe.expandDims(2), [1, 1, H, 1]); // [b, s, H, dr]: same vector per head
      const k = tf.concat([kNope, kPeHeads], -1); // [b, s, H, dn+dr] (eq. 44)
      const qHeads = tf.concat([qNope, qPe], -1).transpose([0, 2, 1, 3]); // [b, H, s, dn+dr] (eq. 40)
      let o: tf.Tensor; // [b, H, s, dv] (eq. 46)
      if (cache) {
        // H KV heads, each read by its own query head (paged.ts).
        cache.write(startPos, { k, v });
        o = pagedAttention({ queries: [qHeads as tf.Tensor4D], keys: [cache.blocks("k")], values: cache.blocks("v") }, s, scale, offset); // [b, H, s, dv]
      } else {
        o = attention(qHeads, k.transpose([0, 2, 1, 3]), v.transpose([0, 2, 1, 3]), { scale, offset }); // keys [b, H, s, dn+dr], values [b, H, s, dv]
      }
      heads = o.transpose([0, 2, 1, 3]).reshape([b, s, H * dv]); // [b, s, H·dv]
    } else {
      // Absorbed: W_UK moves to the query side, W_UV to the output side.
      const up = cache ? cache.upProjections(w.wkvB, cfg) : splitUpProjection(w.wkvB, cfg); // H × [dn, c], H × [c, dv]
      // q_lat[h] = q_nope[h] · W_UK[h]ᵀ: the query expressed in latent space.
      const qLat = headProducts(qNope.transpose([2, 0, 1, 3]).reshape([H, b * s, dn]) as tf.Tensor3D, up.wUKt, up.wUKtAll) // [H, b·s, c]
        .reshape([H, b, s, c])
        .transpose([1, 0, 2, 3]); // [b, H, s, c]
      const qPeHeads = qPe.transpose([0, 2, 1, 3]); // [b, H, s, dr]
      let oLat: tf.Tensor; // [b, H·s, c]: values still in latent space
      if (cache) {
        // Every head reads the same latent rows: ONE KV "head" with H·s queries, whose scores add
        // two terms, q_lat·c_kvᵀ and q_pe·k_peᵀ, and whose values are the latent blocks themselves.
        cache.write(startPos, { kv: ckv, pe: kPe });
        const kvBlocks = cache.blocks("kv"); // [b, 1, tokens, c] each
        oLat = pagedAttention(
          { queries: [qLat.reshape([b, 1, H * s, c]) as tf.Tensor4D, qPeHeads.reshape([b, 1, H * s, dr]) as tf.Tensor4D], keys: [kvBlocks, cache.blocks("pe")], values: kvBlocks },
          s,
          scale,
          offset,
        ).reshape([b, H * s, c]); // [b, H·s, c]
      } else {
        // Whole tensors (prefill): every head reads the same latent rows, one matmul per batch row.
        const scores = tf.add(
          tf.matMul(qLat.reshape([b, H * s, c]), ckv, false, true), // [b, H·s, s]: q_nope·k_nope via the latent
          tf.matMul(qPeHeads.reshape([b, H * s, dr]), kPe, false, true), // [b, H·s, s]: rope part
        );
        const probs = maskedSoftmax(scores.reshape([b, H, s, s]), scale, { offset }); // [b, H, s, s]
        oLat = tf.matMul(probs.reshape([b, H * s, s]), ckv); // [b, H·s, c]
      }
      const o = headProducts(
        oLat.reshape([b, H, s, c]).transpose([1, 0, 2, 3]).reshape([H, b * s, c]) as tf.Tensor3D, // [H, b·s, c]
        up.wUV, // H × [c, dv]
        up.wUVAll,
      ); // [H, b·s, dv]
      heads = o.reshape([H, b, s, dv]).transpose([1, 2, 0, 3]).reshape([b, s, H * dv]); // [b, s, H·dv]
    }
    return linear(heads, w.wo) as tf.Tensor3D; // [b, s, dModel] (eq. 47)
  });
}
