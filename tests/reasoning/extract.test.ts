import { describe, expect, it } from "vitest";
import { boxedContents, extractAnswer, numbersIn, splitThinking } from "../../lib/reasoning/extract.js";

// Real-looking completions from the kinds of models the lesson talks to, with the number a
// careful human grader would read.
const TABLE: [string, number | null][] = [
  // GSM8K style
  ["Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether.\n#### 72", 72],
  ["She has 1,234 apples... #### 1,234", 1234],
  ["#### -17", -17],
  ["#### $1,200.50", 1200.5],
  // few-shot CoT
  ["Roger started with 5 balls. 2 cans of 3 is 6. 5 + 6 = 11. The answer is 11.", 11],
  ["There are 15 trees. After planting there are 21. So 21 - 15 = 6. The answer is 6.", 6],
  ["The answer is $18.", 18],
  ["The answer is **42**.", 42],
  ["So the final answer is 3.75", 3.75],
  ["Answer: 1,000,000", 1000000],
  ["The answer is −4.", -4],
  ["I think the answer is 7, no wait, the answer is 8.", 8],
  // zero-shot CoT second stage (Kojima et al.)
  ["Therefore, the answer (arabic numerals) is 26.", 26],
  // DeepSeek-R1
  ["<think>\n3 boxes of 4 is 12, minus 5 is 7.\n</think>\nThe final answer is \\boxed{7}.", 7],
  ["We get $x = \\boxed{\\frac{1}{2}}$.", 0.5],
  ["\\boxed{1,024}", 1024],
  ["\\boxed{-3}", -3],
  ["\\boxed{\\$12.50}", 12.5],
  ["\\boxed{12\\%}", 12],
  ["First \\boxed{3}, correcting: \\boxed{4}", 4],
  ["\\boxed{\\text{no}} so it is 5", 5],
  ["The answer is \\(\\boxed{144}\\).", 144],
  // R1-Zero template
  ["<think> 6*7 = 42 </think> <answer> 42 </answer>", 42],
  ["<think>2+2</think><answer>The total is 4 apples</answer>", 4],
  // fallbacks
  ["It costs $5.50 each, so 3 cost $16.50.", 16.5],
  ["<think>so it's 12... or 13</think> It is 12.", 12],
  ["<think>the result is 99</think>", 99],
  ["the temperature is -5 degrees", -5],
  ["pages 3-4", 4],
  ["x2 and y3", null],
  ["I don't know.", null],
  ["", null],
  ["3901", 3901],
  ["47*3+47*80=141+3760=3901", 3901],
  ["7+8+0=15;5+6+1=12;3+4+1=8;825", 825],
  ["That is 50%.", 50],
  ["Total: 12.", 12],
  ["reasoning without closing tag... </think> The answer is 9", 9],
];

describe("extractAnswer", () => {
  it.each(TABLE)("%j → %s", (text, want) => {
    expect(extractAnswer(text)).toBe(want);
  });

  it("reads every number form; thousands commas only in groups of three", () => {
    expect(numbersIn("a 1,234.5 b -7 c $8 d −2 e .5 f 1,23")).toEqual([1234.5, -7, 8, -2, 0.5]); // "1,23" is ambiguous
  });

  it("finds nested boxed contents", () => {
    expect(boxedContents("\\boxed{\\frac{3}{4}} and \\boxed{2}")).toEqual(["\\frac{3}{4}", "2"]);
  });

  it("splits <think> reasoning from the answer", () => {
    expect(splitThinking("<think>a b</think> final 3")).toEqual({ reasoning: "a b", answer: "final 3" });
    expect(splitThinking("no tags")).toEqual({ reasoning: null, answer: "no tags" });
  });
});
