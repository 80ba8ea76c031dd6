/**
 * tfjs-wasm's Concat without a typed-array view per row, installed by `initBackend` on wasm.
 *
 * tfjs-wasm concatenates in JavaScript: for every row before the axis it makes a `subarray` view of
 * each input and `set`s it into the output. Appending one token to a KV-cache block
 * ([batch, heads, tokens, width] along tokens; lib/attention/kvcache.ts) is 2 × batch × heads
 * views per call, every decode step, every layer — the allocations, not the bytes, were the cost.
 * This copies the same bytes with `copyWithin` on one view of tfjs-wasm's heap: identical results,
 * no allocation. Other dtypes (string, bool, complex) and trivial cases go to tfjs's own kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasmHeap.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

let original: KernelConfig | undefined;
let view: Int32Array | undefined; // the heap as 32-bit words (float32 and int32 are both 4 bytes)

function heapWords(backend: WasmBackendLike): Int32Array | undefined {
  const buffer = backend.wasm.asm?.memory?.buffer;
  if (!buffer) return undefined;
  if (!view || view.buffer !== buffer) view = new Int32Array(buffer as ArrayBuffer);
  return view;
}

function concat(args: Parameters<KernelConfig["kernelFunc"]>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  const backend = args.backend as unknown as WasmBackendLike;
  const dtype = inputs[0]?.dtype;
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const nonEmpty = inputs.filter((t) => size(t.shape) > 0);
  if ((dtype !== "float32" && dtype !== "int32") || inputs.some((t) => t.dtype !== dtype) || nonEmpty.length < 2) return original!.kernelFunc(args);
  const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number | number[] }).axis, inputs[0]!.shape)[0]!;
  const shapes = inputs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const out = backend.makeOutput(tf.backend_util.computeOutShape(shapes, axis), dtype);
  const heap = heapWords(backend); // after makeOutput: a growing heap replaces the buffer
  if (!heap) {
    (backend as unknown as { disposeData(id: object): void }).disposeData(out.dataId);
    return original!.kernelFunc(args);
  }
  const rows = size(nonEmpty[0]!.shape.slice(0, axis));
  const inner = nonEmpty.map((t) => size(t.shape.slice(axis)));
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset >> 2;
  const from = nonEmpty.map(offset);
  let to = offset(out);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < nonEmpty.length; i++) {
      const n = inner[i]!;
      const start = from[i]! + r * n;
      heap.copyWithin(to, start, start + n);
      to += n;
    }
  }
  return out;
}

/** Re-registers wasm's Concat as the allocation-free copy (idempotent). */
export function useHeapConcat(): void {
  if (original) return;
  const own = tf.getKernel("Concat", "wasm");
  if (!own || !tf.findBackend("wasm")) return;
  original = own;
  tf.unregisterKernel("Concat", "wasm");
  tf.registerKernel({ kernelName: "Concat", backendName: "wasm", kernelFunc: concat as unknown as KernelConfig["kernelFunc"] });
}

/** Puts tfjs-wasm's own Concat back (for A/B measurements). */
export function restoreConcatKernel(): void {
  if (!original) return;
  tf.unregisterKernel("Concat", "wasm");
  tf.registerKernel(original);
  original = undefined;
}
