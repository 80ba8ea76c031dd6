/**
 * MHA/GQA/MQA's decode step between its projections as ONE tfjs-wasm kernel, installed with the
 * decode attention kernel (lib/backend/decodeAttention.ts; lib/attention/mha.ts uses it): RoPE on the
 * new query and key, the new key and value appended to the cache's last block, attention over every
 * cached token. With x·[Wq | Wk | Wv] as one product the attention of a layer is 3 ops instead of
 * ~20; at one token per sequence (lesson 3's sampling) the ops' fixed cost was most of the step.
 *
 *   SeekLabMhaDecodeStep  inputs qkv [b, 1, (H + 2·kv)·d] (x·[Wq | Wk | Wv]), k{i}/v{i} the cache's
 *                         blocks [b, kv, t_i, d]; attrs pos, blockSize, heads, kvHeads, scale, cos, sin
 *                         → [attention [b, 1, H·d], new last blocks of k and v [b, kv, pos mod blockSize + 1, d]]
 * RoPE is fusedSimd.wat's arithmetic (the same numbers as the fused RoPE kernel); the attention is
 * decodeAttention.ts's loops. tests/backend/decodeAttention.test.ts compares with the composite path.
 */
import * as tf from "@tensorflow/tfjs";
import { DECODE_SIMD_WASM_BASE64 } from "./decodeSimdBytes.js";
import { heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";
import { attend, decodeKernelsOn, heapFloats, scratchFor } from "./decodeAttention.js";

export const MHA_DECODE_STEP_KERNEL = "SeekLabMhaDecodeStep";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function describe(t: tf.Tensor | undefined): string {
  return t ? `[${t.shape}] ${t.dtype}` : "nothing";
}

/**
 * MHA/GQA's whole decode step after the projection: RoPE on the new query and key, the key and
 * value appended to the cache's last block, attention over every block. One kernel; outputs the
 * attention [b, 1, H·d] and the new last blocks [b, kv, L, d] (L = pos mod blockSize + 1: the
 * last input block extended by the new token when L > 1, else a new block of one).
 */
function mhaDecodeStepKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackendLike;
  const { blocks, pos, blockSize, heads: H, kvHeads: kv, scale, cos, sin } = attrs as unknown as {
    blocks: number; pos: number; blockSize: number; heads: number; kvHeads: number; scale: number; cos: Float32Array; sin: Float32Array;
  };
  const named = inputs as unknown as Record<string, tf.TensorInfo>;
  const qkv = named.qkv!;
  const [b, , W] = qkv.shape as [number, number, number];
  const d = W / (H + 2 * kv);
  const L = (pos % blockSize) + 1;
  const ks = Array.from({ length: blocks }, (_, i) => named[`k${i}`]!);
  const vs = Array.from({ length: blocks }, (_, i) => named[`v${i}`]!);
  const out = be.makeOutput([b, 1, H * d], "float32");
  const kLast = be.makeOutput([b, kv, L, d], "float32");
  const vLast = be.makeOutput([b, kv, L, d], "float32");
  const full = L > 1 ? blocks - 1 : blocks; // blocks kept as they are
  const tokens = [...ks.slice(0, full).map((t) => t.shape[2]!), L];
  const scores = scratchFor(be, 4 * (2 * d + b * H * d + b * H * tokens.reduce((acc, t) => acc + t, 0)));
  const [cosAt, sinAt, qAt] = [scores, scores + 4 * d, scores + 8 * d];
  const heap = heapFloats(be); // after every allocation: the heap may have grown
  heap.set(cos, cosAt >> 2);
  heap.set(sin, sinAt >> 2);
  const k = linkToHeap(DECODE_SIMD_WASM_BASE64, be)!;
  const [src, kAt, vAt] = [heapOffset(be, qkv), heapOffset(be, kLast), heapOffset(be, vLast)];
  if (L > 1) {
    k.copy_rows!(heapOffset(be, ks[blocks - 1]!), kAt, b * kv, (L - 1) * d, L * d);
    k.copy_rows!(heapOffset(be, vs[blocks - 1]!), vAt, b * kv, (L - 1) * d, L * d);
  }
  // Row r of qkv is [q (H·d) | k (kv·d) | v (kv·d)].
  k.rope_rows!(src + 4 * H * d, kAt + 4 * (L - 1) * d, b * kv, d, kv, d, W, L * d, cosAt, sinAt, 1);
  k.rope_rows!(src + 4 * (H + kv) * d, vAt + 4 * (L - 1) * d, b * kv, d, kv, d, W, L * d, 0, 0, 0);
  k.rope_rows!(src, qAt, b * H, d, H, d, W, d, cosAt, sinAt, 1); // [b, kv, H/kv, d]: each KV head's queries together
  attend(k, {
    queries: [{ at: qAt, dk: d }],
    keys: [[...ks.slice(0, full).map((t) => heapOffset(be, t)), kAt]],
    values: [...vs.slice(0, full).map((t) => heapOffset(be, t)), vAt],
    tokens, groups: b * kv, n: H / kv, dv: d, scale, out: heapOffset(be, out), scores: qAt + 4 * b * H * d,
  }, heap);
  return [out, kLast, vLast];
}

/** Registers the kernel for wasm (idempotent; decodeAttention.ts's useDecodeAttention calls it). */
export function registerMhaDecodeStep(): void {
  if (!tf.getKernel(MHA_DECODE_STEP_KERNEL, "wasm")) tf.registerKernel({ kernelName: MHA_DECODE_STEP_KERNEL, backendName: "wasm", kernelFunc: mhaDecodeStepKernel as never });
}

export interface MhaDecodeStepOptions {
  /** the new token's position (= tokens already in the blocks) */
  pos: number;
  /** the cache's block size */
  blockSize: number;
  nHeads: number;
  nKvHeads: number;
  /** softmax scale */
  scale: number;
  /** RoPE at `pos`: cos and sin of each pair's angle on both of its lanes, [headDim] each */
  cos: Float32Array;
  sin: Float32Array;
}

/**
 * One MHA/GQA/MQA decode step after the projection, as one op (wasm only: check
 * `decodeKernelsOn()` first): RoPE on the new query and key, the new key and value appended to
 * the last cache block, softmax(q·kᵀ·scale)·v over every cached token. lib/attention/mha.ts uses it.
 * @param qkv [batch, 1, (nHeads + 2·nKvHeads)·headDim]: per row [q | k | v] (x · [Wq | Wk | Wv])
 * @param kBlocks the cache's key blocks [batch, nKvHeads, t_i, headDim], pos tokens in all
 * @param vBlocks the cache's value blocks, the same shapes
 * @returns out [batch, 1, nHeads·headDim] (heads side by side) and the slots' new last blocks
 *   [batch, nKvHeads, pos mod blockSize + 1, headDim] (replacing a partial last block, else appended)
 */
export function mhaDecodeStep(qkv: tf.Tensor, kBlocks: readonly tf.Tensor4D[], vBlocks: readonly tf.Tensor4D[], o: MhaDecodeStepOptions): { out: tf.Tensor3D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const who = "mhaDecodeStep";
  const { pos, blockSize, nHeads: H, nKvHeads: kv } = o;
  for (const [name, v] of [["pos", pos], ["blockSize", blockSize], ["nHeads", H], ["nKvHeads", kv]] as const) {
    if (!Number.isInteger(v) || v < (name === "pos" ? 0 : 1)) throw new Error(`${who}: ${name} must be a ${name === "pos" ? "non-negative" : "positive"} integer; got ${v}`);
  }
  if (H % kv !== 0) throw new Error(`${who}: nKvHeads must divide nHeads=${H}; got ${kv}`);
  if (qkv?.rank !== 3 || qkv.dtype !== "float32" || qkv.shape[1] !== 1 || qkv.shape[2]! % (H + 2 * kv) !== 0) {
    throw new Error(`${who}: qkv must be [batch, 1, (nHeads + 2·nKvHeads)·headDim] float32; got ${describe(qkv)}`);
  }
  const [b, , W] = qkv.shape as [number, number, number];
  const d = W / (H + 2 * kv);
  if (!(o.cos instanceof Float32Array) || o.cos.length !== d || !(o.sin instanceof Float32Array) || o.sin.length !== d) {
    throw new Error(`${who}: cos and sin must be Float32Arrays of headDim=${d} numbers; got ${o.cos?.length} and ${o.sin?.length}`);
  }
  const want = Array.from({ length: Math.ceil(pos / blockSize) }, (_, i) => Math.min(blockSize, pos - i * blockSize));
  for (const [name, blocks] of [["kBlocks", kBlocks], ["vBlocks", vBlocks]] as const) {
    if (!Array.isArray(blocks) || blocks.length !== want.length) {
      throw new Error(`${who}: ${name} must hold ${want.length} blocks for pos ${pos} and blockSize ${blockSize}; got ${Array.isArray(blocks) ? blocks.length : String(blocks)}`);
    }
    blocks.forEach((t, i) => {
      if (t?.rank !== 4 || t.dtype !== "float32" || [b, kv, want[i]!, d].some((n, a) => t.shape[a] !== n)) {
        throw new Error(`${who}: ${name}[${i}] must be [${[b, kv, want[i], d]}] float32; got ${describe(t)}`);
      }
    });
  }
  if (!decodeKernelsOn() || d % 4 !== 0) {
    throw new Error(`${who}: needs the wasm backend with the kernel installed and headDim a multiple of 4 (use lib/attention/paged.ts elsewhere)`);
  }
  const inputs: Record<string, tf.Tensor> = { qkv };
  kBlocks.forEach((t, i) => (inputs[`k${i}`] = t));
  vBlocks.forEach((t, i) => (inputs[`v${i}`] = t));
  const attrs = { blocks: kBlocks.length, pos, blockSize, heads: H, kvHeads: kv, scale: o.scale, cos: o.cos, sin: o.sin };
  const [out, k, v] = tf.engine().runKernel(MHA_DECODE_STEP_KERNEL, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { out: out as tf.Tensor3D, k: k as tf.Tensor4D, v: v as tf.Tensor4D };
}
