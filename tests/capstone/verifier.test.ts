// lib/capstone/verifier.ts: the arena's judge and GRPO's rule reward.
import { describe, expect, it } from "vitest";
import { verify, wellFormedScratchpad, ruleReward } from "../../lib/capstone/verifier.js";
import { correctnessReward, scratchpadFormatReward } from "../../lib/reasoning/grpo.js";
import { arithmeticProblems } from "../../lib/reasoning/problems.js";

const p = { question: "47*83=", answer: 3901 };

describe("capstone verifier", () => {
  it("a right scratchpad is right and well formed", () => {
    expect(verify(p, "47*3+47*80=141+3760=3901")).toEqual({ extracted: 3901, correct: true, wellFormed: true });
  });
  it("a wrong final number is wrong; a wrong step is not well formed", () => {
    expect(verify(p, "47*3+47*80=141+3760=3900")).toEqual({ extracted: 3900, correct: false, wellFormed: false });
    // Right answer reached through a wrong step: correct, but not a well-formed scratchpad.
    expect(verify(p, "47*3+47*80=140+3760=3901")).toEqual({ extracted: 3901, correct: true, wellFormed: false });
  });
  it("a bare right answer is right but not a scratchpad that checks out step by step", () => {
    const v = verify(p, "3901");
    expect(v.correct).toBe(true);
    expect(v.extracted).toBe(3901);
  });
  it("no number at all, or text outside the alphabet", () => {
    expect(verify(p, "")).toEqual({ extracted: null, correct: false, wellFormed: false });
    expect(verify(p, "=;+")).toEqual({ extracted: null, correct: false, wellFormed: false });
    expect(wellFormedScratchpad("47*83=", "47*3+47*80=141+3760=3901 ")).toBe(false);
    expect(wellFormedScratchpad("47*83=", "47*3+47*80=141+3760=")).toBe(false);
  });
  it("reads a large model's answer the way lesson 3 does (#### line)", () => {
    const v = verify({ question: "How many pencils?", answer: 79 }, "12 × 7 = 84 pencils. 84 − 5 = 79.\n#### 79");
    expect(v.correct).toBe(true);
    expect(v.wellFormed).toBe(false);
  });
  it("every generated scratchpad is well formed and right", () => {
    for (const q of arithmeticProblems("*", 200, 3, { digitsA: 2 })) {
      expect(verify(q, q.cot)).toEqual({ extracted: q.answer, correct: true, wellFormed: true });
    }
  });
  it("the rule reward equals GRPO's two terms (correct + 0.1 · format)", () => {
    const outs = ["47*3+47*80=141+3760=3901", "47*3+47*80=141+3760=3900", "3901", "", "47*3+47*80=140+3760=3901", "1+1"];
    for (const o of outs) {
      expect(ruleReward(p, o)).toBeCloseTo(correctnessReward(o, p.answer) + 0.1 * scratchpadFormatReward(p.question, o), 12);
    }
    expect(ruleReward(p, outs[0]!, 0.5)).toBe(1.5);
  });
  it("bad input names the function and the argument", () => {
    expect(() => verify({ question: "1*1=", answer: Number.NaN }, "1")).toThrow(/verify: problem must be/);
    expect(() => verify(p, 3901 as unknown as string)).toThrow(/verify: output must be a string; got number/);
  });
});
