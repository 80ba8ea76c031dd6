// Ops the backend matrix found wrong on some backend, each worked around in lib/backend.ts. These
// run on wasm, cpu and webgpu like every tensor test.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";

describe("backend workarounds", () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it("addN sums every input, also beyond WebGPU's 8 storage buffers per shader stage", async () => {
    for (const n of [1, 2, 7, 8, 9, 50]) {
      const xs = Array.from({ length: n }, (_, i) => tf.fill([4], i + 1));
      await expectNoLeaks(async () => {
        const s = tf.addN(xs);
        expect(Array.from(await s.data())).toEqual([0, 0, 0, 0].map(() => (n * (n + 1)) / 2));
        s.dispose();
      });
      tf.dispose(xs);
    }
  });

  it("the gradient of a sum over many weights (which accumulates with addN) is right", async () => {
    const ws = Array.from({ length: 10 }, (_, i) => tf.variable(tf.fill([2], i + 1)));
    const { value, grads } = tf.variableGrads(() => tf.addN(ws.map((w) => tf.sum(tf.square(w)))) as tf.Scalar);
    // Σ_i 2·(i+1)² = 2·(1 + 4 + … + 100) = 770; d/dw_i = 2·w_i
    expect((await value.data())[0]).toBe(770);
    const names = ws.map((w) => w.name);
    expect(Array.from(await grads[names[9]!]!.data())).toEqual([20, 20]);
    tf.dispose([value, ...Object.values(grads), ...ws]);
  });
});

describe("switching backends in one process", () => {
  it.runIf(process.env.SEEKLAB_BACKEND === "webgpu")("webgpu → wasm → webgpu reuses one Dawn instance and still computes", async () => {
    await initBackend("webgpu", { quiet: true });
    await initBackend("wasm", { quiet: true });
    const again = await initBackend("webgpu", { quiet: true });
    expect(again.name).toBe("webgpu");
    const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
    expect(Array.from(await y.data())).toEqual([3, 3, 3, 3]);
    y.dispose();
    await useTestBackend();
  });

  it("wasm → cpu → wasm computes the same", async () => {
    const saved = tf.getBackend();
    const results: number[][] = [];
    for (const name of ["wasm", "cpu", "wasm"] as const) {
      await initBackend(name, { quiet: true });
      const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
      results.push(Array.from(await y.data()));
      y.dispose();
    }
    expect(results).toEqual([[17, 39], [17, 39], [17, 39]]);
    await initBackend(saved as "wasm", { quiet: true });
    await useTestBackend();
  });
});
