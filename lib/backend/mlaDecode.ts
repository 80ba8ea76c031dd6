/**
 * MLA's absorbed decode step between its projections as ONE tfjs-wasm kernel, installed with the
 * decode attention kernels (lib/backend/decodeAttention.ts; lib/attention/mla.ts uses it).
 *
 * Why: the absorbed step is ~34 ops on tfjs-wasm — splits, RoPE, RMSNorm, per-head up-projections,
 * the cache append, transposes and reshapes around the attention — and each op costs several
 * microseconds of engine work before any arithmetic; at a 2,048-token context that was a quarter
 * of the step. Here they are SIMD loops on tfjs-wasm's heap, in this order (DeepSeek-V2 eq. 37–47):
 *   q_pe = RoPE(q[:, h, dn:])                        per head, at position pos
 *   q_lat[h] = q[:, h, :dn] · W_UK[h]ᵀ                the query in latent space (absorbed W_UK)
 *   c_kv = RMSNorm(kvA[:, :c]) ⊙ kvNorm,  k_pe = RoPE(kvA[:, c:])     the new token's cache entries
 *   kv, pe blocks ← the last block extended by (c_kv, k_pe)           the append
 *   o_lat = softmax((q_lat·c_kvᵀ + q_pe·k_peᵀ)·scale)·c_kv             over every cached token
 *   heads[:, h] = o_lat[h] · W_UV[h]                                   (absorbed W_UV)
 * RoPE and RMSNorm are fusedSimd.wat's own loops (the same numbers as the fused kernels the
 * general path runs); the products are decodeSimd.wat's, summing in a different order than
 * tfjs's ops. tests/backend/decodeAttention.test.ts compares with the composite path.
 *
 *   SeekLabMlaDecodeStep  inputs q [b, 1, H·(dn+dr)], kvA [b, 1, c+dr], kvNorm [c], wUKt [H, dn, c],
 *                         wUV [H, c, dv], kv{i} [b, 1, t_i, c], pe{i} [b, 1, t_i, dr] (the cache's blocks);
 *                         attrs pos, blockSize, heads, nope, rope, eps, scale, cos, sin
 *                         → [heads [b, 1, H·dv], new last blocks kv [b, 1, L, c] and pe [b, 1, L, dr]]
 *                         (L = pos mod blockSize + 1)
 */
import * as tf from "@tensorflow/tfjs";
import { DECODE_SIMD_WASM_BASE64 } from "./decodeSimdBytes.js";
import { FUSED_SIMD_WASM_BASE64 } from "./fusedSimdBytes.js";
import { heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";
import { attend, heapFloats, scratchFor } from "./decodeAttention.js";

export const MLA_DECODE_STEP_KERNEL = "SeekLabMlaDecodeStep";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

interface StepAttrs {
  blocks: number; pos: number; blockSize: number; heads: number; nope: number; rope: number; eps: number; scale: number;
  cos: Float32Array; sin: Float32Array;
}

function mlaDecodeStepKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackendLike;
  const { blocks, pos, blockSize, heads: H, nope: dn, rope: dr, eps, scale, cos, sin } = attrs as unknown as StepAttrs;
  const named = inputs as unknown as Record<string, tf.TensorInfo>;
  const { q, kvA, kvNorm, wUKt, wUV } = named as Record<string, tf.TensorInfo>;
  const b = q!.shape[0]!;
  const c = kvNorm!.shape[0]!;
  const dv = wUV!.shape[2]!;
  const L = (pos % blockSize) + 1;
  const kvs = Array.from({ length: blocks }, (_, i) => named[`kv${i}`]!);
  const pes = Array.from({ length: blocks }, (_, i) => named[`pe${i}`]!);
  const out = be.makeOutput([b, 1, H * dv], "float32");
  const kvLast = be.makeOutput([b, 1, L, c], "float32");
  const peLast = be.makeOutput([b, 1, L, dr], "float32");
  const full = L > 1 ? blocks - 1 : blocks; // blocks kept as they are
  const tokens = [...kvs.slice(0, full).map((t) => t.shape[2]!), L];
  const total = tokens.reduce((acc, t) => acc + t, 0);
  // scratch: cos, sin [dr]; r [b]; q_lat [b, H, c]; q_pe [b, H, dr]; o_lat [b, H, c]; scores [b, H, total]
  const at = scratchFor(be, 4 * (2 * dr + b + b * H * (2 * c + dr + total)));
  const [cosAt, sinAt, rAt] = [at, at + 4 * dr, at + 8 * dr];
  const qLatAt = rAt + 4 * b;
  const qPeAt = qLatAt + 4 * b * H * c;
  const oLatAt = qPeAt + 4 * b * H * dr;
  const scoresAt = oLatAt + 4 * b * H * c;
  const heap = heapFloats(be); // after every allocation: the heap may have grown
  heap.set(cos, cosAt >> 2);
  heap.set(sin, sinAt >> 2);
  heap.fill(0, qLatAt >> 2, (qLatAt >> 2) + b * H * c); // pv adds into its output
  heap.fill(0, heapOffset(be, out) >> 2, (heapOffset(be, out) >> 2) + b * H * dv);
  const k = linkToHeap(DECODE_SIMD_WASM_BASE64, be)!;
  const fused = linkToHeap(FUSED_SIMD_WASM_BASE64, be)!;
  const [qAt, kvAAt, kvAt, peAt] = [heapOffset(be, q!), heapOffset(be, kvA!), heapOffset(be, kvLast), heapOffset(be, peLast)];
  const qRow = H * (dn + dr); // floats per batch row of q
  if (L > 1) {
    k.copy_rows!(heapOffset(be, kvs[blocks - 1]!), kvAt, b, (L - 1) * c, L * c);
    k.copy_rows!(heapOffset(be, pes[blocks - 1]!), peAt, b, (L - 1) * dr, L * dr);
  }
  // The new token's cache entries: c_kv = RMSNorm(kvA[:, :c]) ⊙ kvNorm, k_pe = RoPE(kvA[:, c:]).
  for (let i = 0; i < b; i++) {
    fused.rmsnorm!(kvAAt + 4 * i * (c + dr), heapOffset(be, kvNorm!), kvAt + 4 * (i * L + L - 1) * c, rAt + 4 * i, 1, c, eps);
  }
  k.rope_rows!(kvAAt + 4 * c, peAt + 4 * (L - 1) * dr, b, dr, 1, 0, c + dr, L * dr, cosAt, sinAt, 1);
  // Queries: q_pe per head, roped; q_lat[h] = q_nope[h] · W_UK[h]ᵀ (pv with the nope columns as "probabilities").
  k.rope_rows!(qAt + 4 * dn, qPeAt, b * H, dr, H, dn + dr, qRow, dr, cosAt, sinAt, 1);
  for (let i = 0; i < b; i++) {
    k.pv!(qAt + 4 * i * qRow, heapOffset(be, wUKt!), qLatAt + 4 * i * H * c, H, 1, dn, c, dn + dr, dn * c);
  }
  // Every head reads the same latent rows: per sequence ONE group of H queries, two score terms.
  attend(k, {
    queries: [{ at: qLatAt, dk: c }, { at: qPeAt, dk: dr }],
    keys: [
      [...kvs.slice(0, full).map((t) => heapOffset(be, t)), kvAt],
      [...pes.slice(0, full).map((t) => heapOffset(be, t)), peAt],
    ],
    values: [...kvs.slice(0, full).map((t) => heapOffset(be, t)), kvAt],
    tokens, groups: b, n: H, dv: c, scale, out: oLatAt, scores: scoresAt,
  }, heap);
  // heads[:, h] = o_lat[h] · W_UV[h]
  const outAt = heapOffset(be, out);
  for (let i = 0; i < b; i++) k.pv!(oLatAt + 4 * i * H * c, heapOffset(be, wUV!), outAt + 4 * i * H * dv, H, 1, c, dv, c, c * dv);
  return [out, kvLast, peLast];
}

/** Registers the kernel for wasm (idempotent; decodeAttention.ts's useDecodeAttention calls it). */
export function registerMlaDecodeStep(): void {
  if (!tf.getKernel(MLA_DECODE_STEP_KERNEL, "wasm")) tf.registerKernel({ kernelName: MLA_DECODE_STEP_KERNEL, backendName: "wasm", kernelFunc: mlaDecodeStepKernel as never });
}

export interface MlaDecodeStepOptions {
  /** the new token's position (= tokens already in the blocks) */
  pos: number;
  blockSize: number;
  nHeads: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  /** RMSNorm epsilon of kvNorm */
  eps: number;
  /** softmax scale */
  scale: number;
  /** RoPE at `pos`: cos and sin of each pair's angle on both of its lanes, [qkRopeHeadDim] each */
  cos: Float32Array;
  sin: Float32Array;
}

function describe(t: tf.Tensor | undefined): string {
  return t ? `[${t.shape}] ${t.dtype}` : "nothing";
}

/**
 * One absorbed MLA decode step between the projections, as one op (wasm only: the caller checks
 * `decodeKernelsOn()`; widths multiples of 4).
 * @param q [batch, 1, nHeads·(dn+dr)] the queries before RoPE (per head [nope | rope])
 * @param kvA [batch, 1, c+dr] x·W_DKV|W_KR before the norm and RoPE
 * @param kvNorm [c]
 * @param wUKt W_UKᵀ per head [nHeads, dn, c]; wUV W_UV per head [nHeads, c, dv]
 * @param kvBlocks the cache's latent blocks [batch, 1, t_i, c]; peBlocks its rope-key blocks [batch, 1, t_i, dr]
 * @returns heads [batch, 1, nHeads·dv] (before W_O) and the slots' new last blocks (see mhaDecodeStep)
 */
export function mlaDecodeStep(
  q: tf.Tensor, kvA: tf.Tensor, kvNorm: tf.Tensor, wUKt: tf.Tensor, wUV: tf.Tensor,
  kvBlocks: readonly tf.Tensor4D[], peBlocks: readonly tf.Tensor4D[], o: MlaDecodeStepOptions,
): { heads: tf.Tensor3D; kv: tf.Tensor4D; pe: tf.Tensor4D } {
  const who = "mlaDecodeStep";
  const { pos, blockSize, nHeads: H, qkNopeHeadDim: dn, qkRopeHeadDim: dr } = o;
  for (const [name, v] of [["pos", pos], ["blockSize", blockSize], ["nHeads", H], ["qkNopeHeadDim", dn], ["qkRopeHeadDim", dr]] as const) {
    if (!Number.isInteger(v) || v < (name === "pos" ? 0 : 1)) throw new Error(`${who}: ${name} must be a ${name === "pos" ? "non-negative" : "positive"} integer; got ${v}`);
  }
  const b = q?.shape[0] ?? 0;
  const c = kvNorm?.shape[0] ?? 0;
  const dv = wUV?.shape[2] ?? 0;
  const check = (t: tf.Tensor | undefined, name: string, want: number[]) => {
    if (!t || t.dtype !== "float32" || t.rank !== want.length || want.some((n, i) => t.shape[i] !== n)) {
      throw new Error(`${who}: ${name} must be [${want}] float32; got ${describe(t)}`);
    }
  };
  check(q, "q", [b, 1, H * (dn + dr)]);
  check(kvNorm, "kvNorm", [c]);
  check(kvA, "kvA", [b, 1, c + dr]);
  check(wUKt, "wUKt", [H, dn, c]);
  check(wUV, "wUV", [H, c, dv]);
  if ([dn, dr, c, dv].some((n) => n % 4 !== 0)) throw new Error(`${who}: the widths (nope ${dn}, rope ${dr}, latent ${c}, v ${dv}) must be multiples of 4`);
  if (!(o.cos instanceof Float32Array) || o.cos.length !== dr || !(o.sin instanceof Float32Array) || o.sin.length !== dr) {
    throw new Error(`${who}: cos and sin must be Float32Arrays of qkRopeHeadDim=${dr} numbers; got ${o.cos?.length} and ${o.sin?.length}`);
  }
  const want = Array.from({ length: Math.ceil(pos / blockSize) }, (_, i) => Math.min(blockSize, pos - i * blockSize));
  for (const [name, blocks, width] of [["kvBlocks", kvBlocks, c], ["peBlocks", peBlocks, dr]] as const) {
    if (!Array.isArray(blocks) || blocks.length !== want.length) {
      throw new Error(`${who}: ${name} must hold ${want.length} blocks for pos ${pos} and blockSize ${blockSize}; got ${Array.isArray(blocks) ? blocks.length : String(blocks)}`);
    }
    blocks.forEach((t, i) => check(t, `${name}[${i}]`, [b, 1, want[i]!, width]));
  }
  if (tf.getBackend() !== "wasm" || !tf.getKernel(MLA_DECODE_STEP_KERNEL, "wasm")) {
    throw new Error(`${who}: needs the wasm backend with the kernel installed (lib/attention/mla.ts's ops run elsewhere)`);
  }
  const inputs: Record<string, tf.Tensor> = { q, kvA, kvNorm, wUKt, wUV };
  kvBlocks.forEach((t, i) => (inputs[`kv${i}`] = t));
  peBlocks.forEach((t, i) => (inputs[`pe${i}`] = t));
  const attrs = { blocks: kvBlocks.length, pos, blockSize, heads: H, nope: dn, rope: dr, eps: o.eps, scale: o.scale, cos: o.cos, sin: o.sin };
  const [heads, kv, pe] = tf.engine().runKernel(MLA_DECODE_STEP_KERNEL, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { heads: heads as tf.Tensor3D, kv: kv as tf.Tensor4D, pe: pe as tf.Tensor4D };
}
