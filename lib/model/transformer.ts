/**
 * A tiny decoder-only transformer built from SeekLab's own blocks — the model the learner trains
 * in notebooks/03_chain_of_thought.ipynb (and the hardware lesson trains at several sizes).
 *
 *   x₀ = E[token]                                 one-hot · E (tfjs-wasm has no gather gradient)
 *   xₗ' = xₗ + Attn(RMSNorm(xₗ))                   RoPE attention with a KV cache (lib/attention)
 *   xₗ₊₁ = xₗ' + FFN(RMSNorm(xₗ'))                 SwiGLU (lib/nn/swiglu.ts) or MoE (lib/moe)
 *   logits = RMSNorm(x_L) · W_head
 *
 * The attention kind ("mha" — MHA/GQA/MQA via nKvHeads — or "mla") and the FFN kind ("swiglu" or
 * "moe") are config options, so the blocks of lessons 1 and 2 drop in unchanged. Every weight is a
 * `tf.Variable` owned by the model (`dispose()` frees them).
 */
import * as tf from "@tensorflow/tfjs";
import { rmsNorm, RMS_NORM_EPS } from "../nn/rmsnorm.js";
import { linear } from "../nn/linear.js";
import { initLinear, initNormal, initOnes } from "../nn/init.js";
import { deriveSeed } from "../random.js";
import { oneHotFloat } from "../backend/onehot.js";
import { initSwiGLUWeights, swiglu, swigluJoined, type SwiGLUWeights } from "../nn/swiglu.js";
import { decodeKernelsOn } from "../backend/decodeAttention.js";
import { createMHACache, initMHAWeights, mhaForward, type MHAConfig, type MHAWeights } from "../attention/mha.js";
import { createMLACache, initMLAWeights, mlaForward, type MLAConfig, type MLAWeights } from "../attention/mla.js";
import type { KVCache } from "../attention/kvcache.js";
import { initMoEWeights, moeForwardDense, type MoEWeights } from "../moe/moe.js";
import { route, type GateConfig } from "../moe/gate.js";

export interface TinyTransformerConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Per-head width. Default dModel / nHeads. */
  headDim?: number;
  /** Key/value heads for "mha" (GQA/MQA). Default nHeads. */
  nKvHeads?: number;
  /** SwiGLU hidden width (per expert for "moe"). */
  ffnHidden: number;
  /** Longest sequence (RoPE table and KV-cache capacity). */
  maxSeqLen: number;
  /** Default 10000. */
  ropeTheta?: number;
  /** Default 1e-6. */
  normEps?: number;
  /** Default "mha". */
  attention?: "mha" | "mla";
  /** MLA widths when attention = "mla" (defaults: kvLoraRank = dModel/2, no query compression,
   *  nope = headDim, rope = headDim/2, v = headDim). */
  mla?: { kvLoraRank?: number; qLoraRank?: number; qkNopeHeadDim?: number; qkRopeHeadDim?: number; vHeadDim?: number };
  /** Default "swiglu". */
  ffn?: "swiglu" | "moe";
  /** Router when ffn = "moe" (computed densely: every expert on every token, masked).
   *  `routingBias: true` adds DeepSeek-V3's selection-only bias per layer ("layers.N.ffn.bias", not
   *  trained by gradient; the caller updates it by rule, e.g. with `updateRoutingBias`). Default false. */
  moe?: { nExperts: number; topK: number; scoreFunc?: "softmax" | "sigmoid"; nShared?: number; routingBias?: boolean };
}

/** The config with every default filled in: what checkpoints store and compare. */
export type ResolvedConfig = Required<Omit<TinyTransformerConfig, "mla" | "moe">> & {
  mla?: Required<NonNullable<TinyTransformerConfig["mla"]>>;
  moe?: Required<NonNullable<TinyTransformerConfig["moe"]>>;
};

export function resolveConfig(cfg: TinyTransformerConfig): ResolvedConfig {
  for (const k of ["vocabSize", "dModel", "nLayers", "nHeads", "ffnHidden", "maxSeqLen"] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`TinyTransformerConfig.${k} must be a positive integer; got ${cfg[k]}`);
  }
  const headDim = cfg.headDim ?? cfg.dModel / cfg.nHeads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new Error(`TinyTransformerConfig: headDim (${headDim}) must be an even integer (RoPE rotates pairs); set headDim or make dModel/nHeads even`);
  }
  const attention = cfg.attention ?? "mha";
  const ffn = cfg.ffn ?? "swiglu";
  if (attention !== "mha" && attention !== "mla") throw new Error(`TinyTransformerConfig.attention must be "mha" or "mla"; got ${String(attention)}`);
  if (ffn !== "swiglu" && ffn !== "moe") throw new Error(`TinyTransformerConfig.ffn must be "swiglu" or "moe"; got ${String(ffn)}`);
  const out: ResolvedConfig = {
    vocabSize: cfg.vocabSize,
    dModel: cfg.dModel,
    nLayers: cfg.nLayers,
    nHeads: cfg.nHeads,
    headDim,
    nKvHeads: cfg.nKvHeads ?? cfg.nHeads,
    ffnHidden: cfg.ffnHidden,
    maxSeqLen: cfg.maxSeqLen,
    ropeTheta: cfg.ropeTheta ?? 10000,
    normEps: cfg.normEps ?? RMS_NORM_EPS,
    attention,
    ffn,
  };
  if (attention === "mla") {
    const m = cfg.mla ?? {};
    out.mla = {
      kvLoraRank: m.kvLoraRank ?? Math.max(2, cfg.dModel / 2),
      qLoraRank: m.qLoraRank ?? 0,
      qkNopeHeadDim: m.qkNopeHeadDim ?? headDim,
      qkRopeHeadDim: m.qkRopeHeadDim ?? Math.max(2, headDim / 2),
      vHeadDim: m.vHeadDim ?? headDim,
    };
  }
  if (ffn === "moe") {
    if (!cfg.moe) throw new Error('TinyTransformerConfig: ffn = "moe" needs moe: { nExperts, topK }');
    out.moe = { scoreFunc: "softmax", nShared: 0, routingBias: false, ...cfg.moe };
  }
  return out;
}

interface LayerWeights {
  attnNorm: tf.Tensor1D; // [dModel]
  attn: MHAWeights | MLAWeights;
  ffnNorm: tf.Tensor1D; // [dModel]
  ffn: SwiGLUWeights | MoEWeights;
}

/** One KV cache per layer, for `batch` sequences. */
export interface ModelCache {
  layers: KVCache[];
  /** Tokens held. */
  readonly length: number;
  dispose(): void;
}

/** Parameters of a config (builds the model once and frees it). */
export function countParams(cfg: TinyTransformerConfig): number {
  const m = new TinyTransformer(cfg, 0);
  const n = m.paramCount;
  m.dispose();
  return n;
}

export class TinyTransformer {
  readonly config: ResolvedConfig;
  /** [vocabSize, dModel] */
  embed!: tf.Tensor2D;
  layers: LayerWeights[] = [];
  /** [dModel] */
  finalNorm!: tf.Tensor1D;
  /** [dModel, vocabSize] */
  head!: tf.Tensor2D;
  /**
   * Which RoPE spelling `mhaForward` uses (its `ropeImpl` option): "matmul" (`applyRopeMatmul`,
   * default: ~3× faster training on wasm) or "split" (`applyRope`, the readable one). Same numbers.
   */
  ropeImpl: "split" | "matmul" = "matmul";
  /**
   * Called by `forward` with each MoE layer's routing choices ([tokens, topK] int32, freed when the
   * forward's tidy ends: `tf.keep` what you hold on to) — how a training loop measures expert load
   * (MaxVio) and updates the routing bias. Unset (default): nothing extra is computed.
   */
  onRoute?: (layer: number, indices: tf.Tensor2D) => void;

  /**
   * Seeded initialisation (the same config and seed give the same weights on every backend).
   * Projections N(0, 1/fanIn) as lib/nn/init does; the embedding N(0, 1); norm gains 1.
   */
  constructor(cfg: TinyTransformerConfig, seed: number) {
    this.config = resolveConfig(cfg);
    const c = this.config;
    const v = <T extends tf.Tensor>(t: T): T => {
      const out = tf.variable(t, true) as unknown as T;
      t.dispose();
      return out;
    };
    const vAll = <T extends object>(w: T): T => {
      const out: Record<string, unknown> = {};
      for (const [k, t] of Object.entries(w)) {
        if (t instanceof tf.Tensor) out[k] = v(t);
        else if (Array.isArray(t)) out[k] = t.map((x) => vAll(x as object));
        else if (t && typeof t === "object") out[k] = vAll(t as object);
        else out[k] = t;
      }
      return out as T;
    };
    this.embed = v(initNormal([c.vocabSize, c.dModel], 1, deriveSeed(seed, "embed")) as tf.Tensor2D);
    for (let l = 0; l < c.nLayers; l++) {
      const s = deriveSeed(seed, `layer${l}`);
      const attn = c.attention === "mha" ? initMHAWeights(this.mhaConfig(), deriveSeed(s, "attn")) : initMLAWeights(this.mlaConfig(), deriveSeed(s, "attn"));
      let ffn: SwiGLUWeights | MoEWeights;
      if (c.ffn === "swiglu") ffn = initSwiGLUWeights(c.dModel, c.ffnHidden, deriveSeed(s, "ffn"));
      else {
        const moe = initMoEWeights(c.dModel, c.ffnHidden, c.moe!.nExperts, deriveSeed(s, "ffn"), { nShared: c.moe!.nShared, withBias: c.moe!.routingBias });
        ffn = moe;
      }
      this.layers.push({ attnNorm: v(initOnes(c.dModel)), attn: vAll(attn), ffnNorm: v(initOnes(c.dModel)), ffn: vAll(ffn) });
    }
    this.finalNorm = v(initOnes(c.dModel));
    this.head = v(initLinear(c.dModel, c.vocabSize, deriveSeed(seed, "head")));
  }

  mhaConfig(): MHAConfig {
    const c = this.config;
    return { dModel: c.dModel, nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, maxSeqLen: c.maxSeqLen, ropeTheta: c.ropeTheta };
  }

  mlaConfig(): MLAConfig {
    const c = this.config;
    const m = c.mla ?? resolveConfig({ ...c, attention: "mla", mla: undefined }).mla!;
    return { dModel: c.dModel, nHeads: c.nHeads, ...m, maxSeqLen: c.maxSeqLen, ropeTheta: c.ropeTheta, normEps: c.normEps };
  }

  gateConfig(): GateConfig {
    const m = this.config.moe!;
    return { nExperts: m.nExperts, topK: m.topK, scoreFunc: m.scoreFunc };
  }

  /** Every weight with a stable dotted name ("layers.0.attn.wq"), in a fixed order. */
  namedWeights(): [string, tf.Tensor][] {
    const out: [string, tf.Tensor][] = [["embed", this.embed]];
    const walk = (prefix: string, obj: unknown): void => {
      if (obj instanceof tf.Tensor) out.push([prefix, obj]);
      else if (Array.isArray(obj)) obj.forEach((x, i) => walk(`${prefix}.${i}`, x));
      else if (obj && typeof obj === "object") for (const k of Object.keys(obj).sort()) walk(`${prefix}.${k}`, (obj as Record<string, unknown>)[k]);
    };
    this.layers.forEach((l, i) => walk(`layers.${i}`, l));
    out.push(["finalNorm", this.finalNorm], ["head", this.head]);
    return out;
  }

  /** The trainable variables (MoE routing biases, updated by rule, are excluded). */
  trainableVariables(): tf.Variable[] {
    return this.namedWeights()
      .filter(([n]) => !n.endsWith(".bias"))
      .map(([, t]) => t as tf.Variable);
  }

  get paramCount(): number {
    return this.namedWeights().reduce((s, [, t]) => s + t.size, 0);
  }

  /** Empty per-layer KV caches for `batch` sequences. The caller disposes it. */
  createCache(batch: number): ModelCache {
    const layers: KVCache[] = this.layers.map(() =>
      this.config.attention === "mha" ? createMHACache(this.mhaConfig(), batch) : createMLACache(this.mlaConfig(), batch, "absorbed"),
    );
    return {
      layers,
      get length() {
        return layers[0]?.length ?? 0;
      },
      dispose: () => layers.forEach((c) => c.dispose()),
    };
  }

  /**
   * Next-token logits.
   * @param ids [batch, seq] int32 token ids
   * @param opts.cache a `createCache(batch)` cache: earlier tokens are read from it, these are added
   * @param opts.startPos absolute position of ids[:, 0] (default: the cache's length, else 0)
   * @returns [batch, seq, vocabSize] logits, owned by the caller
   */
  forward(ids: tf.Tensor2D, opts: { cache?: ModelCache; startPos?: number } = {}): tf.Tensor3D {
    const c = this.config;
    if (ids.rank !== 2) throw new Error(`TinyTransformer.forward: ids must be [batch, seq]; got [${ids.shape}]`);
    if (ids.dtype !== "int32") throw new Error(`TinyTransformer.forward: ids must be int32; got ${ids.dtype}`);
    const [batch, seq] = ids.shape;
    const startPos = opts.startPos ?? opts.cache?.length ?? 0;
    if (startPos + seq > c.maxSeqLen) {
      throw new Error(`TinyTransformer.forward: positions up to ${startPos + seq - 1} exceed maxSeqLen ${c.maxSeqLen}`);
    }
    return tf.tidy(() => {
      // Embedding lookup as a one-hot matmul: differentiable on every backend.
      // Sampling on tfjs-wasm (no gradient) picks the rows directly: the same numbers in 1 op instead of 3.
      const rows = opts.cache && decodeKernelsOn()
        ? tf.gather(this.embed, ids.reshape([-1])) // [batch·seq, dModel]
        : tf.matMul(oneHotFloat(ids.reshape([-1]), c.vocabSize), this.embed); // one-hot [batch·seq, vocab] · embed
      let x = rows.reshape([batch, seq, c.dModel]) as tf.Tensor3D; // [batch, seq, dModel]
      this.layers.forEach((layer, l) => {
        const h = rmsNorm(x, layer.attnNorm, c.normEps);
        const cache = opts.cache?.layers[l];
        const a =
          c.attention === "mha"
            ? mhaForward(h, layer.attn as MHAWeights, this.mhaConfig(), { cache, startPos, ropeImpl: this.ropeImpl })
            : mlaForward(h, layer.attn as MLAWeights, this.mlaConfig(), { cache: cache as ReturnType<typeof createMLACache> | undefined, startPos, mode: cache ? "absorbed" : "naive" });
        x = tf.add(x, a);
        const h2 = rmsNorm(x, layer.ffnNorm, c.normEps);
        let f: tf.Tensor;
        if (c.ffn === "swiglu") {
          const w = layer.ffn as SwiGLUWeights;
          // A decode step on tfjs-wasm: the same FFN in 3 ops instead of 6, [W1 | W3] joined once per cache.
          f = cache && seq === 1 && c.ffnHidden % 4 === 0 && decodeKernelsOn()
            ? swigluJoined(h2, cache.derived("w13", [w.w1, w.w3], () => tf.concat([w.w1, w.w3], 1)), w.w2)
            : swiglu(h2, w);
        }
        else {
          const flat = h2.reshape([-1, c.dModel]) as tf.Tensor2D; // [batch·seq, dModel]
          const w = layer.ffn as MoEWeights;
          if (this.onRoute) this.onRoute(l, route(flat, w.gate, this.gateConfig(), w.bias).indices);
          f = moeForwardDense(flat, w, this.gateConfig()).reshape([batch, seq, c.dModel]);
        }
        x = tf.add(x, f);
      });
      const y = rmsNorm(x, this.finalNorm, c.normEps);
      return linear(y, this.head) as tf.Tensor3D; // [batch, seq, vocab]
    });
  }

  /** Copies every weight from `other` (same config). Used for GRPO's frozen reference policy. */
  copyFrom(other: TinyTransformer): void {
    const mine = this.namedWeights();
    const theirs = new Map(other.namedWeights());
    for (const [name, t] of mine) {
      const src = theirs.get(name);
      if (!src || src.shape.join() !== t.shape.join()) throw new Error(`TinyTransformer.copyFrom: weight ${name} is missing or differs in shape`);
      (t as tf.Variable).assign(src);
    }
  }

  /** A new model with the same config and a copy of the weights. */
  clone(): TinyTransformer {
    const m = new TinyTransformer(this.config, 0);
    m.copyFrom(this);
    m.ropeImpl = this.ropeImpl;
    return m;
  }

  dispose(): void {
    for (const [, t] of this.namedWeights()) t.dispose();
    this.layers = [];
  }
}
