/**
 * Self-consistency (Wang et al. 2022): sample several reasoning paths at temperature > 0 and
 * answer with the most common final answer. It is the simplest form of test-time compute:
 * more samples, more tokens, better accuracy (notebooks/03_chain_of_thought.ipynb, experiment 2).
 */
import { Rng } from "../random.js";
import { extractAnswer } from "./extract.js";
import type { Completion, LLM, Prompt, SampleOptions } from "./llm.js";

export interface Vote<T> {
  /** The most common answer; null when no sample had one. */
  answer: T | null;
  /** How many samples gave it. */
  votes: number;
  /** votes / number of samples (abstentions count in the denominator). */
  share: number;
}

/**
 * The most common non-null answer. Ties go to the answer that appeared first, so the result is
 * deterministic and equals the greedy-first answer when every sample differs.
 * Answers are compared with SameValueZero (`Map` keys): use numbers or strings.
 */
export function majorityVote<T>(answers: readonly (T | null | undefined)[]): Vote<T> {
  const counts = new Map<T, number>();
  for (const a of answers) {
    if (a === null || a === undefined) continue;
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let best: T | null = null;
  let votes = 0;
  // Map iteration follows first insertion, so a strict ">" keeps the earliest of tied answers.
  for (const [a, c] of counts) {
    if (c > votes) {
      best = a;
      votes = c;
    }
  }
  return { answer: best, votes, share: answers.length > 0 ? votes / answers.length : 0 };
}

export interface SelfConsistencyResult extends Vote<number> {
  samples: Completion[];
  /** The extracted answer of each sample. */
  answers: (number | null)[];
  /** Completion tokens spent on all samples. */
  tokens: number;
}

/**
 * Asks `llm` for `k` samples of `prompt` and votes on their extracted answers.
 * @param opts.k samples (default 5); sampling options default to temperature 0.7.
 * @param opts.extract reads a sample's answer (default `extractAnswer` on the text, falling back
 *        to the reasoning when the text has no number).
 */
export async function selfConsistency(
  llm: LLM,
  prompt: Prompt,
  opts: SampleOptions & { k?: number; extract?: (c: Completion) => number | null } = {},
): Promise<SelfConsistencyResult> {
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new Error(`selfConsistency: k must be a positive integer; got ${k}`);
  const { k: _k, extract, ...sampling } = opts;
  const samples = await llm.complete(prompt, { temperature: 0.7, ...sampling, n: k });
  const read = extract ?? ((c: Completion) => extractAnswer(c.text) ?? (c.reasoning ? extractAnswer(c.reasoning) : null));
  const answers = samples.map(read);
  const vote = majorityVote(answers);
  const tokens = samples.reduce((s, c) => s + c.completionTokens, 0);
  return { ...vote, samples, answers, tokens };
}

export interface ConsistencyPoint {
  k: number;
  /** Mean accuracy of a k-sample majority vote. */
  accuracy: number;
  /** Its standard error over problems. */
  stderr: number;
  /** Mean completion tokens per problem for k samples. */
  tokens: number;
}

/**
 * The inference-time scaling curve from a pool of samples per problem: for each k, the accuracy
 * of a majority vote over k samples drawn without replacement from the pool, averaged over
 * `rounds` random draws (an unbiased estimate for every k, using the same pool).
 * @param answers [problems][poolSize] extracted answers (null = no answer)
 * @param truth [problems] correct answers
 * @param tokens [problems][poolSize] completion tokens of each sample (optional)
 */
export function selfConsistencyCurve(
  answers: readonly (readonly (number | null)[])[],
  truth: readonly number[],
  ks: readonly number[],
  opts: { rounds?: number; seed?: number; tokens?: readonly (readonly number[])[] } = {},
): ConsistencyPoint[] {
  if (answers.length !== truth.length) throw new Error(`selfConsistencyCurve: ${answers.length} answer rows but ${truth.length} truths`);
  const rounds = opts.rounds ?? 20;
  const rng = new Rng(opts.seed ?? 0);
  return ks.map((k) => {
    const perProblem: number[] = [];
    let tokenSum = 0;
    answers.forEach((pool, i) => {
      if (k > pool.length) throw new Error(`selfConsistencyCurve: k = ${k} but problem ${i} has only ${pool.length} samples`);
      let right = 0;
      for (let r = 0; r < rounds; r++) {
        const pick = rng.shuffle(pool.map((_, j) => j)).slice(0, k);
        if (majorityVote(pick.map((j) => pool[j])).answer === truth[i]) right++;
        if (opts.tokens) tokenSum += pick.reduce((s, j) => s + opts.tokens![i]![j]!, 0);
      }
      perProblem.push(right / rounds);
    });
    const n = perProblem.length;
    const mean = perProblem.reduce((s, v) => s + v, 0) / Math.max(n, 1);
    const variance = perProblem.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(n - 1, 1);
    return { k, accuracy: mean, stderr: Math.sqrt(variance / Math.max(n, 1)), tokens: tokenSum / Math.max(n * rounds, 1) };
  });
}

/**
 * Wilson score interval for a proportion (95% by default): better than p ± 1.96·se near 0 and 1,
 * which is where the direct-answer model lives.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): { p: number; lo: number; hi: number } {
  if (n <= 0) return { p: 0, lo: 0, hi: 1 };
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // Rounding can leave the bound a hair inside p at p = 0 or 1; the interval always contains p.
  return { p, lo: Math.min(p, Math.max(0, center - half)), hi: Math.max(p, Math.min(1, center + half)) };
}
