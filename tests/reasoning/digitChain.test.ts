import { beforeAll, describe, expect, it } from "vitest";
import { digitChain, digitChainProblems, digitChainStream, evaluateDigitChain } from "../../lib/reasoning/digitChain.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { expectNoLeaks, useTestBackend } from "../helpers/backend.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("the digit-chain task (lesson 3's live experiment)", () => {
  it("writes the running product's last digit; the answer is the product mod 10", () => {
    // 9·6 = 54 → 4; 4·3 = 12 → 2; 2·7 = 14 → 4; 4·5 = 20 → 0; and 9·6·3·7·5 = 5670 ends in 0
    expect(digitChain([9, 6, 3, 7, 5])).toEqual({ digits: [9, 6, 3, 7, 5], question: "9*6*3*7*5=", answer: 0, direct: "0", cot: "4;2;4;0" });
    for (const p of digitChainProblems(300, 5, 1)) {
      expect(p.answer).toBe(Number(BigInt(p.digits.reduce((a, d) => a * d, 1)) % 10n));
      expect(Number(p.cot.split(";").at(-1))).toBe(p.answer);
    }
  });

  it("held-out sets are distinct and reproducible; the stream skips them", () => {
    const held = digitChainProblems(200, 5, 999);
    expect(new Set(held.map((p) => p.question)).size).toBe(200);
    expect(digitChainProblems(200, 5, 999)).toEqual(held);
    const exclude = new Set(held.map((p) => p.question));
    const s = digitChainStream(2, 3, new Set(digitChainProblems(40, 2, 5).map((p) => p.question)));
    for (let i = 0; i < 200; i++) expect(exclude.has(s.next().question)).toBe(false);
  });

  it("rejects bad input, naming the argument", () => {
    expect(() => digitChain([3])).toThrow("digitChain(digits): expected at least 2 digits; got [3]");
    expect(() => digitChain([3, 0])).toThrow("digitChain(digits[1]): expected an integer 1–9; got 0");
    expect(() => digitChainStream(1, 1)).toThrow("digitChainStream(k): expected an integer 2–12; got 1");
    expect(() => digitChainProblems(100, 2, 1)).toThrow("digitChainProblems(n): expected 1 … 40 for k = 2; got 100");
  });

  it("evaluateDigitChain scores greedy answers with a Wilson interval and the majority baseline, leaking nothing", async () => {
    const tok = new CharTokenizer();
    const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 32, maxSeqLen: 32 }, 1);
    const problems = digitChainProblems(20, 3, 4);
    let ev: Awaited<ReturnType<typeof evaluateDigitChain>> | undefined;
    await expectNoLeaks(async () => { ev = await evaluateDigitChain(model, tok, problems); });
    expect(ev!.n).toBe(20);
    expect(ev!.lo).toBeLessThanOrEqual(ev!.accuracy);
    expect(ev!.hi).toBeGreaterThanOrEqual(ev!.accuracy);
    const counts = new Map<number, number>();
    for (const p of problems) counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
    expect(ev!.majorityBaseline).toBe(Math.max(...counts.values()) / 20);
    model.dispose();
  });
});
