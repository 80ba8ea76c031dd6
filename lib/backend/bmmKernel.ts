/**
 * A faster BatchMatMul kernel for tfjs-wasm, installed by `initBackend` when it activates wasm.
 *
 * tfjs-wasm hands a product to XNNPACK only when it is one plain matrix times one plain matrix.
 * Everything else — a batch of products (attention's q·kᵀ and probs·v, one per sequence and head),
 * or a transpose flag (their gradients) — runs a scalar C++ loop at 1–3 GFLOP/s
 * (`npm run bench -- wasm-kernels`). This kernel takes those cases: a small 128-bit SIMD loop
 * (bmmSimd.wat, assembled into bmmSimdBytes.ts) that runs on tfjs-wasm's own memory, reads
 * transposed operands through strides instead of copying them, and is 2–10× faster on the
 * shapes the lessons train and decode with. Plain 2-D products still go to XNNPACK.
 *
 * Same numbers: each output element is the sum over the shared axis in order, as a naive loop
 * computes it (tests/backend/bmmKernel.test.ts checks every case against such a loop).
 * Nothing changes on other backends. `restoreBatchMatMulKernel()` puts tfjs's own kernel back.
 */
import * as tf from "@tensorflow/tfjs";
import { BMM_SIMD_WASM_BASE64 } from "./bmmSimdBytes.js";
import { heapBackend, heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

let original: KernelConfig | undefined;
/** A scratch buffer in tfjs-wasm's heap (for a transposed B), kept between calls. */
let scratch = { memory: undefined as unknown, ptr: 0, bytes: 0 };

function scratchFor(backend: WasmBackendLike, bytes: number): number {
  const memory = backend.wasm.asm?.memory;
  if (scratch.memory !== memory) scratch = { memory, ptr: 0, bytes: 0 }; // a new backend: the old buffer went with it
  if (scratch.bytes < bytes) {
    if (scratch.ptr) backend.wasm._free(scratch.ptr);
    scratch.bytes = Math.max(bytes, 2 * scratch.bytes, 1 << 16);
    scratch.ptr = backend.wasm._malloc(scratch.bytes);
  }
  return scratch.ptr;
}

function batchMatMul(args: Parameters<KernelConfig["kernelFunc"]>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const fallback = () => original!.kernelFunc(args);
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as unknown as WasmBackendLike;
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return fallback();
  const ra = a.shape.length, rb = b.shape.length;
  const [ar, ac] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [br, bc] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
  const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batch = Math.max(batchA, batchB);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  // XNNPACK's case, the ones tfjs rejects or broadcasts in ways other than "one side has batch 1",
  // and empty products: tfjs's own kernel.
  if (batch === 1 && !transposeA && !transposeB) return fallback();
  if ((transposeB ? bc : br) !== k || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return fallback();
  if (m * n * k === 0) return fallback();
  // B needs a dense copy when it is transposed; for a few rows that copy costs more than it saves.
  if (transposeB && m < 8) return fallback();
  const kernels = linkToHeap(BMM_SIMD_WASM_BASE64, backend);
  if (!kernels) return fallback();
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (outer.reduce((p, d) => p * d, 1) !== batch) return fallback();
  const outShape = [...outer, m, n];
  const out = backend.makeOutput(outShape, "float32");
  const work = transposeB ? scratchFor(backend, 4 * k * n) : 0;
  kernels.bmm!(
    heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out),
    batch, m, k, n,
    batchA === 1 ? 0 : ar * ac, transposeA ? 1 : ac, transposeA ? ac : 1,
    batchB === 1 ? 0 : br * bc, transposeB ? 1 : bc, transposeB ? bc : 1,
    work,
  );
  return out;
}

/** Installs the SIMD BatchMatMul for wasm (idempotent; a no-op where wasm isn't registered or can't run it). */
export function useSimdBatchMatMul(): void {
  if (original) return;
  const own = tf.getKernel("BatchMatMul", "wasm");
  if (!own || !heapBackend(BMM_SIMD_WASM_BASE64)) return;
  original = own;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: batchMatMul as unknown as KernelConfig["kernelFunc"] });
}

/** Puts tfjs-wasm's own BatchMatMul back (for A/B measurements). */
export function restoreBatchMatMulKernel(): void {
  if (!original) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(original);
  original = undefined;
}

/** Whether the SIMD kernel is installed. */
export function simdBatchMatMulInstalled(): boolean {
  return original !== undefined;
}
