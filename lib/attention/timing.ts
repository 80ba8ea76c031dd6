/**
 * Measure attention layers the way a server runs them: one decode step against a filled cache,
 * and a prefill of a whole prompt. Used by the decode-time chart of
 * notebooks/01_multi_head_latent_attention.ipynb and by bench/mla.mjs (`npm run bench -- mla`).
 *
 * Times are wall-clock and include reading the output back (`await data()`), so asynchronous
 * backends are timed honestly. The cache is filled with random numbers (a decode step costs the
 * same whatever the cached values are), which avoids a long prefill before each measurement.
 */
import * as tf from "@tensorflow/tfjs";
import { createMHACache, mhaForward, type MHAConfig, type MHAWeights } from "./mha.js";
import { createMLACache, mlaForward, type MLAConfig, type MLAMode, type MLAWeights } from "./mla.js";
import type { KVCache } from "./kvcache.js";
import { deriveSeed } from "../random.js";

/** An attention layer ready to run: MHA/GQA/MQA, or MLA in one of its two modes. */
export type AttentionLayer =
  | { kind: "mha"; cfg: MHAConfig; weights: MHAWeights }
  | { kind: "mla"; mode: MLAMode; cfg: MLAConfig; weights: MLAWeights };

export interface StepTiming {
  medianMs: number;
  meanMs: number;
  /** the fastest step: the least disturbed by other work on a shared machine */
  minMs: number;
  runs: number;
  /** numbers the layer's cache keeps per token (one sequence, this layer) */
  cacheElementsPerToken: number;
}

function layerDModel(layer: AttentionLayer): number {
  return layer.cfg.dModel;
}

function makeCache(layer: AttentionLayer, batch: number, blockSize?: number): KVCache {
  return layer.kind === "mha" ? createMHACache(layer.cfg, batch, { blockSize }) : createMLACache(layer.cfg, batch, layer.mode, { blockSize });
}

function forward(layer: AttentionLayer, x: tf.Tensor, cache: KVCache | undefined, startPos: number): tf.Tensor {
  return layer.kind === "mha"
    ? mhaForward(x, layer.weights, layer.cfg, { cache, startPos })
    : mlaForward(x, layer.weights, layer.cfg, { mode: layer.mode, cache: cache as never, startPos });
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Time one decode step (a single new token, batch rows in parallel) attending to `context`
 * earlier tokens. The layer's cfg.maxSeqLen must be ≥ context + warmup + steps.
 * Steps advance through positions context, context+1, … as a real decode loop does.
 * `blockSize` sets the paged cache's tokens per block (kvcache.ts; default DEFAULT_BLOCK_SIZE).
 */
export async function timeDecodeStep(
  layer: AttentionLayer,
  context: number,
  opts: { steps?: number; warmup?: number; batch?: number; seed?: number; blockSize?: number } = {},
): Promise<StepTiming> {
  const { steps = 8, warmup = 2, batch = 1, seed = 0, blockSize } = opts;
  const need = context + warmup + steps;
  if (layer.cfg.maxSeqLen < need) {
    throw new Error(`timeDecodeStep: maxSeqLen=${layer.cfg.maxSeqLen} is too short for context ${context} + ${warmup + steps} steps = ${need}`);
  }
  const cache = makeCache(layer, batch, blockSize);
  const d = layerDModel(layer);
  try {
    if (context > 0) {
      // Random cache contents for positions [0, context).
      const fill: Record<string, tf.Tensor> = {};
      for (const [name, tail] of Object.entries(cache.slots)) {
        fill[name] = tf.randomNormal([batch, context, ...tail], 0, 1, "float32", deriveSeed(seed, `cache ${name}`));
      }
      cache.write(0, fill);
      tf.dispose(Object.values(fill));
    }
    const times: number[] = [];
    for (let s = 0; s < warmup + steps; s++) {
      const x = tf.randomNormal([batch, 1, d], 0, 1, "float32", deriveSeed(seed, `step ${s}`));
      const t0 = performance.now();
      const y = tf.tidy(() => forward(layer, x, cache, context + s));
      await y.data();
      const ms = performance.now() - t0;
      tf.dispose([x, y]);
      if (s >= warmup) times.push(ms);
    }
    return {
      medianMs: median(times),
      minMs: Math.min(...times),
      meanMs: times.reduce((a, b) => a + b, 0) / times.length,
      runs: times.length,
      cacheElementsPerToken: cache.elementsPerToken,
    };
  } finally {
    cache.dispose();
  }
}

/** Time a prefill of `tokens` tokens (no cache, causal) and report tokens per second. */
export async function timePrefill(
  layer: AttentionLayer,
  tokens: number,
  opts: { runs?: number; warmup?: number; batch?: number; seed?: number } = {},
): Promise<{ medianMs: number; minMs: number; tokensPerSecond: number; runs: number }> {
  const { runs = 3, warmup = 1, batch = 1, seed = 0 } = opts;
  const x = tf.randomNormal([batch, tokens, layerDModel(layer)], 0, 1, "float32", seed);
  const times: number[] = [];
  try {
    for (let r = 0; r < warmup + runs; r++) {
      const t0 = performance.now();
      const y = forward(layer, x, undefined, 0);
      await y.data();
      const ms = performance.now() - t0;
      y.dispose();
      if (r >= warmup) times.push(ms);
    }
  } finally {
    x.dispose();
  }
  const medianMs = median(times);
  const minMs = Math.min(...times);
  // Throughput from the fastest run, the least disturbed by other work on the machine.
  return { medianMs, minMs, tokensPerSecond: (batch * tokens * 1000) / minMs, runs: times.length };
}
