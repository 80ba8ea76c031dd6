/**
 * The prompting styles the chain-of-thought literature compares, as chat messages
 * (notebooks/03_chain_of_thought.ipynb):
 *   direct              answer only                                  (the baseline)
 *   few-shot            k solved examples, answers only              (Brown et al. 2020)
 *   few-shot CoT        k examples with worked steps                 (Wei et al. 2022)
 *   zero-shot CoT       "Let's think step by step", then a second call that extracts the
 *                       answer                                       (Kojima et al. 2022)
 *   DeepSeek-R1         <think>…</think> then the answer; `\boxed{}` (DeepSeek-AI 2025)
 */
import { extractAnswer } from "./extract.js";
import type { ChatMessage, Completion, LLM, SampleOptions } from "./llm.js";

/** A solved example for few-shot prompts. */
export interface Exemplar {
  question: string;
  /** Worked steps (used by few-shot CoT). */
  steps?: string[];
  answer: number | string;
}

export type PromptStyle = "direct" | "few-shot" | "few-shot-cot" | "zero-shot-cot" | "r1";

const ANSWER_LINE = (a: number | string): string => `The answer is ${a}.`;

/** Direct answering: the model is asked for the number alone. */
export function directPrompt(question: string): ChatMessage[] {
  return [
    { role: "system", content: "Answer with the final number only, as: The answer is N." },
    { role: "user", content: question },
  ];
}

/** Few-shot: each exemplar is a user turn and an assistant turn holding only its answer. */
export function fewShotPrompt(question: string, exemplars: readonly Exemplar[]): ChatMessage[] {
  const msgs: ChatMessage[] = [{ role: "system", content: "Answer with the final number only, as: The answer is N." }];
  for (const ex of exemplars) {
    msgs.push({ role: "user", content: ex.question }, { role: "assistant", content: ANSWER_LINE(ex.answer) });
  }
  msgs.push({ role: "user", content: question });
  return msgs;
}

/** Few-shot chain-of-thought: the exemplars' answers show their steps, then "The answer is N." */
export function fewShotCoTPrompt(question: string, exemplars: readonly Exemplar[]): ChatMessage[] {
  const msgs: ChatMessage[] = [
    { role: "system", content: "Solve the problem step by step, then finish with: The answer is N." },
  ];
  for (const ex of exemplars) {
    if (!ex.steps || ex.steps.length === 0) throw new Error(`fewShotCoTPrompt: exemplar ${JSON.stringify(ex.question.slice(0, 40))} has no steps`);
    msgs.push({ role: "user", content: ex.question }, { role: "assistant", content: `${ex.steps.join(" ")} ${ANSWER_LINE(ex.answer)}` });
  }
  msgs.push({ role: "user", content: question });
  return msgs;
}

/** Kojima et al.'s reasoning trigger (their Table 4's best). */
export const ZERO_SHOT_TRIGGER = "Let's think step by step.";
/** Kojima et al.'s answer-extraction trigger for numbers. */
export const ANSWER_TRIGGER = "Therefore, the answer (arabic numerals) is";

/** Zero-shot CoT, stage 1: the question followed by the reasoning trigger. */
export function zeroShotCoTPrompt(question: string): ChatMessage[] {
  return [{ role: "user", content: `Q: ${question}\nA: ${ZERO_SHOT_TRIGGER}` }];
}

/** Zero-shot CoT, stage 2: the stage-1 reasoning is given back and the answer trigger appended. */
export function zeroShotCoTAnswerPrompt(question: string, reasoning: string): ChatMessage[] {
  return [
    {
      role: "user",
      content: `Q: ${question}\nA: ${ZERO_SHOT_TRIGGER} ${reasoning.trim()}\n${ANSWER_TRIGGER}`,
    },
  ];
}

/** Both stages of zero-shot CoT: reason, then extract. Tokens of both calls are counted. */
export async function zeroShotCoT(
  llm: LLM,
  question: string,
  opts: SampleOptions = {},
): Promise<{ reasoning: string; answerText: string; answer: number | null; tokens: number }> {
  const [first] = await llm.complete(zeroShotCoTPrompt(question), { ...opts, n: 1 });
  const reasoning = first!.reasoning ? `${first!.reasoning}\n${first!.text}` : first!.text;
  const [second] = await llm.complete(zeroShotCoTAnswerPrompt(question, reasoning), { ...opts, n: 1, maxTokens: 32 });
  const answer = extractAnswer(`${ANSWER_TRIGGER} ${second!.text}`) ?? extractAnswer(reasoning);
  return { reasoning, answerText: second!.text, answer, tokens: first!.completionTokens + second!.completionTokens };
}

/**
 * DeepSeek-R1's prompts.
 * - "zero": R1-Zero's training template (DeepSeek-R1 paper, Table 1): reasoning in
 *   `<think> </think>`, answer in `<answer> </answer>`, as one plain text turn.
 * - "boxed": the usage recommended for R1 on math: no system prompt, and "Please reason step by
 *   step, and put your final answer within \boxed{}." in the user turn.
 */
export function r1Prompt(question: string, style: "zero" | "boxed" = "boxed"): ChatMessage[] {
  if (style === "boxed") {
    return [{ role: "user", content: `${question}\nPlease reason step by step, and put your final answer within \\boxed{}.` }];
  }
  return [
    {
      role: "user",
      content:
        "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. " +
        "The assistant first thinks about the reasoning process in the mind and then provides the user with the answer. " +
        "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, respectively, " +
        "i.e., <think> reasoning process here </think> <answer> answer here </answer>. " +
        `User: ${question}. Assistant:`,
    },
  ];
}

/** True when `text` follows R1-Zero's format: a non-empty <think> block, then an <answer> block. */
export function hasR1Format(text: string): boolean {
  return /^\s*<think>[\s\S]*\S[\s\S]*<\/think>\s*<answer>[\s\S]*\S[\s\S]*<\/answer>\s*$/.test(text);
}

/** Builds the prompt for a style; few-shot styles need exemplars. */
export function buildPrompt(style: PromptStyle, question: string, exemplars: readonly Exemplar[] = []): ChatMessage[] {
  switch (style) {
    case "direct":
      return directPrompt(question);
    case "few-shot":
      return fewShotPrompt(question, exemplars);
    case "few-shot-cot":
      return fewShotCoTPrompt(question, exemplars);
    case "zero-shot-cot":
      return zeroShotCoTPrompt(question);
    case "r1":
      return r1Prompt(question);
  }
}

/** Extracts a completion's answer, reading the reasoning when the visible text has none. */
export function answerOf(c: Completion): number | null {
  return extractAnswer(c.text) ?? (c.reasoning ? extractAnswer(c.reasoning) : null);
}
