/**
 * Fused kernels for tfjs-wasm, installed by `initBackend` when it activates wasm: interleaved
 * RoPE and RMSNorm, each ONE kernel (and one for its gradient) instead of 4–6 tfjs ops forward and
 * 10–20 backward.
 *
 * Why: on tfjs-wasm every op costs several microseconds of engine work before any arithmetic. A
 * decode step of lesson 3's model (batch 32, one new token, width 64) is ~150 ops on tensors of
 * 2,048 numbers, so that fixed cost is most of the step; RoPE and RMSNorm alone were ~60 of them.
 * The kernels run on tfjs-wasm's own heap (no copy in or out): 128-bit SIMD loops (fusedSimd.wat)
 * when the last axis is a multiple of 4, else plain JavaScript loops that round every step to
 * float32 (Math.fround). Either way RoPE gives bit for bit what `applyRopeMatmul` gives
 * (x⊙cos + (x·P)⊙sin: P only moves and negates lanes) and RMSNorm what its composite gives up to
 * the order of its sums. lib/nn/rope.ts and rmsnorm.ts call them through `fusedKernel(name)` and
 * keep their composite spelling for every other backend; tests compare the two.
 *
 *   SeekLabRope        x [..., seq, (heads,) d], cos/sin [seq, d] (each pair's angle on both lanes)
 *                      → x⊙cos + turn(x)⊙sin, turn(x) = (−x₁, x₀, −x₃, x₂, …); attr inverse: the
 *                      rotation by −angle, which is also the gradient (a rotation's transpose).
 *   SeekLabRmsNorm     x [..., d], w [d], attr eps → [y = x·r·w, r = (mean(x²)+eps)^-½ per row]
 *   SeekLabRmsNormGrad x, w, r, dy, attr wrt → dx = r·g − x·r³·mean(x⊙g) or dw = Σ_rows x·r⊙dy, g = w⊙dy
 */
import * as tf from "@tensorflow/tfjs";
import { FUSED_SIMD_WASM_BASE64 } from "./fusedSimdBytes.js";
import { heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

export const ROPE_KERNEL = "SeekLabRope";
export const RMSNORM_KERNEL = "SeekLabRmsNorm";
const RMSNORM_GRAD_KERNEL = "SeekLabRmsNormGrad";

const f = Math.fround;

type HeapBackend = WasmBackendLike;

/** The SIMD versions (fusedSimd.wat) when the last axis is a multiple of 4, else undefined (the JavaScript loops below). */
function simd(backend: HeapBackend, d: number) {
  return d % 4 === 0 ? linkToHeap(FUSED_SIMD_WASM_BASE64, backend) : undefined;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function ropeKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const be = backend as HeapBackend;
  const { x, cos, sin } = inputs as { x: tf.TensorInfo; cos: tf.TensorInfo; sin: tf.TensorInfo };
  const { seq, heads, inverse } = attrs as unknown as { seq: number; heads: number; inverse: boolean };
  const d = x.shape[x.shape.length - 1]!;
  const out = be.makeOutput(x.shape, "float32");
  const rowsAll = x.shape.reduce((p, n) => p * n, 1) / d;
  const fast = simd(be, d);
  if (fast) {
    fast.rope!(heapOffset(be, x), heapOffset(be, cos), heapOffset(be, sin), heapOffset(be, out), rowsAll, d, heads, seq, inverse ? 1 : 0);
    return out;
  }
  const xs = be.typedArrayFromHeap(x);
  const c = be.typedArrayFromHeap(cos);
  const s = be.typedArrayFromHeap(sin);
  const ys = be.typedArrayFromHeap(out);
  const rows = xs.length / d;
  for (let row = 0; row < rows; row++) {
    const o = row * d;
    const t = (((row / heads) | 0) % seq) * d; // this row's position in the tables
    for (let i = 0; i < d; i += 2) {
      const a = xs[o + i]!, b = xs[o + i + 1]!;
      const ca = c[t + i]!, sa = s[t + i]!, cb = c[t + i + 1]!, sb = s[t + i + 1]!;
      if (inverse) {
        ys[o + i] = f(f(a * ca) + f(b * sa));
        ys[o + i + 1] = f(f(b * cb) - f(a * sb));
      } else {
        ys[o + i] = f(f(a * ca) - f(b * sa));
        ys[o + i + 1] = f(f(b * cb) + f(a * sb));
      }
    }
  }
  return out;
}

function rmsNormKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const be = backend as HeapBackend;
  const { x, w } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo };
  const { eps } = attrs as unknown as { eps: number };
  const d = x.shape[x.shape.length - 1]!;
  const out = be.makeOutput(x.shape, "float32");
  const rOut = be.makeOutput([...x.shape.slice(0, -1), 1], "float32");
  const fast = simd(be, d);
  if (fast) {
    fast.rmsnorm!(heapOffset(be, x), heapOffset(be, w), heapOffset(be, out), heapOffset(be, rOut), rOut.shape.reduce((p, n) => p * n, 1), d, eps);
    return [out, rOut];
  }
  const xs = be.typedArrayFromHeap(x);
  const ws = be.typedArrayFromHeap(w);
  const ys = be.typedArrayFromHeap(out);
  const rs = be.typedArrayFromHeap(rOut);
  const e = f(eps);
  for (let row = 0, o = 0; o < xs.length; row++, o += d) {
    let sq = 0;
    for (let j = 0; j < d; j++) sq = f(sq + f(xs[o + j]! * xs[o + j]!));
    const r = f(1 / f(Math.sqrt(f(f(sq / d) + e))));
    rs[row] = r;
    for (let j = 0; j < d; j++) ys[o + j] = f(f(xs[o + j]! * r) * ws[j]!);
  }
  return [out, rOut];
}

function rmsNormGradKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const be = backend as HeapBackend;
  const { x, w, r, dy } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; r: tf.TensorInfo; dy: tf.TensorInfo };
  const { wrt } = attrs as unknown as { wrt: "x" | "w" };
  const d = x.shape[x.shape.length - 1]!;
  const rows = r.shape.reduce((p, n) => p * n, 1);
  const fast = simd(be, d);
  if (fast) {
    const out = be.makeOutput(wrt === "w" ? [d] : x.shape, "float32");
    if (wrt === "w") fast.rmsnorm_dw!(heapOffset(be, x), heapOffset(be, r), heapOffset(be, dy), heapOffset(be, out), rows, d);
    else fast.rmsnorm_dx!(heapOffset(be, x), heapOffset(be, w), heapOffset(be, r), heapOffset(be, dy), heapOffset(be, out), rows, d);
    return out;
  }
  const xs = be.typedArrayFromHeap(x);
  const ws = be.typedArrayFromHeap(w);
  const rs = be.typedArrayFromHeap(r);
  const gs = be.typedArrayFromHeap(dy);
  if (wrt === "w") {
    const dw = new Float64Array(d); // Σ over rows of x·r⊙dy
    for (let row = 0, o = 0; o < xs.length; row++, o += d) {
      const rr = rs[row]!;
      for (let j = 0; j < d; j++) dw[j]! += xs[o + j]! * rr * gs[o + j]!;
    }
    const out = be.makeOutput([d], "float32");
    be.typedArrayFromHeap(out).set(dw);
    return out;
  }
  const out = be.makeOutput(x.shape, "float32");
  const dx = be.typedArrayFromHeap(out);
  for (let row = 0, o = 0; o < xs.length; row++, o += d) {
    const rr = rs[row]!;
    let dot = 0; // Σ_j x_j·w_j·dy_j
    for (let j = 0; j < d; j++) dot += xs[o + j]! * ws[j]! * gs[o + j]!;
    const k = (rr * rr * rr * dot) / d;
    for (let j = 0; j < d; j++) dx[o + j] = rr * ws[j]! * gs[o + j]! - xs[o + j]! * k;
  }
  return out;
}

let installed = false;
let enabled = false;

/** Registers the fused kernels for wasm and their gradients, and uses them (idempotent; a no-op without wasm). */
export function useFusedKernels(): void {
  if (!tf.findBackend("wasm")) return;
  enabled = true;
  if (installed) return;
  const reg = (kernelName: string, kernelFunc: (a: Args) => tf.TensorInfo | tf.TensorInfo[]) => {
    if (!tf.getKernel(kernelName, "wasm")) tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as never });
  };
  reg(ROPE_KERNEL, ropeKernel);
  reg(RMSNORM_KERNEL, rmsNormKernel);
  reg(RMSNORM_GRAD_KERNEL, rmsNormGradKernel);
  tf.registerGradient({
    kernelName: ROPE_KERNEL,
    inputsToSave: ["cos", "sin"],
    // A rotation's gradient is the rotation back; only x is differentiated (cos and sin are tables).
    gradFunc: (dy, saved, attrs) => {
      const [cos, sin] = saved as [tf.Tensor, tf.Tensor];
      const { seq, heads, inverse } = attrs as unknown as { seq: number; heads: number; inverse: boolean };
      return { x: () => tf.engine().runKernel(ROPE_KERNEL, { x: dy as tf.Tensor, cos, sin }, { seq, heads, inverse: !inverse }) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: RMSNORM_KERNEL,
    inputsToSave: ["x", "w"],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [x, w, r] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dy = (dys as tf.Tensor[])[0]!; // r is internal: nothing flows back through it
      const grad = (wrt: "x" | "w") => () => tf.engine().runKernel(RMSNORM_GRAD_KERNEL, { x, w, r, dy }, { wrt }) as tf.Tensor;
      return { x: grad("x"), w: grad("w") };
    },
  });
  installed = true;
}

/** Back to the composite ops everywhere (for A/B measurements; the kernels stay registered). */
export function useCompositeOps(): void {
  enabled = false;
}

/** The fused kernel `name` when the active backend has it, else undefined (use the composite ops). */
export function fusedKernel(name: string): string | undefined {
  return enabled && tf.getBackend() === "wasm" && tf.getKernel(name, "wasm") ? name : undefined;
}
