/**
 * AdamW's whole update as ONE kernel for tfjs-wasm, installed by `initBackend` when it activates
 * wasm; lib/model/adamw.ts calls it through `fusedAdamW()` and keeps its readable tfjs ops for every
 * other backend (notebooks/03_chain_of_thought.ipynb trains with it).
 *
 * Why: the readable update is ~19 tfjs ops per weight (lib/model/adamw.ts), ~400 ops per step for
 * lesson 3's 21 weights, each with several microseconds of engine work on a few thousand numbers.
 * This kernel does the same arithmetic in one pass over tfjs-wasm's heap (plain JavaScript loops,
 * every step rounded to float32 with Math.fround as the ops would round it):
 *
 *   SeekLabAdamW  inputs [w₀…w_{n−1}, g₀…, m₀…, v₀…] (4n tensors, float32, each group in the same
 *                 order and shapes), attrs { beta1, beta2, eps, lr, c1 = 1−β₁ᵗ, c2 = 1−β₂ᵗ,
 *                 decay[i] (λ or 0 per weight), clipNorm (0 = off) }
 *                 → [w′₀…, m′₀…, v′₀…] (3n new tensors; the caller assigns them to its variables)
 *
 *   scale = min(1, clipNorm / (‖g‖ + 1e-6)) over all gradients (1 when clipNorm = 0), g ← g·scale
 *   m′ = β₁m + (1−β₁)g     v′ = β₂v + (1−β₂)g²
 *   w′ = w − lr·( (m′/c1) / (√(v′/c2) + ε) + λw )
 *
 * The global norm is summed in float64 here and in float32 by the ops, so the two agree to float
 * rounding (tests/backend/adamwKernel.test.ts compares them over several steps).
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasmHeap.js";

export const ADAMW_KERNEL = "SeekLabAdamW";

const f = Math.fround;

/** What the kernel needs besides the tensors. */
export interface AdamWKernelAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  lr: number;
  /** 1 − β₁ᵗ */
  c1: number;
  /** 1 − β₂ᵗ */
  c2: number;
  /** λ for each weight (0 where it is not decayed). */
  decay: number[];
  /** Clip the global gradient norm to this (0 = off). */
  clipNorm: number;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function adamwKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackendLike;
  const all = inputs as unknown as tf.TensorInfo[];
  const a = attrs as unknown as AdamWKernelAttrs;
  const n = all.length / 4;
  const [ws, gs, ms, vs] = [0, 1, 2, 3].map((i) => all.slice(i * n, (i + 1) * n));
  // Every output first: making one can grow the heap, which detaches views taken before it.
  const outs = [...ws, ...ms, ...vs].map((t) => be.makeOutput(t.shape, "float32"));
  const view = (t: tf.TensorInfo) => be.typedArrayFromHeap(t);
  let scale = 1;
  if (a.clipNorm > 0) {
    let sq = 0;
    for (const g of gs) {
      const x = view(g);
      for (let j = 0; j < x.length; j++) sq += x[j]! * x[j]!;
    }
    scale = f(Math.min(1, f(a.clipNorm / f(f(Math.sqrt(sq)) + 1e-6))));
  }
  // Each constant as the float32 scalar the ops would make of it.
  const [b1, b2, eps, lr, c1, c2] = [a.beta1, a.beta2, a.eps, a.lr, a.c1, a.c2].map(f) as [number, number, number, number, number, number];
  const [ob1, ob2] = [f(1 - a.beta1), f(1 - a.beta2)];
  for (let i = 0; i < n; i++) {
    const [w, g, m, v] = [view(ws[i]!), view(gs[i]!), view(ms[i]!), view(vs[i]!)];
    const [w2, m2, v2] = [view(outs[i]!), view(outs[n + i]!), view(outs[2 * n + i]!)];
    const decay = f(a.decay[i] ?? 0);
    for (let j = 0; j < w.length; j++) {
      const gj = scale === 1 ? g[j]! : f(g[j]! * scale);
      const mj = f(f(m[j]! * b1) + f(gj * ob1));
      const vj = f(f(v[j]! * b2) + f(f(gj * gj) * ob2));
      let u = f(f(mj / c1) / f(f(Math.sqrt(f(vj / c2))) + eps));
      if (decay > 0) u = f(u + f(w[j]! * decay));
      m2[j] = mj;
      v2[j] = vj;
      w2[j] = f(w[j]! - f(u * lr));
    }
  }
  return outs;
}

let enabled = false;

/** Registers the kernel for wasm and uses it (idempotent; a no-op without wasm). */
export function useFusedAdamW(): void {
  if (!tf.findBackend("wasm")) return;
  if (!tf.getKernel(ADAMW_KERNEL, "wasm")) tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName: "wasm", kernelFunc: adamwKernel as never });
  enabled = true;
}

/** Back to the readable tfjs ops (for A/B measurements; the kernel stays registered). */
export function useCompositeAdamW(): void {
  enabled = false;
}

/** Whether AdamW.step should run the fused kernel on the active backend. */
export function fusedAdamW(): boolean {
  return enabled && tf.getBackend() === "wasm" && tf.getKernel(ADAMW_KERNEL, "wasm") !== undefined;
}
