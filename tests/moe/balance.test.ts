/** Balance measures and losses at their known extremes; the bias update rule in action. */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";
import { route, disposeRoute } from "../../lib/moe/gate.js";
import { expertLoad, expertLoadOf, maxVio, sequenceBalanceLoss, switchAuxLoss, updateRoutingBias } from "../../lib/moe/balance.js";

beforeAll(async () => {
  await useTestBackend();
});

const scalar = async (t: tf.Tensor) => {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
};

describe("balance measures", () => {
  it("Switch loss is 1 when load and probability are uniform", async () => {
    const N = 4;
    const scores = tf.fill([8, N], 1 / N) as tf.Tensor2D;
    const indices = tf.tensor2d([0, 1, 2, 3, 0, 1, 2, 3], [8, 1], "int32");
    expect(await scalar(switchAuxLoss(scores, indices, N))).toBeCloseTo(1, 6);
    tf.dispose([scores, indices]);
  });

  it("Switch loss is N when every token goes to one expert with all its probability", async () => {
    const N = 5;
    const scores = tf.oneHot(tf.fill([6], 2, "int32") as tf.Tensor1D, N).toFloat() as tf.Tensor2D;
    const indices = tf.fill([6, 1], 2, "int32") as tf.Tensor2D;
    expect(await scalar(switchAuxLoss(scores, indices, N))).toBeCloseTo(N, 5);
    tf.dispose([scores, indices]);
  });

  it("sequence-wise loss is the mean of per-sequence Switch losses", async () => {
    const s = tf.softmax(tf.randomNormal([3, 5, 6], 0, 1, "float32", 1)) as tf.Tensor3D;
    const i = tf.topk(s, 2).indices as tf.Tensor3D;
    const seq = await scalar(sequenceBalanceLoss(s, i, 6));
    let sum = 0;
    for (let b = 0; b < 3; b++) {
      const sb = s.slice([b, 0, 0], [1, 5, 6]).reshape([5, 6]) as tf.Tensor2D;
      const ib = i.slice([b, 0, 0], [1, 5, 2]).reshape([5, 2]) as tf.Tensor2D;
      sum += await scalar(switchAuxLoss(sb, ib, 6));
      tf.dispose([sb, ib]);
    }
    expect(seq).toBeCloseTo(sum / 3, 5);
    tf.dispose([s, i]);
  });

  it("load and MaxVio", async () => {
    const idx = tf.tensor2d([[0, 1], [0, 2], [0, 1]], [3, 2], "int32");
    const load = expertLoad(idx, 4);
    expect(Array.from(await load.data())).toEqual([3, 2, 1, 0]);
    expect(expertLoadOf(await idx.data(), 4)).toEqual([3, 2, 1, 0]);
    expect(maxVio([3, 2, 1, 0])).toBeCloseTo(3 / 1.5 - 1, 12);
    expect(maxVio([2, 2, 2])).toBe(0);
    expect(maxVio([6, 0, 0])).toBe(2); // N − 1
    expect(() => maxVio([0, 0])).toThrow(/no tokens/);
    expect(() => expertLoadOf([4], 4)).toThrow(/outside/);
    tf.dispose([idx, load]);
  });
});

describe("auxiliary-loss-free bias update", () => {
  it("moves b by γ against the sign of (load − mean)", async () => {
    const b = tf.tensor1d([0, 0.5, -0.5, 0]);
    const load = tf.tensor1d([10, 2, 4, 4]); // mean 5
    const nb = updateRoutingBias(b, load, 0.1);
    const got = Array.from(await nb.data());
    [-0.1, 0.6, -0.4, 0.1].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
    await expectNoLeaks(() => updateRoutingBias(b, load, 0.1).dispose());
    expect(() => updateRoutingBias(b, tf.tensor1d([1, 2]), 0.1)).toThrow(/differ/);
    tf.dispose([b, load, nb]);
  });

  it("drives a skewed router toward balance on fixed tokens (MaxVio falls)", async () => {
    const N = 8;
    // Feature 0 is a constant 1 and its gate row favours the first experts: a skewed start.
    const x = tf.tidy(() => tf.concat([tf.ones([256, 1]), tf.randomNormal([256, 5], 0, 1, "float32", 7)], 1)) as tf.Tensor2D;
    const g = tf.tidy(() => tf.concat([tf.linspace(2, -2, N).reshape([1, N]), tf.randomNormal([5, N], 0, 0.5, "float32", 8)], 0)) as tf.Tensor2D;
    const cfg = { nExperts: N, topK: 2, scoreFunc: "sigmoid" as const };
    let bias = tf.zeros([N]) as tf.Tensor1D;
    const vio: number[] = [];
    for (let step = 0; step < 60; step++) {
      const r = route(x, g, cfg, bias);
      const load = expertLoad(r.indices, N);
      vio.push(maxVio(await load.data()));
      const next = updateRoutingBias(bias, load, 0.02);
      tf.dispose([bias, load]);
      disposeRoute(r);
      bias = next;
    }
    expect(vio[0]).toBeGreaterThan(1.5);
    expect(Math.max(...vio.slice(-10))).toBeLessThan(vio[0]! / 3);
    tf.dispose([x, g, bias]);
  });
});
