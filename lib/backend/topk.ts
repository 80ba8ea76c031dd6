/**
 * tfjs-wasm's TopK for small k as one pass per row, installed by `initBackend` on wasm.
 *
 * An MoE router picks k = 6–8 of 64–256 experts for every token (lib/moe/gate.ts); tfjs-wasm's
 * TopK took ~0.65 ms for 256 tokens × 256 experts, a third of the routing. This keeps the k best of
 * each row in a small sorted list while reading the row once (O(n·k)), in plain JavaScript on
 * tfjs-wasm's heap. Same contract as tf.topk: values largest first, ties to the lower index
 * (tests/backend/bmmKernel.test.ts compares it with tfjs's own kernel). Rows with a NaN, k > 16,
 * non-float32 input and `sorted: false` go to tfjs's kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasmHeap.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

const MAX_K = 16;
let original: KernelConfig | undefined;

function topk(args: Parameters<KernelConfig["kernelFunc"]>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  const { k, sorted } = args.attrs as unknown as { k: number; sorted: boolean };
  const backend = args.backend as unknown as WasmBackendLike;
  const n = x.shape[x.shape.length - 1]!;
  if (x.dtype !== "float32" || sorted === false || !(k >= 1 && k <= MAX_K && k <= n)) return original!.kernelFunc(args);
  const xs = backend.typedArrayFromHeap(x);
  for (let i = 0; i < xs.length; i++) if (xs[i] !== xs[i]) return original!.kernelFunc(args); // NaN: tfjs's rules
  const outShape = [...x.shape.slice(0, -1), k];
  const values = backend.makeOutput(outShape, "float32");
  const indices = backend.makeOutput(outShape, "int32");
  const vs = backend.typedArrayFromHeap(values);
  const is = backend.typedArrayFromHeap(indices) as unknown as Int32Array;
  const src = backend.typedArrayFromHeap(x); // after makeOutput: the heap may have grown
  const rows = src.length / n;
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    const base = r * k;
    let have = 0;
    for (let j = 0; j < n; j++) {
      const v = src[o + j]!;
      if (have === k && !(v > vs[base + k - 1]!)) continue; // not better than the k-th: a tie keeps the earlier index
      // Insert after every kept value ≥ v (earlier indices win ties).
      let p = have < k ? have++ : k - 1;
      while (p > 0 && vs[base + p - 1]! < v) {
        vs[base + p] = vs[base + p - 1]!;
        is[base + p] = is[base + p - 1]!;
        p--;
      }
      vs[base + p] = v;
      is[base + p] = j;
    }
  }
  return [values, indices];
}

/** Re-registers wasm's TopK with the one-pass version for small k (idempotent). */
export function useOnePassTopK(): void {
  if (original) return;
  const own = tf.getKernel("TopK", "wasm");
  if (!own || !tf.findBackend("wasm")) return;
  original = own;
  tf.unregisterKernel("TopK", "wasm");
  tf.registerKernel({ kernelName: "TopK", backendName: "wasm", kernelFunc: topk as unknown as KernelConfig["kernelFunc"] });
}

/** Puts tfjs-wasm's own TopK back (for A/B measurements). */
export function restoreTopKKernel(): void {
  if (!original) return;
  tf.unregisterKernel("TopK", "wasm");
  tf.registerKernel(original);
  original = undefined;
}
