/**
 * Rotary position embedding (RoPE, Su et al. 2021), in DeepSeek-V3's inference layout.
 *
 * Interleaved (the default, DeepSeek-V3's `apply_rotary_emb`): channel pairs (x[2i], x[2i+1]) are
 * rotated by the angle pos · θ^(-2i/d). Rotate-half (GPT-NeoX / Llama-HF layout) pairs x[i] with
 * x[i + d/2] instead; it is the same rotation after the channel permutation `ropePermutation(d)`
 * (evens first, then odds): rotateHalf(x[perm]) = interleaved(x)[perm].
 *
 * `applyRope` is the readable spelling (split each pair, rotate, stack back). `applyRopeMatmul` is the
 * same interleaved rotation written as x ⊙ cos + (x · P) ⊙ sin with a fixed pair-swap matrix P: on
 * the wasm backend the split/stack kernels cost ~50× the arithmetic, so training uses this one.
 *
 * Cos/sin tables are plain Float32Arrays computed once per (headDim, maxSeqLen, theta); each call
 * uploads only the rows it needs, so the tables have no tensor lifetime to manage.
 * YaRN context extension is not implemented (DeepSeek applies it only beyond 4K tokens).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb; used by lib/attention/mha.ts and mla.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedKernel, ROPE_KERNEL } from "../backend/fusedKernels.js";

export type RopeLayout = "interleaved" | "rotateHalf";

export interface RopeTables {
  headDim: number;
  maxSeqLen: number;
  theta: number;
  /** cos(pos · θ^(-2i/d)), row-major [maxSeqLen, headDim/2] */
  cos: Float32Array;
  /** sin(pos · θ^(-2i/d)), row-major [maxSeqLen, headDim/2] */
  sin: Float32Array;
}

const tableMemo = new Map<string, RopeTables>();

/** The angle table for positions 0..maxSeqLen-1 (memoised). */
export function ropeTables(headDim: number, maxSeqLen: number, theta = 10000): RopeTables {
  if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
    throw new Error(`ropeTables: headDim must be a positive even integer; got ${headDim}`);
  }
  if (!Number.isInteger(maxSeqLen) || maxSeqLen <= 0) {
    throw new Error(`ropeTables: maxSeqLen must be a positive integer; got ${maxSeqLen}`);
  }
  const key = `${headDim}|${maxSeqLen}|${theta}`;
  const hit = tableMemo.get(key);
  if (hit) return hit;
  const half = headDim / 2;
  const cos = new Float32Array(maxSeqLen * half);
  const sin = new Float32Array(maxSeqLen * half);
  for (let i = 0; i < half; i++) {
    const freq = Math.pow(theta, (-2 * i) / headDim); // θ^(-2i/d)
    for (let p = 0; p < maxSeqLen; p++) {
      cos[p * half + i] = Math.cos(p * freq);
      sin[p * half + i] = Math.sin(p * freq);
    }
  }
  const t: RopeTables = { headDim, maxSeqLen, theta, cos, sin };
  tableMemo.set(key, t);
  return t;
}

/**
 * cos and sin of every pair's angle at position `pos`, each on both lanes of its pair: [headDim]
 * each (the rows applyRopeMatmul multiplies by; the fused decode kernels take them).
 */
export function ropeAt(tables: RopeTables, pos: number): { cos: Float32Array; sin: Float32Array } {
  if (!Number.isInteger(pos) || pos < 0 || pos >= tables.maxSeqLen) throw new Error(`ropeAt: pos must be an integer in [0, ${tables.maxSeqLen}); got ${pos}`);
  const half = tables.headDim / 2;
  const cos = new Float32Array(2 * half);
  const sin = new Float32Array(2 * half);
  for (let i = 0; i < half; i++) {
    cos[2 * i] = cos[2 * i + 1] = tables.cos[pos * half + i]!;
    sin[2 * i] = sin[2 * i + 1] = tables.sin[pos * half + i]!;
  }
  return { cos, sin };
}

/** Channel order that maps the interleaved layout onto the rotate-half one: [0, 2, 4, …, 1, 3, 5, …]. */
export function ropePermutation(headDim: number): number[] {
  const perm: number[] = [];
  for (let i = 0; i < headDim; i += 2) perm.push(i);
  for (let i = 1; i < headDim; i += 2) perm.push(i);
  return perm;
}

/** Validates x against the tables and positions; returns headDim and seq. */
function checkRopeInput(fn: string, x: tf.Tensor, tables: RopeTables, startPos: number): { d: number; seq: number } {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new Error(`${fn}: x must be [batch, seq, nHeads, headDim] or [batch, seq, headDim]; got [${x.shape}]`);
  }
  const d = x.shape[x.rank - 1]!;
  const seq = x.shape[1]!;
  if (d !== tables.headDim) throw new Error(`${fn}: x's last dimension must be headDim=${tables.headDim}; got [${x.shape}]`);
  if (!Number.isInteger(startPos) || startPos < 0 || startPos + seq > tables.maxSeqLen) {
    throw new Error(`${fn}: positions startPos ${startPos} .. ${startPos + seq - 1} must lie in [0, maxSeqLen=${tables.maxSeqLen})`);
  }
  return { d, seq };
}

/**
 * Rotate x by its absolute positions startPos, startPos+1, …
 * @param x [batch, seq, nHeads, headDim] or [batch, seq, headDim]
 * @param tables from `ropeTables(headDim, maxSeqLen, theta)`
 * @param startPos absolute position of x's first token
 * @param layout "interleaved" (DeepSeek-V3, default) or "rotateHalf"
 * @returns same shape as x
 */
export function applyRope(
  x: tf.Tensor,
  tables: RopeTables,
  startPos = 0,
  layout: RopeLayout = "interleaved",
): tf.Tensor {
  const { d, seq } = checkRopeInput("applyRope", x, tables, startPos);
  const half = d / 2;
  return tf.tidy(() => {
    const rows = [1, seq, ...(x.rank === 4 ? [1] : []), half]; // broadcast over batch (and heads)
    const cos = tf.tensor(tables.cos.subarray(startPos * half, (startPos + seq) * half), rows, "float32");
    const sin = tf.tensor(tables.sin.subarray(startPos * half, (startPos + seq) * half), rows, "float32");
    const lead = x.shape.slice(0, -1);
    if (layout === "interleaved") {
      const pairs = x.reshape([...lead, half, 2]); // [..., half, 2]
      const [a, b] = tf.split(pairs, 2, -1).map((t) => t.reshape([...lead, half])); // x[2i], x[2i+1]
      const ra = tf.sub(tf.mul(a!, cos), tf.mul(b!, sin));
      const rb = tf.add(tf.mul(a!, sin), tf.mul(b!, cos));
      return tf.stack([ra, rb], -1).reshape(x.shape); // pairs back in place
    }
    if (layout === "rotateHalf") {
      const [a, b] = tf.split(x, 2, -1); // x[i], x[i + d/2]
      return tf.concat([tf.sub(tf.mul(a!, cos), tf.mul(b!, sin)), tf.add(tf.mul(a!, sin), tf.mul(b!, cos))], -1);
    }
    throw new Error(`applyRope: layout must be "interleaved" or "rotateHalf"; got ${String(layout)}`);
  });
}

const pairSwapMemo = new Map<number, Float32Array>();

/** P [headDim, headDim] with x·P = (−x₁, x₀, −x₃, x₂, …): each channel pair turned by 90°. */
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
 * The fast spelling of interleaved RoPE: the same numbers as `applyRope(x, tables, startPos)`
 * (to float32 rounding), as two elementwise products and one small matmul:
 *   rope(x) = x ⊙ cos + (x · P) ⊙ sin,  cos/sin repeated for both channels of each pair.
 * @param x [batch, seq, nHeads, headDim] or [batch, seq, headDim]
 * @returns same shape as x
 */
export function applyRopeMatmul(x: tf.Tensor, tables: RopeTables, startPos = 0): tf.Tensor {
  const { d, seq } = checkRopeInput("applyRopeMatmul", x, tables, startPos);
  const half = d / 2;
  const c = new Float32Array(seq * d);
  const s = new Float32Array(seq * d);
  for (let p = 0; p < seq; p++) {
    for (let i = 0; i < half; i++) {
      const cv = tables.cos[(startPos + p) * half + i]!;
      const sv = tables.sin[(startPos + p) * half + i]!;
      c[p * d + 2 * i] = c[p * d + 2 * i + 1] = cv;
      s[p * d + 2 * i] = s[p * d + 2 * i + 1] = sv;
    }
  }
  const fused = x.dtype === "float32" ? fusedKernel(ROPE_KERNEL) : undefined;
  if (fused) {
    // tfjs-wasm: the same arithmetic as one kernel (lib/backend/fusedKernels.ts; fewer ops per step).
    const heads = x.rank === 4 ? x.shape[2]! : 1;
    return tf.tidy(() => tf.engine().runKernel(fused, { x, cos: tf.tensor2d(c, [seq, d]), sin: tf.tensor2d(s, [seq, d]) }, { seq, heads, inverse: false }) as tf.Tensor);
  }
  return tf.tidy(() => {
    const rows = [1, seq, ...(x.rank === 4 ? [1] : []), d]; // broadcast over batch (and heads)
    const cos = tf.tensor(c, rows, "float32");
    const sin = tf.tensor(s, rows, "float32");
    const turned = tf.matMul(x.reshape([-1, d]), tf.tensor2d(pairSwap(d), [d, d])).reshape(x.shape); // (−b, a) per pair
    return tf.add(tf.mul(x, cos), tf.mul(turned, sin));
  });
}
