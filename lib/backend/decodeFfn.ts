/**
 * SwiGLU's middle, silu(g)·u, as one tfjs-wasm kernel for a decode step (installed with the decode
 * attention kernels, lib/backend/decodeAttention.ts). The composite spelling in lib/nn/swiglu.ts is
 * a sigmoid and two multiplies after two products; at one token per sequence those ops' fixed
 * cost, not their arithmetic, is what a step of lesson 3's sampling pays. With x·[W1 | W3] as one
 * product the FFN is 3 ops instead of 6 (lib/nn/swiglu.ts's `swigluJoined`).
 *
 *   SeekLabSiluMul   x [..., 2h]: per row [g | u] → [..., h] = (g·sigmoid(g))·u
 * sigmoid(g) = 1/(1 + e^(−g)) with decodeSimd.wat's exponential (about 1 ulp); tests compare with
 * the composite ops. Inference only: no gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { DECODE_SIMD_WASM_BASE64 } from "./decodeSimdBytes.js";
import { heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

export const SILU_MUL_KERNEL = "SeekLabSiluMul";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

function siluMulKernel({ inputs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const x = (inputs as unknown as { x: tf.TensorInfo }).x;
  const two = x.shape[x.shape.length - 1]!;
  const out = be.makeOutput([...x.shape.slice(0, -1), two / 2], "float32");
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  linkToHeap(DECODE_SIMD_WASM_BASE64, be)!.silu_mul!(heapOffset(be, x), heapOffset(be, out), rows, two / 2);
  return out;
}

/** Registers the kernel for wasm (idempotent; decodeAttention.ts's useDecodeAttention calls it). */
export function registerSiluMul(): void {
  if (!tf.getKernel(SILU_MUL_KERNEL, "wasm")) tf.registerKernel({ kernelName: SILU_MUL_KERNEL, backendName: "wasm", kernelFunc: siluMulKernel as never });
}

/**
 * (g·sigmoid(g))·u for x = [g | u] along the last axis, as one op (wasm only: the caller checks
 * `decodeKernelsOn()` from decodeAttention.ts).
 * @param x [..., 2h] float32, h a multiple of 4
 * @returns [..., h]
 */
export function siluMul(x: tf.Tensor): tf.Tensor {
  const two = x.shape[x.rank - 1];
  if (x.rank < 1 || x.dtype !== "float32" || two === undefined || two % 8 !== 0) {
    throw new Error(`siluMul: x must be [..., 2h] float32 with h a multiple of 4; got [${x.shape}] ${x.dtype}`);
  }
  return tf.engine().runKernel(SILU_MUL_KERNEL, { x }) as tf.Tensor;
}
