// The fused masked cross-entropy that initBackend installs on wasm (lib/backend/crossEntropyKernel.ts)
// gives the loss and the logits' gradient that maskedCrossEntropy's readable ops give (which
// tests/model/model.test.ts checks against NumPy), and frees what it allocates. wasm only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { fusedCrossEntropy, useCompositeCrossEntropy, useFusedCrossEntropy } from "../../lib/backend/crossEntropyKernel.js";
import { maskedCrossEntropy } from "../../lib/model/train.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { assertClose } from "../helpers/close.js";

/** The loss and d loss / d logits, as plain arrays. */
function lossAndGrad(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): { loss: number; grad: Float32Array } {
  return tf.tidy(() => {
    const loss = maskedCrossEntropy(logits, targets, mask);
    const [g] = tf.grads((x: tf.Tensor) => tf.mul(maskedCrossEntropy(x as tf.Tensor3D, targets, mask), 1.7))([logits]); // 1.7: dy ≠ 1
    return { loss: loss.dataSync()[0]!, grad: g!.dataSync() as Float32Array };
  });
}

describe("fused masked cross-entropy (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => {
    useFusedCrossEntropy();
  });

  it("is installed by initBackend on wasm, switches off for A/B runs, and leaves other dtypes to the ops", () => {
    const [l, t, m] = [tf.zeros([2, 3, 5]), tf.zeros([2, 3], "int32"), tf.ones([2, 3])];
    expect(fusedCrossEntropy(l, t, m)).toBe(true);
    useCompositeCrossEntropy();
    expect(fusedCrossEntropy(l, t, m)).toBe(false);
    useFusedCrossEntropy();
    const bad = tf.ones([3, 2]);
    expect(fusedCrossEntropy(l, t, bad)).toBe(false); // a mask of another shape: the ops say why
    tf.dispose([l, t, m, bad]);
  });

  for (const [what, scale, keep, badTarget] of [
    ["typical logits, a prompt-style mask", 2, 0.6, false],
    ["large logits (softmax overflow without the max shift), weighted mask", 40, 1, false],
    ["every position masked out (loss 0, not NaN)", 1, 0, false],
    ["a target outside the vocabulary (counts as nothing, as its zero one-hot row)", 2, 1, true],
  ] as [string, number, number, boolean][]) {
    it(`gives the ops' loss and gradient: ${what}`, async () => {
      const [batch, seq, vocab] = [3, 7, 17];
      const rng = new Rng(5);
      const logits = tf.tensor3d(rng.normals(batch * seq * vocab, 0, scale), [batch, seq, vocab]);
      const ids = Array.from({ length: batch * seq }, () => rng.intBetween(0, vocab - 1));
      if (badTarget) ids[4] = vocab;
      const targets = tf.tensor2d(ids, [batch, seq], "int32");
      const weights = Array.from({ length: batch * seq }, (_, i) => (rng.next() < keep ? (scale > 10 ? 0.5 + (i % 3) : 1) : 0));
      const mask = tf.tensor2d(weights, [batch, seq]);
      useFusedCrossEntropy();
      let fused = { loss: NaN, grad: new Float32Array() };
      await expectNoLeaks(() => {
        fused = lossAndGrad(logits, targets, mask);
      });
      useCompositeCrossEntropy();
      const composite = lossAndGrad(logits, targets, mask);
      useFusedCrossEntropy();
      expect(Number.isFinite(fused.loss)).toBe(true);
      assertClose([fused.loss], [composite.loss], { rtol: 1e-5, atol: 1e-6, what: "loss" });
      assertClose(fused.grad, composite.grad, { rtol: 1e-4, atol: 1e-7, what: "d loss / d logits" });
      tf.dispose([logits, targets, mask]);
    });
  }
});
