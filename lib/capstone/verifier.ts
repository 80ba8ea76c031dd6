/**
 * The capstone arena's judge (notebooks/06_mini_deepseek.ipynb): is an entrant's answer to a
 * held-out problem right? — and, for GRPO's rule reward, is its scratchpad well formed?
 *
 * The answer is read the way lesson 3 reads any model's answer (`extractAnswer`: a boxed value,
 * a GSM8K "#### N" line, else the last number), so the same judge scores a tiny model's
 * "47*3+47*80=141+3760=3901" and a large model's worked solution. A scratchpad is well formed when
 * it uses only the scratchpad alphabet, ends with a number and every step is arithmetically
 * consistent (`checkScratchpad`) — a rule, no learned reward model, as in R1-Zero.
 */
import { extractAnswer } from "../reasoning/extract.js";
import { checkScratchpad } from "../reasoning/problems.js";

/** A held-out problem as the arena sees it. */
export interface ArenaProblem {
  /** What the entrant is given, e.g. "47*83=". */
  question: string;
  /** The exact answer. */
  answer: number;
}

export interface Verdict {
  /** The number read from the output (null when there is none). */
  extracted: number | null;
  /** extracted === the problem's answer. */
  correct: boolean;
  /** Every scratchpad step checks out and the text ends with a number. */
  wellFormed: boolean;
}

/** 1 when `output` is a well-formed scratchpad for `question` (see the file header), else 0. */
export function wellFormedScratchpad(question: string, output: string): boolean {
  if (typeof question !== "string" || typeof output !== "string") {
    throw new Error(`wellFormedScratchpad: question and output must be strings; got ${typeof question}, ${typeof output}`);
  }
  if (!/^[0-9*+=;]+$/.test(output) || !/[0-9]$/.test(output)) return false;
  return checkScratchpad(question, output) === null;
}

/**
 * Judges one output.
 * @example verify({ question: "47*83=", answer: 3901 }, "47*3+47*80=141+3760=3901")
 *          // { extracted: 3901, correct: true, wellFormed: true }
 */
export function verify(problem: ArenaProblem, output: string): Verdict {
  if (!problem || typeof problem.question !== "string" || typeof problem.answer !== "number" || !Number.isFinite(problem.answer)) {
    throw new Error(`verify: problem must be { question: string, answer: finite number }; got ${JSON.stringify(problem)}`);
  }
  if (typeof output !== "string") throw new Error(`verify: output must be a string; got ${typeof output}`);
  const extracted = extractAnswer(output);
  return { extracted, correct: extracted === problem.answer, wellFormed: wellFormedScratchpad(problem.question, output) };
}

/**
 * GRPO's rule reward: 1 for the right answer plus `formatWeight` for a well-formed scratchpad
 * (lib/reasoning/grpo.ts adds the same two terms while training).
 */
export function ruleReward(problem: ArenaProblem, output: string, formatWeight = 0.1): number {
  const v = verify(problem, output);
  return (v.correct ? 1 : 0) + formatWeight * (v.wellFormed ? 1 : 0);
}
