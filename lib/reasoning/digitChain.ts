/**
 * The live experiment of the chain-of-thought lesson (notebooks/03_chain_of_thought.ipynb, "Live:
 * direct vs scratchpad in one minute"): the last digit of a product of k digits.
 *
 *   question "9*6*3*7*5="   direct "0"   cot "4;2;4;0"   (the running product's last digit)
 *
 * Each scratchpad step is one lookup in a 10 × 10 table (last digit of previous × next digit); the
 * direct answer needs all k lookups composed inside one token's forward pass. Composition is what
 * a small transformer cannot do in one pass and can do step by step — so, unlike a sum (which
 * attention computes in one pass: an average times k), the gap opens within seconds of training.
 * The answer is the last number written, so `extractAnswer` reads it.
 */
import { Rng } from "../random.js";
import type { CharTokenizer } from "../model/tokenizer.js";
import type { TinyTransformer } from "../model/transformer.js";
import { generate } from "../model/sample.js";
import { extractAnswer } from "./extract.js";
import { wilsonInterval } from "./vote.js";

export interface DigitChainProblem {
  digits: number[];
  /** "9*6*3*7*5=" */
  question: string;
  /** Last digit of the product. */
  answer: number;
  /** The answer alone: "0". */
  direct: string;
  /** The running product's last digit after each multiplication: "4;2;4;0". */
  cot: string;
}

/** The problem for given digits (1–9 each). */
export function digitChain(digits: readonly number[]): DigitChainProblem {
  if (!Array.isArray(digits) || digits.length < 2) throw new Error(`digitChain(digits): expected at least 2 digits; got ${JSON.stringify(digits)}`);
  digits.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d > 9) throw new Error(`digitChain(digits[${i}]): expected an integer 1–9; got ${d}`);
  });
  const steps: number[] = [];
  let last = digits[0]!;
  for (const d of digits.slice(1)) {
    last = (last * d) % 10;
    steps.push(last);
  }
  return { digits: [...digits], question: `${digits.join("*")}=`, answer: last, direct: String(last), cot: steps.join(";") };
}

/** A seeded stream of k-digit chains, skipping any question in `exclude` (e.g. the held-out set). */
export function digitChainStream(k: number, seed: number, exclude?: ReadonlySet<string>): { next(): DigitChainProblem } {
  if (!Number.isInteger(k) || k < 2 || k > 12) throw new Error(`digitChainStream(k): expected an integer 2–12; got ${k}`);
  const rng = new Rng(seed);
  return {
    next(): DigitChainProblem {
      for (let t = 0; t < 10_000; t++) {
        const p = digitChain(Array.from({ length: k }, () => rng.intBetween(1, 9)));
        if (!exclude?.has(p.question)) return p;
      }
      throw new Error(`digitChainStream: 10,000 draws in a row were excluded; k = ${k} leaves too few problems`);
    },
  };
}

/** `n` distinct k-digit chains from a fixed seed (a held-out set). */
export function digitChainProblems(n: number, k: number, seed: number): DigitChainProblem[] {
  if (!Number.isInteger(n) || n < 1 || n > 9 ** k / 2) throw new Error(`digitChainProblems(n): expected 1 … ${Math.floor(9 ** k / 2)} for k = ${k}; got ${n}`);
  const stream = digitChainStream(k, seed);
  const seen = new Set<string>();
  const out: DigitChainProblem[] = [];
  while (out.length < n) {
    const p = stream.next();
    if (seen.has(p.question)) continue;
    seen.add(p.question);
    out.push(p);
  }
  return out;
}

export interface DigitChainEval {
  n: number;
  correct: number;
  accuracy: number;
  /** Wilson 95% interval. */
  lo: number;
  hi: number;
  /** What always answering the most common last digit would score on these problems. */
  majorityBaseline: number;
  examples: { question: string; output: string; answer: number | null; truth: number }[];
}

/** Greedy accuracy on `problems`; the answer is the last number the model writes. */
export async function evaluateDigitChain(model: TinyTransformer, tok: CharTokenizer, problems: readonly DigitChainProblem[]): Promise<DigitChainEval> {
  if (problems.length === 0) throw new Error("evaluateDigitChain(problems): expected at least one problem; got 0");
  const k = problems[0]!.digits.length;
  const gens = await generate(model, tok, problems.map((p) => p.question), { maxNewTokens: 2 * k + 2 });
  let correct = 0;
  const examples: DigitChainEval["examples"] = [];
  gens.forEach((g, i) => {
    const answer = extractAnswer(g.text);
    if (answer === problems[i]!.answer) correct++;
    if (examples.length < 6) examples.push({ question: problems[i]!.question, output: g.text, answer, truth: problems[i]!.answer });
  });
  const counts = new Map<number, number>();
  for (const p of problems) counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
  const ci = wilsonInterval(correct, problems.length);
  return { n: problems.length, correct, accuracy: correct / problems.length, lo: ci.lo, hi: ci.hi,
    majorityBaseline: Math.max(...counts.values()) / problems.length, examples };
}
