// The fused RoPE and RMSNorm kernels that initBackend installs on wasm (lib/backend/fusedKernels.ts)
// give what the composite ops give — forward and gradients — and free what they allocate. The
// composite spellings themselves are checked against NumPy in tests/nn; this file checks that the
// fused path equals them. wasm only: the kernels exist only there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { fusedKernel, RMSNORM_KERNEL, ROPE_KERNEL, useCompositeOps, useFusedKernels } from "../../lib/backend/fusedKernels.js";
import { applyRopeMatmul, ropeTables } from "../../lib/nn/rope.js";
import { rmsNorm } from "../../lib/nn/rmsnorm.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { assertClose, expectClose } from "../helpers/close.js";

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(new Rng(seed).normals(shape.reduce((p, d) => p * d, 1), 0, 1), shape);
}

/** f(inputs) and the gradient of Σ f·probe with respect to each input, as plain arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], probe: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const y = f(...xs);
    const gs = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), probe)))(xs);
    return [y, ...gs].map((t) => Array.from(t.dataSync()));
  });
}

/** The same computation with the fused kernels and with the composite ops. */
function bothWays(run: () => number[][]): { fused: number[][]; composite: number[][] } {
  useFusedKernels();
  const fused = run();
  useCompositeOps();
  const composite = run();
  useFusedKernels();
  return { fused, composite };
}

describe("fused RoPE and RMSNorm kernels (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => {
    useFusedKernels();
  });

  it("are installed by initBackend on wasm and switch off for A/B runs", () => {
    expect(fusedKernel(ROPE_KERNEL)).toBe(ROPE_KERNEL);
    expect(fusedKernel(RMSNORM_KERNEL)).toBe(RMSNORM_KERNEL);
    useCompositeOps();
    expect(fusedKernel(ROPE_KERNEL)).toBeUndefined();
    useFusedKernels();
    expect(fusedKernel(ROPE_KERNEL)).toBe(ROPE_KERNEL);
  });

  for (const [shape, startPos] of [[[3, 5, 4, 8], 0], [[2, 7, 6], 3], [[4, 1, 2, 16], 20]] as [number[], number][]) {
    it(`RoPE on [${shape}] (SIMD when the last axis is a multiple of 4) from position ${startPos}: the same numbers and gradient as x⊙cos + (x·P)⊙sin`, async () => {
      const tables = ropeTables(shape[shape.length - 1]!, 32);
      const x = randn(shape, 1);
      const probe = randn(shape, 2);
      await expectNoLeaks(() => {
        const { fused, composite } = bothWays(() => valueAndGrads((x) => applyRopeMatmul(x, tables, startPos), [x], probe));
        expect(fused[0]).toEqual(composite[0]); // bit for bit: P only moves and negates lanes
        assertClose(fused[1]!, composite[1]!, { rtol: 1e-6, atol: 1e-6, what: "RoPE gradient" });
      });
      tf.dispose([x, probe]);
    });
  }

  for (const shape of [[2, 5, 8], [7, 64], [3, 1, 16], [3, 2, 6]]) {
    it(`RMSNorm on [${shape}]: the composite's value and gradients (x and the gain)`, async () => {
      const d = shape[shape.length - 1]!;
      const x = randn(shape, 3);
      const w = tf.add(randn([d], 4), 1);
      const probe = randn(shape, 5);
      await expectNoLeaks(() => {
        const { fused, composite } = bothWays(() => valueAndGrads((x, w) => rmsNorm(x, w!, 1e-6), [x, w], probe));
        fused.forEach((xs, i) => assertClose(xs, composite[i]!, { rtol: 1e-5, atol: 1e-5, what: ["value", "dx", "dw"][i] }));
      });
      tf.dispose([x, w, probe]);
    });
  }

  it("RMSNorm of an all-zero row is zero (eps keeps it finite), as the composite gives", async () => {
    const x = tf.zeros([2, 4]);
    const w = tf.ones([4]);
    const y = rmsNorm(x, w);
    await expectClose(y, [[0, 0, 0, 0], [0, 0, 0, 0]], { atol: 0 });
    tf.dispose([x, w, y]);
  });
});
