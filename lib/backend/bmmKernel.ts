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
import { heapBackend, heapOffset, heapScratch, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";
import { explicitTransposeMatMulGradInstalled } from "./matmulGrad.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

let original: KernelConfig | undefined;
/** A scratch buffer in tfjs-wasm's heap for a transposed B, kept between calls. */
const scratchFor = heapScratch();

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
  let batch = Math.max(batchA, batchB);
  let m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  if (batchB === 1 && batchA > 1 && !transposeA && (transposeB ? bc : br) === k) {
    // One matrix B for every batch of A (x·W with x [..., k]): a single product [batch·m, k]·B.
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!transposeB) {
      // Plain 2-D: XNNPACK, through tfjs's own kernel on 2-D views of the same memory.
      const out = original!.kernelFunc({ ...args, inputs: { a: { ...a, shape: [batchA * m, k] }, b: { ...b, shape: [k, n] } } as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      out.shape = [...outer, m, n];
      return out;
    }
    m *= batchA;
    batch = 1;
  }
  // XNNPACK's case, the ones tfjs rejects or broadcasts in ways other than "one side has batch 1",
  // and empty products: tfjs's own kernel.
  if (batch === 1 && !transposeA && !transposeB) return fallback();
  if ((transposeB ? bc : br) !== k || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return fallback();
  if (m * n * k === 0) return fallback();
  const kernels = linkToHeap(BMM_SIMD_WASM_BASE64, backend);
  if (!kernels) return fallback();
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (outer.reduce((p, d) => p * d, 1) !== Math.max(batchA, batchB)) return fallback();
  const outShape = [...outer, transposeA ? ac : ar, n];
  const out = backend.makeOutput(outShape, "float32");
  if (transposeB && !transposeA) {
    // A·Bᵀ with rows of both contiguous along k: dot products, no copy of B.
    kernels.bmm_nt!(
      heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out),
      batch, m, k, n,
      batchA === 1 ? 0 : ar * ac, ac,
      batchB === 1 ? 0 : br * bc, bc,
    );
    return out;
  }
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

/**
 * Whether `tf.matMul(x [..., m, k], W [k, n])` is as fast as the 2-D product on the flattened x, so
 * that `linear` can skip its two reshapes: on wasm, with this kernel (it folds x's batches into rows
 * for XNNPACK) and matmulGrad.ts's gradient (tfjs-core's cannot sum W's gradient over x's batches).
 */
export function foldsBroadcastMatMul(): boolean {
  return original !== undefined && explicitTransposeMatMulGradInstalled() && tf.getBackend() === "wasm";
}

/** Whether the SIMD kernel is installed. */
export function simdBatchMatMulInstalled(): boolean {
  return original !== undefined;
}
