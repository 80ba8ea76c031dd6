/**
 * The tiny model's MHA/GQA layer: exactly lib/attention/mha.ts's computation (same weights, same
 * config, same KV cache, same interleaved RoPE) with RoPE written as a matmul, which is what makes
 * training on one CPU core affordable (notebooks/03_chain_of_thought.ipynb).
 *
 * Why a second spelling: lib/nn/rope.ts splits every channel pair apart and stacks them back,
 * which is the clearest way to *read* RoPE but costs ~50× more than the arithmetic on the wasm
 * backend (its SplitV/Pack kernels dominate a forward pass). The same rotation is
 *
 *   rope(x) = x ⊙ cos + (x · P) ⊙ sin,    P maps each pair (a, b) to (−b, a),
 *
 * with cos/sin repeated per pair. tests/model/attention.test.ts checks this layer against
 * `mhaForward` and `applyRope` on the same inputs, so the two cannot drift.
 */
import * as tf from "@tensorflow/tfjs";
import { linear } from "../nn/linear.js";
import { ropeTables } from "../nn/rope.js";
import { attention } from "../nn/attention.js";
import type { KVCache } from "../attention/kvcache.js";
import type { MHAConfig, MHAWeights } from "../attention/mha.js";

const pairSwapMemo = new Map<number, Float32Array>();

/** P [headDim, headDim] with x·P = (−x₁, x₀, −x₃, x₂, …): each pair rotated by 90°. */
function pairSwap(headDim: number): Float32Array {
  let p = pairSwapMemo.get(headDim);
  if (!p) {
    p = new Float32Array(headDim * headDim);
    for (let i = 0; i < headDim; i += 2) {
      p[(i + 1) * headDim + i] = -1; // out[i] = −x[i+1]
      p[i * headDim + i + 1] = 1; // out[i+1] = x[i]
    }
    pairSwapMemo.set(headDim, p);
  }
  return p;
}

/**
 * Interleaved RoPE (the same numbers as lib/nn/rope.ts `applyRope`, interleaved layout), as a matmul.
 * @param x [batch, seq, nHeads, headDim]
 * @param startPos absolute position of x's first token
 * @returns [batch, seq, nHeads, headDim]
 */
export function applyRopeMatmul(x: tf.Tensor, maxSeqLen: number, theta: number, startPos = 0): tf.Tensor {
  const [, seq, , d] = x.shape as [number, number, number, number];
  const t = ropeTables(d, maxSeqLen, theta);
  const half = d / 2;
  if (startPos + seq > maxSeqLen) throw new Error(`applyRopeMatmul: positions up to ${startPos + seq - 1} exceed maxSeqLen ${maxSeqLen}`);
  const c = new Float32Array(seq * d);
  const s = new Float32Array(seq * d);
  for (let p = 0; p < seq; p++) {
    for (let i = 0; i < half; i++) {
      const cv = t.cos[(startPos + p) * half + i]!;
      const sv = t.sin[(startPos + p) * half + i]!;
      c[p * d + 2 * i] = c[p * d + 2 * i + 1] = cv;
      s[p * d + 2 * i] = s[p * d + 2 * i + 1] = sv;
    }
  }
  return tf.tidy(() => {
    const cos = tf.tensor(c, [1, seq, 1, d]); // broadcast over batch and heads
    const sin = tf.tensor(s, [1, seq, 1, d]);
    const rotated = tf.matMul(x.reshape([-1, d]), tf.tensor2d(pairSwap(d), [d, d])).reshape(x.shape); // (−b, a) per pair
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
  });
}

/**
 * Same contract as `mhaForward` (lib/attention/mha.ts).
 * @param x [batch, seq, dModel]
 * @returns [batch, seq, dModel]
 */
export function mhaForwardFast(x: tf.Tensor, w: MHAWeights, cfg: MHAConfig, opts: { cache?: KVCache; startPos?: number } = {}): tf.Tensor3D {
  const [batch, seq] = x.shape as [number, number, number];
  const kv = cfg.nKvHeads ?? cfg.nHeads;
  const { nHeads, headDim } = cfg;
  const startPos = opts.startPos ?? 0;
  if (opts.cache) opts.cache.check(batch, seq, startPos, "mhaForwardFast");
  return tf.tidy(() => {
    let q = linear(x, w.wq).reshape([batch, seq, nHeads, headDim]); // [b, s, nHeads, headDim]
    let k = linear(x, w.wk).reshape([batch, seq, kv, headDim]); // [b, s, nKv, headDim]
    const v = linear(x, w.wv).reshape([batch, seq, kv, headDim]); // [b, s, nKv, headDim]
    if (cfg.rope ?? true) {
      q = applyRopeMatmul(q, cfg.maxSeqLen, cfg.ropeTheta ?? 10000, startPos);
      k = applyRopeMatmul(k, cfg.maxSeqLen, cfg.ropeTheta ?? 10000, startPos);
    }
    let kAll = k;
    let vAll = v;
    let offset = 0;
    if (opts.cache) {
      ({ k: kAll, v: vAll } = opts.cache.write(startPos, { k, v }) as { k: tf.Tensor; v: tf.Tensor }); // [b, t, nKv, headDim]
      offset = startPos;
    }
    const group = nHeads / kv;
    const rep = (t: tf.Tensor): tf.Tensor => {
      if (group === 1) return t;
      const [b, n, h, d] = t.shape as [number, number, number, number];
      // concat, not tile: tfjs-webgpu runs small tiles on the CPU with a synchronous read, which Node's WebGPU forbids
      const e = t.expandDims(3); // [b, n, h, 1, d]
      return tf.concat(Array.from({ length: group }, () => e), 3).reshape([b, n, h * group, d]); // query head h reads kv head ⌊h/group⌋
    };
    const out = attention(
      q.transpose([0, 2, 1, 3]), // [b, nHeads, s, headDim]
      rep(kAll).transpose([0, 2, 1, 3]), // [b, nHeads, t, headDim]
      rep(vAll).transpose([0, 2, 1, 3]), // [b, nHeads, t, headDim]
      { offset },
    ); // [b, nHeads, s, headDim]
    return linear(out.transpose([0, 2, 1, 3]).reshape([batch, seq, nHeads * headDim]), w.wo) as tf.Tensor3D; // [b, s, dModel]
  });
}
