/**
 * AdamW's whole update as ONE kernel for tfjs-wasm, installed by `initBackend` when it activates
 * wasm; lib/model/adamw.ts calls it through `fusedAdamW()` and keeps its readable tfjs ops for every
 * other backend (notebooks/03_chain_of_thought.ipynb trains with it).
 *
 * Why: the readable update is ~19 tfjs ops per weight (lib/model/adamw.ts), ~400 ops per step for
 * lesson 3's 21 weights, each with several microseconds of engine work on a few thousand numbers.
 * This kernel does the same arithmetic in one pass over tfjs-wasm's heap (a 128-bit SIMD loop,
 * adamwSimd.wat, whose every step is the float32 operation the op would do):
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
 * Without clipping the weights are the ops' bit for bit; with it the global norm is summed in
 * another order than tf.sum's, so the two agree to float rounding (tests/backend/adamwKernel.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { ADAMW_SIMD_WASM_BASE64 } from "./adamwSimdBytes.js";
import { heapBackend, heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

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
  const simd = linkToHeap(ADAMW_SIMD_WASM_BASE64, be)!;
  const all = inputs as unknown as tf.TensorInfo[];
  const a = attrs as unknown as AdamWKernelAttrs;
  const n = all.length / 4;
  const [ws, gs, ms, vs] = [0, 1, 2, 3].map((i) => all.slice(i * n, (i + 1) * n));
  const outs = [...ws, ...ms, ...vs].map((t) => be.makeOutput(t.shape, "float32"));
  let scale = 1;
  if (a.clipNorm > 0) {
    let sq = 0; // each weight's Σg² in float32 (as tf.sum), added up here
    for (const g of gs) sq += simd.sumsq!(heapOffset(be, g), sizeOf(g));
    scale = f(Math.min(1, f(a.clipNorm / f(f(Math.sqrt(sq)) + 1e-6))));
  }
  for (let i = 0; i < n; i++) {
    simd.adamw!(
      heapOffset(be, ws[i]!), heapOffset(be, gs[i]!), heapOffset(be, ms[i]!), heapOffset(be, vs[i]!),
      heapOffset(be, outs[i]!), heapOffset(be, outs[n + i]!), heapOffset(be, outs[2 * n + i]!), sizeOf(ws[i]!),
      // Each constant as the float32 scalar the ops make of it (1 − β as JavaScript computes it).
      scale, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c1, a.c2, a.eps, a.lr, a.decay[i] ?? 0,
    );
  }
  return outs;
}

function sizeOf(t: tf.TensorInfo): number {
  return t.shape.reduce((p, d) => p * d, 1);
}

let enabled = false;

/** Registers the kernel for wasm and uses it (idempotent; a no-op without wasm or WebAssembly SIMD). */
export function useFusedAdamW(): void {
  if (!heapBackend(ADAMW_SIMD_WASM_BASE64)) return;
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
