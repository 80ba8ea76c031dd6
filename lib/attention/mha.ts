/**
 * Multi-head attention with a KV cache, and its key-sharing variants as the same code:
 * MHA (nKvHeads = nHeads), GQA (1 < nKvHeads < nHeads; Ainslie et al. 2023) and MQA (nKvHeads = 1;
 * Shazeer 2019). Query head h reads KV head ⌊h / (nHeads / nKvHeads)⌋.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (the baseline MLA is measured against).
 */
import * as tf from "@tensorflow/tfjs";
import { linear } from "../nn/linear.js";
import { applyRope, applyRopeMatmul, ropeAt, ropeTables, type RopeTables } from "../nn/rope.js";
import { attention } from "../nn/attention.js";
import { initLinear } from "../nn/init.js";
import { deriveSeed } from "../random.js";
import { KVCache } from "./kvcache.js";
import { pagedAttention } from "./paged.js";
import { checkMHAConfig } from "./mhaConfig.js";
import { checkSeed } from "./mlaConfig.js";
import { decodeKernelsOn } from "../backend/decodeAttention.js";
import { mhaDecodeStep } from "../backend/mhaDecode.js";

export interface MHAConfig {
  dModel: number;
  /** query heads */
  nHeads: number;
  /** key/value heads (default nHeads = MHA; 1 = MQA); must divide nHeads */
  nKvHeads?: number;
  /** per-head width of queries, keys and values */
  headDim: number;
  /** RoPE and cache capacity */
  maxSeqLen: number;
  /** RoPE base (default 10000) */
  ropeTheta?: number;
  /** rotate queries and keys with interleaved RoPE (default true) */
  rope?: boolean;
}

/** Input-major weights (y = x · W). */
export interface MHAWeights {
  /** [dModel, nHeads * headDim] */
  wq: tf.Tensor;
  /** [dModel, nKvHeads * headDim] */
  wk: tf.Tensor;
  /** [dModel, nKvHeads * headDim] */
  wv: tf.Tensor;
  /** [nHeads * headDim, dModel] */
  wo: tf.Tensor;
}

function kvHeads(cfg: MHAConfig): number {
  const n = cfg.nKvHeads ?? cfg.nHeads;
  if (!Number.isInteger(n) || n <= 0 || cfg.nHeads % n !== 0) {
    throw new Error(`MHAConfig: nKvHeads must be a positive divisor of nHeads=${cfg.nHeads}; got ${n}`);
  }
  return n;
}

/** Seeded weights, N(0, 1/fanIn). */
export function initMHAWeights(cfg: MHAConfig, seed: number): MHAWeights {
  checkMHAConfig("initMHAWeights", cfg);
  checkSeed("initMHAWeights", seed);
  const kv = kvHeads(cfg);
  return {
    wq: initLinear(cfg.dModel, cfg.nHeads * cfg.headDim, deriveSeed(seed, "wq")),
    wk: initLinear(cfg.dModel, kv * cfg.headDim, deriveSeed(seed, "wk")),
    wv: initLinear(cfg.dModel, kv * cfg.headDim, deriveSeed(seed, "wv")),
    wo: initLinear(cfg.nHeads * cfg.headDim, cfg.dModel, deriveSeed(seed, "wo")),
  };
}

/** A cache of roped keys and values: 2 · nKvHeads · headDim numbers per token (blocks of opts.blockSize tokens, see kvcache.ts). */
export function createMHACache(cfg: MHAConfig, batch: number, opts: { blockSize?: number } = {}): KVCache {
  const kv = kvHeads(cfg);
  return new KVCache(batch, cfg.maxSeqLen, { k: [kv, cfg.headDim], v: [kv, cfg.headDim] }, opts);
}

/** Repeat each KV head for its group of query heads: [b, t, nKv, d] → [b, t, nKv·group, d]. */
function repeatKv(t: tf.Tensor, group: number): tf.Tensor {
  if (group === 1) return t;
  const [b, n, kv, d] = t.shape as [number, number, number, number];
  // Rank-4 tile (WebGPU runs rank-5 tiles on the CPU with a synchronous read).
  const copies = tf.tile(t.reshape([b * n, kv, 1, d]), [1, 1, group, 1]); // [b·t, nKv, group, d]
  return copies.reshape([b, n, kv * group, d]); // head h ← kv ⌊h/group⌋
}

/**
 * One decode step on tfjs-wasm, the same arithmetic as the general path below in 3 ops instead of
 * ~20: x·[Wq | Wk | Wv] as one product (the joined weight is made once and kept by the cache),
 * then RoPE, the cache append and the attention as one kernel (lib/backend/decodeAttention.ts),
 * then the output projection. At one token per sequence the ops' fixed cost was most of the step.
 */
function fusedDecodeStep(x: tf.Tensor, w: MHAWeights, cfg: MHAConfig, cache: KVCache, startPos: number, tables: RopeTables): tf.Tensor3D {
  const { nHeads, headDim } = cfg;
  const wqkv = cache.derived("wqkv", [w.wq, w.wk, w.wv], () => tf.concat([w.wq, w.wk, w.wv], 1)); // [dModel, (H + 2·nKv)·headDim]
  const qkv = linear(x, wqkv); // [b, 1, (H + 2·nKv)·headDim]: per row [q | k | v]
  const step = mhaDecodeStep(qkv, cache.blocks("k"), cache.blocks("v"), {
    pos: startPos, blockSize: cache.blockSize, nHeads, nKvHeads: kvHeads(cfg), scale: 1 / Math.sqrt(headDim), ...ropeAt(tables, startPos),
  });
  cache.writeLastBlocks(startPos, { k: step.k, v: step.v });
  return linear(step.out, w.wo) as tf.Tensor3D; // [b, 1, dModel]
}

/**
 * @param x [batch, seq, dModel]
 * @param opts.cache from `createMHACache`; keys/values of earlier tokens are read from it
 * @param opts.startPos absolute position of x's first token (default 0)
 * @param opts.ropeImpl "split" (default: `applyRope`, the readable spelling) or "matmul"
 *   (`applyRopeMatmul`: the same numbers, much faster to train on wasm; lib/model uses it)
 * @returns [batch, seq, dModel]
 */
export function mhaForward(
  x: tf.Tensor,
  w: MHAWeights,
  cfg: MHAConfig,
  opts: { cache?: KVCache; startPos?: number; ropeImpl?: "split" | "matmul" } = {},
): tf.Tensor3D {
  checkMHAConfig("mhaForward", cfg);
  const kv = kvHeads(cfg);
  if (x.rank !== 3 || x.shape[2] !== cfg.dModel) {
    throw new Error(`mhaForward: x must be [batch, seq, dModel=${cfg.dModel}]; got [${x.shape}]`);
  }
  const [batch, seq] = x.shape as [number, number, number];
  const startPos = opts.startPos ?? 0;
  if (opts.cache) opts.cache.check(batch, seq, startPos, "mhaForward");
  else if (startPos + seq > cfg.maxSeqLen) {
    throw new Error(`mhaForward: startPos ${startPos} + seq ${seq} exceeds maxSeqLen=${cfg.maxSeqLen}`);
  }
  const { nHeads, headDim } = cfg;
  const tables = (cfg.rope ?? true) ? ropeTables(headDim, cfg.maxSeqLen, cfg.ropeTheta ?? 10000) : undefined;
  const cache = opts.cache;
  if (cache && seq === 1 && tables && startPos === cache.length && headDim % 4 === 0 && decodeKernelsOn()) {
    return tf.tidy(() => fusedDecodeStep(x, w, cfg, cache, startPos, tables));
  }
  return tf.tidy(() => {
    let q = linear(x, w.wq).reshape([batch, seq, nHeads, headDim]); // [b, s, nHeads, headDim]
    let k = linear(x, w.wk).reshape([batch, seq, kv, headDim]); // [b, s, nKv, headDim]
    const v = linear(x, w.wv).reshape([batch, seq, kv, headDim]); // [b, s, nKv, headDim]
    if (tables) {
      const rope = opts.ropeImpl === "matmul" ? applyRopeMatmul : applyRope;
      q = rope(q, tables, startPos);
      k = rope(k, tables, startPos);
    }
    const group = nHeads / kv;
    let out: tf.Tensor; // [b, nHeads, s, headDim]
    if (cache) {
      // Decode and chunked prefill: attention over the cache's blocks (paged.ts).
      cache.write(startPos, { k, v });
      // (One new token: [b, 1, heads, d] and [b, heads, 1, d] are the same memory, so no transpose.)
      const qg = (seq === 1 ? q : q.transpose([0, 2, 1, 3])).reshape([batch, kv, group * seq, headDim]) as tf.Tensor4D; // [b, nKv, group·s, headDim]
      out = pagedAttention({ queries: [qg], keys: [cache.blocks("k")], values: cache.blocks("v") }, seq, 1 / Math.sqrt(headDim), startPos); // cached keys start at position 0
      if (group > 1) out = out.reshape([batch, nHeads, seq, headDim]); // [b, nKv, group·s, d] is [b, nHeads, s, d]
    } else {
      out = attention(
        q.transpose([0, 2, 1, 3]), // [b, nHeads, s, headDim]
        repeatKv(k, group).transpose([0, 2, 1, 3]), // [b, nHeads, s, headDim]
        repeatKv(v, group).transpose([0, 2, 1, 3]), // [b, nHeads, s, headDim]
        { offset: 0 }, // keys from this chunk only start where the queries start
      ); // [b, nHeads, s, headDim]
    }
    const merged = (seq === 1 ? out : out.transpose([0, 2, 1, 3])).reshape([batch, seq, nHeads * headDim]); // [b, s, nHeads·headDim]
    return linear(merged, w.wo) as tf.Tensor3D; // [b, s, dModel]
  });
}
