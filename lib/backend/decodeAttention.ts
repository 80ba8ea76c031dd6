/**
 * One decode step of attention over a paged KV cache as ONE tfjs-wasm kernel, installed by
 * `initBackend` when it activates wasm.
 *
 * Why: with one new token the attention of a layer is small arithmetic spread over many ops —
 * per cache block a scores product (per score term), the concat of the blocks' scores, the scale,
 * the softmax, per block a gather of its probabilities and a probs·V product, and the sum of the
 * blocks' outputs. On tfjs-wasm each op costs microseconds of engine work before any arithmetic,
 * which is most of a decode step of lesson 3's model (lib/attention/paged.ts spells those ops out;
 * notebooks/03_chain_of_thought.ipynb samples with it). Here they are three SIMD loops
 * (decodeSimd.wat) over every batch row and head at once, on tfjs-wasm's own heap: nothing is
 * copied in or out, and the scores never become a tensor.
 *
 *   SeekLabDecodeAttention  inputs q{j} [b, G, n, dk_j] per score term j, k{j}_{i} [b, G, t_i, dk_j]
 *                           per term and cache block i, v{i} [b, G, t_i, dv]; attrs terms, blocks, scale
 *                           → softmax(Σ_j q_j·k_jᵀ · scale)·v  [b, G, n, dv]
 *   SeekLabMhaDecodeStep    inputs qkv [b, 1, (H + 2·kv)·d] (x·[Wq | Wk | Wv]), k{i}/v{i} the cache's
 *                           blocks [b, kv, t_i, d]; attrs pos, blockSize, heads, kvHeads, scale, cos, sin
 *                           → [attention [b, 1, H·d], new last blocks of k and v [b, kv, pos mod blockSize + 1, d]]:
 *                           RoPE on the new q and k (fusedSimd.wat's arithmetic), the append, the
 *                           attention — MHA's whole step between its two projections (lib/attention/mha.ts).
 * No mask: every cached token is visible to the new one (one token at position t − 1).
 * Same numbers as the composite ops up to the order of the additions and a softmax exponential
 * within about an ulp (tests/backend/decodeAttention.test.ts checks it against a plain loop and
 * against paged.ts's ops). Inference only: no gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { DECODE_SIMD_WASM_BASE64 } from "./decodeSimdBytes.js";
import { registerSiluMul } from "./decodeFfn.js";
import { registerMlaDecodeStep } from "./mlaDecode.js";
import { heapBackend, heapOffset, linkToHeap, type WasmBackendLike, type WasmExports } from "./wasmHeap.js";

export const DECODE_ATTENTION_KERNEL = "SeekLabDecodeAttention";
export const MHA_DECODE_STEP_KERNEL = "SeekLabMhaDecodeStep";

/** The inputs of one decode step: the same as lib/attention/paged.ts's PagedInputs. */
export interface DecodeAttentionInputs {
  /** per score term: the queries [batch, G, n, dk_j] */
  queries: tf.Tensor4D[];
  /** per score term: key blocks [batch, G, tokens_i, dk_j] */
  keys: (readonly tf.Tensor4D[])[];
  /** value blocks [batch, G, tokens_i, dv] */
  values: readonly tf.Tensor4D[];
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** A scratch buffer in tfjs-wasm's heap for the scores, kept between calls. */
let scratch = { memory: undefined as unknown, ptr: 0, bytes: 0 };

export function scratchFor(be: WasmBackendLike, bytes: number): number {
  const memory = be.wasm.asm?.memory;
  if (scratch.memory !== memory) scratch = { memory, ptr: 0, bytes: 0 }; // a new backend: the old buffer went with it
  if (scratch.bytes < bytes) {
    if (scratch.ptr) be.wasm._free(scratch.ptr);
    scratch.bytes = Math.max(bytes, 2 * scratch.bytes, 1 << 16);
    scratch.ptr = be.wasm._malloc(scratch.bytes);
  }
  return scratch.ptr;
}

/** Where the operands of one attention sit in the heap (byte offsets), for `attend`. */
export interface OnHeap {
  /** per score term: the queries [groups, n, dk] and dk */
  queries: { at: number; dk: number }[];
  /** per score term, per block: the keys [groups, t_i, dk] */
  keys: number[][];
  /** per block: the values [groups, t_i, dv] */
  values: number[];
  /** per block: t_i */
  tokens: number[];
  groups: number;
  n: number;
  dv: number;
  scale: number;
  /** the output [groups, n, dv] */
  out: number;
  /** room for the scores [groups, n, Σ t_i] */
  scores: number;
}

/** softmax(Σ_j q_j·k_jᵀ · scale)·v on the heap: scores block by block, one softmax, probs·V block by block. */
export function attend(k: WasmExports, a: OnHeap, heap: Float32Array): void {
  const total = a.tokens.reduce((acc, t) => acc + t, 0);
  let col = 0;
  a.tokens.forEach((t, i) => {
    // Two terms at a time into the same sums (MLA's latent and rope terms); a third would add on.
    for (let j = 0; j < a.queries.length; j += 2) {
      const { at, dk } = a.queries[j]!;
      const two = a.queries[j + 1];
      k.scores!(at, a.keys[j]![i]!, a.scores + 4 * col, a.groups, a.n, dk, t, total, a.n * dk, t * dk, j > 0 ? 1 : 0, two?.at ?? 0, two ? a.keys[j + 1]![i]! : 0, two?.dk ?? 0);
    }
    col += t;
  });
  k.softmax!(a.scores, a.groups * a.n, total, total, a.scale);
  heap.fill(0, a.out >> 2, (a.out >> 2) + a.groups * a.n * a.dv);
  col = 0;
  a.tokens.forEach((t, i) => {
    k.pv!(a.scores + 4 * col, a.values[i]!, a.out, a.groups, a.n, t, a.dv, total, t * a.dv);
    col += t;
  });
}

export function heapFloats(be: WasmBackendLike): Float32Array {
  return new Float32Array(be.wasm.asm!.memory!.buffer as ArrayBuffer);
}

function decodeAttentionKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const { terms, blocks, scale } = attrs as unknown as { terms: number; blocks: number; scale: number };
  const named = inputs as unknown as Record<string, tf.TensorInfo>;
  const qs = Array.from({ length: terms }, (_, j) => named[`q${j}`]!);
  const vs = Array.from({ length: blocks }, (_, i) => named[`v${i}`]!);
  const [b, G, n] = qs[0]!.shape as [number, number, number, number];
  const dv = vs[0]!.shape[3]!;
  const tokens = vs.map((v) => v.shape[2]!);
  const out = be.makeOutput([b, G, n, dv], "float32");
  const scores = scratchFor(be, 4 * b * G * n * tokens.reduce((acc, t) => acc + t, 0));
  attend(linkToHeap(DECODE_SIMD_WASM_BASE64, be)!, {
    queries: qs.map((q) => ({ at: heapOffset(be, q), dk: q.shape[3]! })),
    keys: qs.map((_, j) => vs.map((_, i) => heapOffset(be, named[`k${j}_${i}`]!))),
    values: vs.map((v) => heapOffset(be, v)),
    tokens, groups: b * G, n, dv, scale, out: heapOffset(be, out), scores,
  }, heapFloats(be));
  return out;
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

const WHO = "decodeAttention";

function describe(t: tf.Tensor | undefined): string {
  return t ? `[${t.shape}] ${t.dtype}` : "nothing";
}

/** Checks shapes; throws naming the argument, what was expected and what came in. */
function check(x: DecodeAttentionInputs, scale: number): void {
  if (!x || !Array.isArray(x.queries) || x.queries.length === 0) throw new Error(`${WHO}: queries must be a non-empty list of [batch, G, n, dk] tensors; got ${String(x?.queries)}`);
  if (!Array.isArray(x.keys) || x.keys.length !== x.queries.length) {
    throw new Error(`${WHO}: keys must hold one list of blocks per score term (${x.queries.length}); got ${Array.isArray(x.keys) ? x.keys.length : String(x.keys)}`);
  }
  if (!Array.isArray(x.values) || x.values.length === 0) throw new Error(`${WHO}: values must be a non-empty list of [batch, G, tokens, dv] blocks; got ${String(x.values)}`);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`${WHO}: scale must be a positive number; got ${scale}`);
  const q0 = x.queries[0]!;
  if (q0?.rank !== 4) throw new Error(`${WHO}: queries[0] must be [batch, G, n, dk] float32; got ${describe(q0)}`);
  const [b, G, n] = q0.shape;
  const is4 = (t: tf.Tensor | undefined, lead: number[], what: string) => {
    if (!t || t.rank !== 4 || t.dtype !== "float32" || lead.some((d, i) => d !== -1 && t.shape[i] !== d)) {
      throw new Error(`${WHO}: ${what} must be [${lead.map((d) => (d === -1 ? "·" : d))}] float32; got ${describe(t)}`);
    }
  };
  const tokens = x.values.map((v, i) => {
    is4(v, [b, G, -1, -1], `values[${i}]`);
    return v.shape[2];
  });
  x.values.forEach((v, i) => is4(v, [b, G, tokens[i]!, x.values[0]!.shape[3]], `values[${i}]`));
  x.queries.forEach((q, j) => {
    is4(q, [b, G, n, -1], `queries[${j}]`);
    const blocks = x.keys[j]!;
    if (!Array.isArray(blocks) || blocks.length !== tokens.length) {
      throw new Error(`${WHO}: keys[${j}] must hold ${tokens.length} blocks (one per value block); got ${Array.isArray(blocks) ? blocks.length : String(blocks)}`);
    }
    blocks.forEach((k, i) => is4(k, [b, G, tokens[i]!, q.shape[3]], `keys[${j}][${i}]`));
  });
}

/** Whether the fused kernels run on the active backend (wasm, installed and switched on). */
export function decodeKernelsOn(): boolean {
  return enabled && tf.getBackend() === "wasm" && tf.getKernel(DECODE_ATTENTION_KERNEL, "wasm") !== undefined;
}

/** Whether the fused kernel can run these inputs (wasm with the kernel on, widths multiples of 4). */
export function decodeAttentionFits(x: DecodeAttentionInputs): boolean {
  return decodeKernelsOn() && x.queries.every((q) => q.shape[3] % 4 === 0) && x.values[0]!.shape[3] % 4 === 0 && x.values.every((v) => v.size > 0);
}

/**
 * softmax(Σ_j q_j·k_jᵀ · scale)·v over every cached token, as one op (wasm only: check
 * `decodeAttentionFits` first; lib/attention/paged.ts does).
 * @param x per score term the queries [batch, G, n, dk_j] and key blocks [batch, G, t_i, dk_j];
 *   value blocks [batch, G, t_i, dv]
 * @param scale softmax scale
 * @returns [batch, G, n, dv]
 */
export function decodeAttention(x: DecodeAttentionInputs, scale: number): tf.Tensor4D {
  check(x, scale);
  if (!decodeAttentionFits(x)) throw new Error(`${WHO}: needs the wasm backend with the kernel installed and widths that are multiples of 4 (use lib/attention/paged.ts elsewhere)`);
  const inputs: Record<string, tf.Tensor> = {};
  x.queries.forEach((q, j) => {
    inputs[`q${j}`] = q;
    x.keys[j]!.forEach((k, i) => (inputs[`k${j}_${i}`] = k));
  });
  x.values.forEach((v, i) => (inputs[`v${i}`] = v));
  return tf.engine().runKernel(DECODE_ATTENTION_KERNEL, inputs as tf.NamedTensorMap, { terms: x.queries.length, blocks: x.values.length, scale } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
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
 * `decodeAttentionFits` first): RoPE on the new query and key, the new key and value appended to
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

let enabled = false;

/** Registers the kernel for wasm and uses it (idempotent; a no-op where wasm can't run it). */
export function useDecodeAttention(): void {
  if (!tf.findBackend("wasm") || !heapBackend(DECODE_SIMD_WASM_BASE64)) return;
  if (!tf.getKernel(DECODE_ATTENTION_KERNEL, "wasm")) {
    tf.registerKernel({ kernelName: DECODE_ATTENTION_KERNEL, backendName: "wasm", kernelFunc: decodeAttentionKernel as never });
    tf.registerKernel({ kernelName: MHA_DECODE_STEP_KERNEL, backendName: "wasm", kernelFunc: mhaDecodeStepKernel as never });
  }
  registerSiluMul(); // SwiGLU's middle at decode (decodeFfn.ts), switched with these
  registerMlaDecodeStep(); // MLA's absorbed step (mlaDecode.ts)

  enabled = true;
}

/** Back to paged.ts's composite ops (for A/B measurements; the kernel stays registered). */
export function restoreDecodeAttention(): void {
  enabled = false;
}
