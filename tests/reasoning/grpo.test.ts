import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend } from "../helpers/backend.js";
import { correctnessReward, groupAdvantages, grpoLoss, grpoTrain, scratchpadFormatReward } from "../../lib/reasoning/grpo.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { Rng } from "../../lib/random.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("group-relative advantages", () => {
  it("a hand-made group: two right of four", () => {
    // mean 0.5, population std 0.5 → ±1
    const a = groupAdvantages([1, 0, 0, 1]);
    [1, -1, -1, 1].forEach((w, i) => expect(a[i]).toBeCloseTo(w, 5));
  });
  it("one right of four, with a format bonus", () => {
    const r = [1.1, 0.1, 0, 0.1];
    const mean = 0.325;
    const std = Math.sqrt(((1.1 - mean) ** 2 + 2 * (0.1 - mean) ** 2 + mean ** 2) / 4);
    groupAdvantages(r).forEach((v, i) => expect(v).toBeCloseTo((r[i]! - mean) / std, 5));
    expect(groupAdvantages(r).reduce((s, v) => s + v, 0)).toBeCloseTo(0, 9);
  });
  it("a group with equal rewards teaches nothing", () => {
    expect(groupAdvantages([1, 1, 1])).toEqual([0, 0, 0]);
    expect(groupAdvantages([0, 0])).toEqual([0, 0]);
    expect(groupAdvantages([])).toEqual([]);
  });
});

describe("rewards", () => {
  it("correctness reads the final answer; format checks every step", () => {
    expect(correctnessReward("47*3+47*80=141+3760=3901", 3901)).toBe(1);
    expect(correctnessReward("47*3+47*80=141+3760=3801", 3901)).toBe(0);
    expect(scratchpadFormatReward("47*83=", "47*3+47*80=141+3760=3901")).toBe(1);
    expect(scratchpadFormatReward("47*83=", "47*3+47*80=141+3760=3801")).toBe(0);
    expect(scratchpadFormatReward("47*83=", "3901")).toBe(1); // a bare right answer is consistent
    expect(scratchpadFormatReward("47*83=", "47*3+")).toBe(0);
  });
});

describe("grpoLoss", () => {
  it("equals the clipped objective computed by hand", async () => {
    // Two sequences of three tokens; the second's last token is padding.
    const logp = [[-1.0, -0.5, -2.0], [-0.2, -3.0, -1.0]];
    const old = [[-1.1, -0.5, -1.0], [-0.2, -2.0, -9.0]];
    const ref = [[-1.0, -0.7, -2.5], [-0.3, -3.0, -9.0]];
    const adv = [1.5, -0.5];
    const mask = [[1, 1, 1], [1, 1, 0]];
    const eps = 0.2;
    const beta = 0.05;
    let total = 0;
    for (let b = 0; b < 2; b++) {
      let s = 0;
      let n = 0;
      for (let t = 0; t < 3; t++) {
        if (!mask[b]![t]) continue;
        const ratio = Math.exp(logp[b]![t]! - old[b]![t]!);
        const clipped = Math.min(Math.max(ratio, 1 - eps), 1 + eps);
        const surr = Math.min(ratio * adv[b]!, clipped * adv[b]!);
        const d = ref[b]![t]! - logp[b]![t]!;
        s += surr - beta * (Math.exp(d) - d - 1);
        n++;
      }
      total += s / n;
    }
    const want = -total / 2;
    const got = grpoLoss(tf.tensor2d(logp), tf.tensor2d(old), tf.tensor2d(ref), tf.tensor1d(adv), tf.tensor2d(mask), { clipEps: eps, klBeta: beta });
    expect((await got.data())[0]).toBeCloseTo(want, 5);
  });

  it("at ratio 1 its gradient is −Â·∇log π / |o| (the policy gradient)", async () => {
    const logp = tf.tensor2d([[-1, -2]]);
    const g = tf.grad((x: tf.Tensor) => grpoLoss(x as tf.Tensor2D, tf.tensor2d([[-1, -2]]), null, tf.tensor1d([2]), tf.tensor2d([[1, 1]])))(logp);
    expect(Array.from(await g.data())).toEqual([-1, -1]);
  });
});

describe("grpoTrain", () => {
  it("runs a few steps from a fresh model without leaking tensors", async () => {
    const tok = new CharTokenizer();
    const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 32, maxSeqLen: 16 }, 2);
    const rng = new Rng(4);
    const next = () => {
      const a = rng.intBetween(1, 4);
      const b = rng.intBetween(1, 4);
      return { question: `${a}+${b}=`, answer: a + b };
    };
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const hist = await grpoTrain(model, tok, next, { steps: 3, groupSize: 4, questionsPerStep: 2, maxNewTokens: 4, klBeta: 0.04, innerSteps: 2, onStep: (i) => void steps.push(i.step) });
    expect(tf.memory().numTensors).toBe(before);
    expect(hist).toHaveLength(3);
    expect(steps).toEqual([1, 2, 3]);
    for (const h of hist) {
      expect(h.meanReward).toBeGreaterThanOrEqual(0);
      expect(h.sampleAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(h.loss)).toBe(true);
    }
    model.dispose();
  });
});
