import { describe, expect, it } from "vitest";
import { majorityVote, selfConsistencyCurve, wilsonInterval } from "../../lib/reasoning/vote.js";

describe("majorityVote", () => {
  it("takes the most common answer and its share", () => {
    expect(majorityVote([3, 5, 3, 7, 3])).toEqual({ answer: 3, votes: 3, share: 0.6 });
  });
  it("breaks ties toward the answer that appeared first", () => {
    expect(majorityVote([5, 3, 3, 5]).answer).toBe(5);
    expect(majorityVote([3, 5, 5, 3]).answer).toBe(3);
    expect(majorityVote([1, 2, 3]).answer).toBe(1);
  });
  it("ignores abstentions but counts them in the share", () => {
    expect(majorityVote([null, 4, null, undefined])).toEqual({ answer: 4, votes: 1, share: 0.25 });
    expect(majorityVote([null, null])).toEqual({ answer: null, votes: 0, share: 0 });
    expect(majorityVote([])).toEqual({ answer: null, votes: 0, share: 0 });
  });
  it("works for strings", () => {
    expect(majorityVote(["a", "b", "b"]).answer).toBe("b");
  });
});

describe("selfConsistencyCurve", () => {
  it("k = 1 is the per-sample accuracy and k = pool is the full vote", () => {
    // Problem 0: 3 of 4 samples right; problem 1: 1 of 4 right, no majority for it.
    const answers = [
      [1, 1, 1, 2],
      [5, 6, 7, 9],
    ];
    const curve = selfConsistencyCurve(answers, [1, 5], [1, 4], { rounds: 4000, seed: 1, tokens: [[1, 1, 1, 1], [2, 2, 2, 2]] });
    expect(curve[0]!.accuracy).toBeCloseTo((0.75 + 0.25) / 2, 1);
    // Full pool: problem 0 always right; problem 1's vote is a tie among 4 → the first in the drawn order wins (¼ chance).
    expect(curve[1]!.accuracy).toBeCloseTo((1 + 0.25) / 2, 1);
    expect(curve[1]!.tokens).toBeCloseTo((4 + 8) / 2, 9);
  });
});

describe("wilsonInterval", () => {
  it("matches the textbook values", () => {
    // 1 of 100: Wilson 95% interval ≈ [0.0018, 0.0545]
    const r = wilsonInterval(1, 100);
    expect(r.lo).toBeCloseTo(0.00177, 4);
    expect(r.hi).toBeCloseTo(0.05449, 4);
    const h = wilsonInterval(50, 100);
    expect(h.lo).toBeCloseTo(0.4038, 3);
    expect(h.hi).toBeCloseTo(0.5962, 3);
  });
});
