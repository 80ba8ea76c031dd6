import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { assertClose, expectClose } from "./close.js";

describe("the tolerance comparator (tests/helpers/close.ts)", () => {
  it("allows |got − want| ≤ atol + rtol·|want| and nothing more", () => {
    expect(() => assertClose([1.1, 10.5], [1, 10], { atol: 0.1, rtol: 0.04 })).not.toThrow();
    expect(() => assertClose([1.2], [1], { atol: 0.1 })).toThrow(/value\[0\]: got 1.2, want 1, \|err\| 2.00e-1 > 1.00e-1 allowed/);
  });

  it("defaults to exact, never calls NaN close, and names the worst element with its label", () => {
    expect(() => assertClose([1], [1 + 1e-12])).toThrow();
    expect(() => assertClose([NaN], [NaN], { atol: 1 })).toThrow(/NaN/);
    expect(() => assertClose([1, 5, 2], [1, 1, 1], { atol: 1.5, what: "ratings", labels: ["a", "b", "c"] })).toThrow(/^ratings\[1\] \(b\)/);
  });

  it("reads tensors, checks shapes, and lets a flat list stand for any shape", async () => {
    const t = tf.tensor2d([[1, 2], [3, 4]]);
    await expectClose(t, [[1, 2], [3, 4]], { atol: 0 });
    await expectClose(t, [1, 2, 3, 4], { atol: 0 });
    await expect(expectClose(t, [[1, 2, 3, 4]], { atol: 0 })).rejects.toThrow(/shape \[2,2\] but want \[1,4\]/);
    t.dispose();
  });
});
