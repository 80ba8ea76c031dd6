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
 * The same loops serve the whole-step kernels of mhaDecode.ts and mlaDecode.ts, and decodeFfn.ts's
 * SwiGLU middle; `useDecodeAttention` installs and switches all of them.
 * No mask: every cached token is visible to the new one (one token at position t − 1).
 * Same numbers as the composite ops up to the order of the additions and a softmax exponential
 * within about an ulp (tests/backend/decodeAttention.test.ts checks it against a plain loop and
 * against paged.ts's ops). Inference only: no gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { DECODE_SIMD_WASM_BASE64 } from "./decodeSimdBytes.js";
import { registerSiluMul } from "./decodeFfn.js";
import { registerMlaDecodeStep } from "./mlaDecode.js";
import { registerMhaDecodeStep } from "./mhaDecode.js";
import { heapBackend, heapOffset, heapScratch, linkToHeap, type WasmBackendLike, type WasmExports } from "./wasmHeap.js";

export const DECODE_ATTENTION_KERNEL = "SeekLabDecodeAttention";

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

/** A scratch buffer in tfjs-wasm's heap for the scores (and the fused steps' small rows), kept between calls. */
export const scratchFor = heapScratch();

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


let enabled = false;

/** Registers the kernel for wasm and uses it (idempotent; a no-op where wasm can't run it). */
export function useDecodeAttention(): void {
  if (!tf.findBackend("wasm") || !heapBackend(DECODE_SIMD_WASM_BASE64)) return;
  if (!tf.getKernel(DECODE_ATTENTION_KERNEL, "wasm")) {
    tf.registerKernel({ kernelName: DECODE_ATTENTION_KERNEL, backendName: "wasm", kernelFunc: decodeAttentionKernel as never });
  }
  registerMhaDecodeStep(); // MHA's step (mhaDecode.ts)
  registerSiluMul(); // SwiGLU's middle at decode (decodeFfn.ts), switched with these
  registerMlaDecodeStep(); // MLA's absorbed step (mlaDecode.ts)

  enabled = true;
}

/** Back to paged.ts's composite ops (for A/B measurements; the kernel stays registered). */
export function restoreDecodeAttention(): void {
  enabled = false;
}
