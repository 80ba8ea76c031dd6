import { describe, expect, it } from "vitest";
import {
  buildPrompt,
  directPrompt,
  fewShotCoTPrompt,
  fewShotPrompt,
  hasR1Format,
  r1Prompt,
  zeroShotCoT,
  zeroShotCoTAnswerPrompt,
  zeroShotCoTPrompt,
} from "../../lib/reasoning/prompts.js";
import { flattenPrompt, type Completion, type LLM, type Prompt } from "../../lib/reasoning/llm.js";

const EX = [
  { question: "Tom has 3 bags of 4 apples. How many apples?", steps: ["3 × 4 = 12."], answer: 12 },
  { question: "A pen costs $2. How much do 5 pens cost?", steps: ["5 × $2 = $10."], answer: 10 },
];

describe("prompt builders", () => {
  it("direct asks for the number only", () => {
    const p = directPrompt("What is 2+2?");
    expect(p.at(-1)).toEqual({ role: "user", content: "What is 2+2?" });
    expect(p[0]!.role).toBe("system");
  });

  it("few-shot alternates user questions and assistant answers; CoT answers show the steps", () => {
    const fs = fewShotPrompt("Q?", EX);
    expect(fs.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(fs[2]!.content).toBe("The answer is 12.");
    const cot = fewShotCoTPrompt("Q?", EX);
    expect(cot[2]!.content).toBe("3 × 4 = 12. The answer is 12.");
    expect(() => fewShotCoTPrompt("Q?", [{ question: "x", answer: 1 }])).toThrow(/no steps/);
  });

  it("zero-shot CoT has Kojima et al.'s two triggers", () => {
    expect(zeroShotCoTPrompt("Q?")[0]!.content).toBe("Q: Q?\nA: Let's think step by step.");
    expect(zeroShotCoTAnswerPrompt("Q?", "3 × 4 = 12.")[0]!.content).toBe(
      "Q: Q?\nA: Let's think step by step. 3 × 4 = 12.\nTherefore, the answer (arabic numerals) is",
    );
  });

  it("R1 prompts: the boxed recommendation and the R1-Zero template", () => {
    expect(r1Prompt("Q?")[0]!.content).toContain("put your final answer within \\boxed{}");
    expect(r1Prompt("Q?", "zero")[0]!.content).toContain("<think> reasoning process here </think> <answer> answer here </answer>");
    expect(hasR1Format("<think> a </think> <answer> 3 </answer>")).toBe(true);
    expect(hasR1Format("<think></think><answer>3</answer>")).toBe(false);
    expect(hasR1Format("<answer>3</answer>")).toBe(false);
    expect(buildPrompt("few-shot-cot", "Q?", EX)).toEqual(fewShotCoTPrompt("Q?", EX));
  });

  it("flattens chats for a model without a chat template", () => {
    expect(flattenPrompt("12*34=")).toBe("12*34=");
    expect(flattenPrompt([{ role: "system", content: "s" }, { role: "user", content: "u" }])).toBe("System: s\nUser: u\nAssistant:");
  });

  it("zeroShotCoT makes two calls and reads the second", async () => {
    const seen: Prompt[] = [];
    const llm: LLM = {
      name: "scripted",
      async complete(prompt: Prompt): Promise<Completion[]> {
        seen.push(prompt);
        const text = seen.length === 1 ? "3 bags of 4 is 12, then 2 more is 14." : " 14.";
        return [{ text, completionTokens: text.length }];
      },
    };
    const r = await zeroShotCoT(llm, "Q?");
    expect(r.answer).toBe(14);
    expect(r.tokens).toBe(37 + 4);
    expect(seen).toHaveLength(2);
  });
});
