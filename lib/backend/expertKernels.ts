/**
 * An MoE layer's routed experts in TWO kernels on tfjs-wasm, installed by `initBackend` on wasm.
 *
 * Grouped dispatch (lib/moe/moe.ts) lays the kept (token, choice) assignments out in expert order,
 * N rows. The composite path then needs a gather of x, three grouped products, a gather of the
 * combine weights and a scatter-add. These two kernels read and write where the rows already are:
 *
 *   SeekLabExpertsUp    [x [T, k], rows [N] int32, W1_0 … W1_{G−1}, W3_0 … W3_{G−1}], attr sizes
 *                       → [g, u], each [N, n]: row i of group e is x[rows[i]] · W1_e (and · W3_e)
 *   SeekLabExpertsDown  [h [N, k], rows [N] int32, widx [N] int32, w [*] float32, W2_0 … W2_{G−1}],
 *                       attrs sizes, nTokens → y [nTokens, n] = Σ_i (h[i] · W2_e(i)) · w[widx[i]]
 *                       added at row rows[i], in row order
 *
 * sizes[e] rows belong to group e, in order; all W of a kind share one shape. Between them the
 * caller applies SwiGLU's h = silu(g) ⊙ u with tfjs's own ops, so every number is what the
 * composite path gives, bit for bit: each product row is 0 + Σ a·b in order (moeSimd.wat's `mm4`,
 * four rows at a time, a short last block recomputing its last row into a spare one), then one
 * rounded multiply by the weight and one add, as tf.mul and tf.scatterND. Inference only (no
 * gradient), float32 only, as the grouped matMul it replaces.
 */
import * as tf from "@tensorflow/tfjs";
import { MOE_SIMD_WASM_BASE64 } from "./moeSimdBytes.js";
import { heapBackend, heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

export const EXPERTS_UP_KERNEL = "SeekLabExpertsUp";
export const EXPERTS_DOWN_KERNEL = "SeekLabExpertsDown";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Info = tf.TensorInfo;

/** Sizes, row indices and weight shapes, checked before anything is written (errors name the kernel and the argument). */
function checkGroups(fn: string, be: WasmBackendLike, sizes: number[], rows: Info, nRows: number, ws: Info[], k: number, what: string): number {
  if (!Array.isArray(sizes) || sizes.some((m) => !Number.isInteger(m) || m < 0)) throw new Error(`${fn}: sizes must be non-negative integers; got ${String(sizes)}`);
  const N = sizes.reduce((s, m) => s + m, 0);
  if (rows.dtype !== "int32" || rows.shape.length !== 1 || rows.shape[0] !== N) throw new Error(`${fn}: rows must be int32 [Σ sizes = ${N}]; got ${rows.dtype} [${rows.shape}]`);
  const r = be.typedArrayFromHeap(rows) as unknown as Int32Array;
  for (let i = 0; i < N; i++) if (!(r[i]! >= 0 && r[i]! < nRows)) throw new Error(`${fn}: rows[${i}] = ${r[i]} is outside [0, ${nRows})`);
  if (ws.length === 0 || ws.length % sizes.length !== 0) throw new Error(`${fn}: ${ws.length} weight matrices for ${sizes.length} groups`);
  const n = ws[0]!.shape[1]!;
  ws.forEach((w, i) => {
    if (w.dtype !== "float32" || w.shape.length !== 2 || w.shape[0] !== k || w.shape[1] !== n) throw new Error(`${fn}: ${what} ${i} must be float32 [${k}, ${n}]; got ${w.dtype} [${w.shape}]`);
  });
  return n;
}

function expertsUp({ inputs, backend, attrs }: Args): Info[] {
  const be = backend as WasmBackendLike;
  const [x, rows, ...ws] = inputs as unknown as Info[];
  const { sizes } = attrs as unknown as { sizes: number[] };
  const fn = EXPERTS_UP_KERNEL;
  if (!x || x.dtype !== "float32" || x.shape.length !== 2) throw new Error(`${fn}: x must be float32 [tokens, dModel]; got ${x?.dtype} [${x?.shape}]`);
  const [T, k] = x.shape as [number, number];
  const n = checkGroups(fn, be, sizes, rows!, T, ws, k, "weight");
  if (ws.length !== 2 * sizes.length) throw new Error(`${fn}: want W1 and W3 for each of ${sizes.length} groups; got ${ws.length} matrices`);
  const N = rows!.shape[0]!;
  const g = be.makeOutput([N, n], "float32");
  const u = be.makeOutput([N, n], "float32");
  const spare = be.makeOutput([n], "float32"); // a short block's extra rows land here
  const mod = linkToHeap(MOE_SIMD_WASM_BASE64, be)!;
  const [xAt, rowsAt, gAt, uAt, spareAt] = [x, rows!, g, u, spare].map((t) => heapOffset(be, t)) as [number, number, number, number, number];
  let at = 0;
  sizes.forEach((m, e) => {
    if (m > 0) {
      mod.gather_mm!(xAt, rowsAt + 4 * at, m, heapOffset(be, ws[e]!), gAt + 4 * at * n, k, n, spareAt);
      mod.gather_mm!(xAt, rowsAt + 4 * at, m, heapOffset(be, ws[sizes.length + e]!), uAt + 4 * at * n, k, n, spareAt);
    }
    at += m;
  });
  (be as unknown as { disposeData(id: object): void }).disposeData(spare.dataId);
  return [g, u];
}

function expertsDown({ inputs, backend, attrs }: Args): Info {
  const be = backend as WasmBackendLike;
  const [h, rows, widx, w, ...ws] = inputs as unknown as Info[];
  const { sizes, nTokens } = attrs as unknown as { sizes: number[]; nTokens: number };
  const fn = EXPERTS_DOWN_KERNEL;
  if (!Number.isInteger(nTokens) || nTokens < 1) throw new Error(`${fn}: nTokens must be a positive integer; got ${nTokens}`);
  if (!h || h.dtype !== "float32" || h.shape.length !== 2) throw new Error(`${fn}: h must be float32 [rows, hidden]; got ${h?.dtype} [${h?.shape}]`);
  const k = h.shape[1]!;
  const n = checkGroups(fn, be, sizes, rows!, nTokens, ws, k, "W2");
  if (ws.length !== sizes.length) throw new Error(`${fn}: want one W2 for each of ${sizes.length} groups; got ${ws.length}`);
  const N = rows!.shape[0]!;
  if (h.shape[0] !== N) throw new Error(`${fn}: h has ${h.shape[0]} rows but sizes add up to ${N}`);
  if (!w || w.dtype !== "float32") throw new Error(`${fn}: w must be float32; got ${w?.dtype}`);
  const wSize = w.shape.reduce((p, d) => p * d, 1);
  if (!widx || widx.dtype !== "int32" || widx.shape.length !== 1 || widx.shape[0] !== N) throw new Error(`${fn}: widx must be int32 [${N}]; got ${widx?.dtype} [${widx?.shape}]`);
  const wi = be.typedArrayFromHeap(widx) as unknown as Int32Array;
  for (let i = 0; i < N; i++) if (!(wi[i]! >= 0 && wi[i]! < wSize)) throw new Error(`${fn}: widx[${i}] = ${wi[i]} is outside [0, ${wSize})`);
  const y = be.makeOutput([nTokens, n], "float32");
  const tmp = be.makeOutput([4 * n], "float32"); // one block of four product rows
  be.typedArrayFromHeap(y).fill(0);
  const mod = linkToHeap(MOE_SIMD_WASM_BASE64, be)!;
  const [hAt, rowsAt, widxAt, wAt, yAt, tmpAt] = [h, rows!, widx, w, y, tmp].map((t) => heapOffset(be, t)) as [number, number, number, number, number, number];
  let at = 0;
  sizes.forEach((m, e) => {
    if (m > 0) mod.experts_down!(hAt + 4 * at * k, rowsAt + 4 * at, widxAt + 4 * at, wAt, m, heapOffset(be, ws[e]!), yAt, k, n, tmpAt);
    at += m;
  });
  (be as unknown as { disposeData(id: object): void }).disposeData(tmp.dataId);
  return y;
}

let installed = false;

/** Registers the two expert kernels for wasm (idempotent; a no-op without wasm or WebAssembly SIMD). */
export function useExpertKernels(): void {
  if (installed || !heapBackend(MOE_SIMD_WASM_BASE64)) return;
  tf.registerKernel({ kernelName: EXPERTS_UP_KERNEL, backendName: "wasm", kernelFunc: expertsUp as never });
  tf.registerKernel({ kernelName: EXPERTS_DOWN_KERNEL, backendName: "wasm", kernelFunc: expertsDown as never });
  installed = true;
}
