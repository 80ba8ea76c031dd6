/**
 * The backend a test file computes on. The test run executes the library suite once per backend
 * (`wasm`, `cpu`, `webgpu`) by setting SEEKLAB_BACKEND; a plain `npx vitest` uses wasm.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, type BackendInfo } from "../../lib/backend/index.js";

export async function useTestBackend(): Promise<BackendInfo> {
  const name = (process.env.SEEKLAB_BACKEND ?? "wasm") as "wasm" | "cpu" | "webgpu" | "tensorflow";
  return initBackend(name, { quiet: true });
}

/** True on a GPU backend, whose float32 arithmetic is looser than wasm's (tfjs's own op tests allow 1e-3). */
export function onGpuBackend(): boolean {
  return tf.getBackend() === "webgpu" || tf.getBackend() === "webgl";
}

/**
 * Relative tolerance for this backend: the stated CPU tolerance on wasm/cpu, and at least 1e-3 on
 * WebGPU. CPU tolerances are never loosened for the GPU's sake.
 */
export function rtolFor(cpuRtol: number, gpuRtol = 1e-3): number {
  return onGpuBackend() ? Math.max(cpuRtol, gpuRtol) : cpuRtol;
}

/** Asserts that `fn` leaves no tensors behind. */
export async function expectNoLeaks(fn: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors left behind (before ${before}, after ${after})`);
}
