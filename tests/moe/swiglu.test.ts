import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, expectNoLeaks, rtolFor } from "../helpers/backend.js";
import { disposeSwiGLU, initSwiGLUWeights, swiglu } from "../../lib/nn/swiglu.js";

beforeAll(async () => {
  await useTestBackend();
});

/** Plain-JS SwiGLU in float64 on the same weights: an independent oracle for the tensor version. */
function swigluJs(x: number[][], w1: number[][], w3: number[][], w2: number[][]): number[][] {
  const ffnHidden = w1[0]!.length;
  const dModel = w2[0]!.length;
  return x.map((row) => {
    const h = new Array<number>(ffnHidden).fill(0);
    for (let j = 0; j < ffnHidden; j++) {
      let g = 0;
      let u = 0;
      for (let i = 0; i < row.length; i++) {
        g += row[i]! * w1[i]![j]!;
        u += row[i]! * w3[i]![j]!;
      }
      h[j] = (g / (1 + Math.exp(-g))) * u;
    }
    const y = new Array<number>(dModel).fill(0);
    for (let k = 0; k < dModel; k++) for (let j = 0; j < ffnHidden; j++) y[k]! += h[j]! * w2[j]![k]!;
    return y;
  });
}

describe("swiglu", () => {
  it("matches a float64 loop on the same weights, for 2-D and 3-D inputs", async () => {
    const w = initSwiGLUWeights(6, 10, 7);
    const x = tf.randomNormal([2, 3, 6], 0, 1, "float32", 3) as tf.Tensor3D;
    const y = swiglu(x, w);
    expect(y.shape).toEqual([2, 3, 6]);
    const want = swigluJs(
      (await x.reshape([6, 6]).array()) as number[][],
      (await w.w1.array()) as number[][],
      (await w.w3.array()) as number[][],
      (await w.w2.array()) as number[][],
    );
    const got = (await y.reshape([6, 6]).array()) as number[][];
    const rtol = rtolFor(1e-5);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) expect(Math.abs(got[r]![c]! - want[r]![c]!)).toBeLessThan(rtol * (1 + Math.abs(want[r]![c]!)));
    tf.dispose([x, y]);
    disposeSwiGLU(w);
  });

  it("is seeded and leaks nothing", async () => {
    const a = initSwiGLUWeights(4, 8, 1);
    const b = initSwiGLUWeights(4, 8, 1);
    expect(await a.w2.data()).toEqual(await b.w2.data());
    const x = tf.ones([3, 4]);
    await expectNoLeaks(() => swiglu(x, a).dispose());
    const bad = tf.ones([3, 5]);
    expect(() => swiglu(bad, a)).toThrow(/dModel/);
    tf.dispose([x, bad]);
    disposeSwiGLU(a);
    disposeSwiGLU(b);
  });
});
