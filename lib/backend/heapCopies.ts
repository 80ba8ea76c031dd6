/**
 * tfjs-wasm's Concat and Gather as plain block copies on its heap, installed by `initBackend` on wasm.
 *
 * - Concat: tfjs-wasm concatenates in JavaScript, making a `subarray` view of each input for every
 *   row before the axis and `set`ting it into the output. Appending one token to a KV-cache block
 *   ([batch, heads, tokens, width] along tokens; lib/attention/kvcache.ts) is 2 × batch × heads
 *   views per call, every decode step, every layer — the allocations, not the bytes, were the cost.
 * - Gather: tfjs-wasm's kernel walks every element; picking 1,536 rows of 128 numbers (an MoE
 *   layer's tokens in expert order, lib/moe/moe.ts) took ~5 ms for 0.8 MB.
 * Both now copy the same bytes with `copyWithin` on one view of tfjs-wasm's heap, one call per
 * contiguous block (a gather of consecutive indices, such as paged attention's columns of one cache
 * block, is one block per row): identical results, no allocation. Other dtypes (string, bool, complex), gathers
 * of short blocks or with batch dimensions, out-of-range indices (tfjs's kernel reports them) and
 * trivial cases go to tfjs's own kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasmHeap.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

const originals = new Map<string, KernelConfig>();
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
  if ((dtype !== "float32" && dtype !== "int32") || inputs.some((t) => t.dtype !== dtype) || nonEmpty.length < 2) return originals.get("Concat")!.kernelFunc(args);
  const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number | number[] }).axis, inputs[0]!.shape)[0]!;
  const shapes = inputs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const out = backend.makeOutput(tf.backend_util.computeOutShape(shapes, axis), dtype);
  const heap = heapWords(backend); // after makeOutput: a growing heap replaces the buffer
  if (!heap) {
    (backend as unknown as { disposeData(id: object): void }).disposeData(out.dataId);
    return originals.get("Concat")!.kernelFunc(args);
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

function gather(args: Parameters<KernelConfig["kernelFunc"]>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const { x, indices } = args.inputs as unknown as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  const backend = args.backend as unknown as WasmBackendLike & { readSync(id: object): ArrayLike<number> };
  const fallback = () => originals.get("GatherV2")!.kernelFunc(args);
  if ((x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32" || (batchDims ?? 0) !== 0) return fallback();
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const dim = x.shape[ax]!;
  const slice = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const idx = backend.readSync(indices.dataId);
  for (let i = 0; i < idx.length; i++) if (!(idx[i]! >= 0 && idx[i]! < dim)) return fallback(); // tfjs's kernel names the bad index
  // A run of consecutive indices (paged attention's block of columns) is one block per outer row.
  let run = idx.length > 0;
  for (let i = 1; run && i < idx.length; i++) run = idx[i] === idx[i - 1]! + 1;
  if (!run && slice < 8) return fallback(); // short scattered blocks: one copy call each would cost more than tfjs's loop
  const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const out = backend.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
  const heap = heapWords(backend);
  if (!heap) {
    (backend as unknown as { disposeData(id: object): void }).disposeData(out.dataId);
    return fallback();
  }
  const from = backend.dataIdMap.get(x.dataId)!.memoryOffset >> 2;
  let to = backend.dataIdMap.get(out.dataId)!.memoryOffset >> 2;
  if (run) {
    const len = idx.length * slice;
    for (let o = 0; o < outer; o++, to += len) {
      const start = from + (o * dim + idx[0]!) * slice;
      heap.copyWithin(to, start, start + len);
    }
    return out;
  }
  for (let o = 0; o < outer; o++) {
    const base = from + o * dim * slice;
    for (let i = 0; i < idx.length; i++, to += slice) {
      const start = base + idx[i]! * slice;
      heap.copyWithin(to, start, start + slice);
    }
  }
  return out;
}

const KERNELS: [string, (args: Parameters<KernelConfig["kernelFunc"]>[0]) => tf.TensorInfo | tf.TensorInfo[]][] = [
  ["Concat", concat],
  ["GatherV2", gather],
];

/** Re-registers wasm's Concat and Gather as heap block copies (idempotent). */
export function useHeapCopies(): void {
  if (originals.size > 0 || !tf.findBackend("wasm")) return;
  for (const [name, kernelFunc] of KERNELS) {
    const own = tf.getKernel(name, "wasm");
    if (!own) continue;
    originals.set(name, own);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: kernelFunc as unknown as KernelConfig["kernelFunc"] });
  }
}

/** Puts tfjs-wasm's own Concat and Gather back (for A/B measurements). */
export function restoreCopyKernels(): void {
  for (const [name, config] of originals) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(config);
  }
  originals.clear();
}
