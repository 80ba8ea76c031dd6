/**
 * The chain-of-thought lesson's experiments as functions (notebooks/03_chain_of_thought.ipynb;
 * scripts/cot-experiments.mjs runs them and commits the results):
 *   - `trainTinyModel`: train a tiny transformer on generated arithmetic, answering directly or
 *     with a scratchpad, on a token or wall-clock budget — also the entry point the hardware
 *     lesson's scaling study calls at several model sizes;
 *   - `evaluateArithmetic`: held-out accuracy with a 95% interval, by greedy decoding.
 */
import { CharTokenizer } from "../model/tokenizer.js";
import { TinyTransformer, type TinyTransformerConfig } from "../model/transformer.js";
import { trainLM, type StepInfo, type TrainOptions, type TrainResult } from "../model/train.js";
import { generate } from "../model/sample.js";
import { extractAnswer } from "./extract.js";
import {
  arithmeticProblems,
  completionFor,
  problemKey,
  problemStream,
  type AnswerStyle,
  type ArithmeticOp,
  type ArithmeticProblem,
} from "./problems.js";
import { wilsonInterval } from "./vote.js";
import { deriveSeed } from "../random.js";

export type ArithmeticTask = "mul" | "add";

export interface TaskSpec {
  task: ArithmeticTask;
  /** Digits per operand. Default 2 for "mul", 3 for "add". */
  digits?: number;
}

export function taskOp(task: ArithmeticTask): ArithmeticOp {
  return task === "mul" ? "*" : "+";
}

export function taskDigits(spec: TaskSpec): number {
  return spec.digits ?? (spec.task === "mul" ? 2 : 3);
}

/**
 * The held-out test set of a task: `n` unique problems from a fixed seed (never trained on);
 * at most a quarter of all problems, so tiny tasks (1-digit) keep most of their space for training.
 */
export function heldOutProblems(spec: TaskSpec, n = 500, seed = 20250101): ArithmeticProblem[] {
  const d = taskDigits(spec);
  const perOperand = d === 1 ? 10 : 9 * 10 ** (d - 1);
  return arithmeticProblems(taskOp(spec.task), Math.min(n, Math.floor((perOperand * perOperand) / 4)), seed, { digitsA: d, digitsB: d, unique: true });
}

/** The default tiny model for the lesson: 2 layers, dModel 64 (~85k parameters). */
export const DEFAULT_TINY_CONFIG: Omit<TinyTransformerConfig, "vocabSize"> = {
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  ffnHidden: 128,
  maxSeqLen: 48,
};

export interface TrainTinyOptions extends TaskSpec, Omit<TrainOptions, "onStep"> {
  style: AnswerStyle;
  /** Model shape; vocabSize comes from the tokenizer. Default DEFAULT_TINY_CONFIG. */
  model?: Partial<Omit<TinyTransformerConfig, "vocabSize">>;
  /** Stop after this many training tokens (inputs, prompt included), e.g. to give two styles the same compute. */
  tokenBudget?: number;
  seed?: number;
  /** Held-out problems scored at the end (0 = skip). Default 500. */
  evalProblems?: number;
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Start from this model instead of a fresh one (it is trained in place). */
  init?: TinyTransformer;
}

export interface TinyRun {
  model: TinyTransformer;
  tokenizer: CharTokenizer;
  params: number;
  train: TrainResult;
  /** Held-out accuracy (when evalProblems > 0). */
  eval?: ArithmeticEval;
}

/**
 * Trains a tiny transformer on a generated arithmetic task. The caller owns `run.model`.
 * @example
 *   const run = await trainTinyModel({ task: "mul", style: "cot", model: { dModel: 64, nLayers: 2 },
 *                                      tokenBudget: 2e6, seed: 1 });
 *   console.log(run.params, run.train.tokens, run.train.finalLoss, run.eval?.accuracy);
 *   run.model.dispose();
 */
export async function trainTinyModel(opts: TrainTinyOptions): Promise<TinyRun> {
  const tokenizer = new CharTokenizer();
  const seed = opts.seed ?? 1;
  const model = opts.init ?? new TinyTransformer({ ...DEFAULT_TINY_CONFIG, ...opts.model, vocabSize: tokenizer.vocabSize }, seed);
  const d = taskDigits(opts);
  const heldOut = heldOutProblems(opts);
  const exclude = new Set(heldOut.map((p) => problemKey(p.a, p.b, p.op)));
  const trainingStream = () => problemStream(taskOp(opts.task), deriveSeed(seed, "training problems"), { digitsA: d, digitsB: d, exclude });
  const stream = trainingStream();
  const next = () => {
    const p = stream.next();
    return { prompt: p.question, completion: completionFor(p, opts.style) };
  };
  // A token budget becomes a step budget, by the mean length of the stream's first 64 examples
  // (answers differ in length: "3+4=7", "9+9=18"), read from a copy so that training sees them all.
  let steps = opts.steps;
  if (opts.tokenBudget !== undefined) {
    const probe = trainingStream();
    let total = 0;
    for (let i = 0; i < 64; i++) {
      const p = probe.next();
      total += p.question.length + completionFor(p, opts.style).length + 1; // <bos> … (the last token is not an input)
    }
    const perExample = total / 64;
    const fromTokens = Math.max(1, Math.round(opts.tokenBudget / (perExample * (opts.batchSize ?? 32))));
    steps = steps === undefined ? fromTokens : Math.min(steps, fromTokens);
  }
  const train = await trainLM(model, tokenizer, next, { ...opts, steps });
  const nEval = opts.evalProblems ?? 500;
  const run: TinyRun = { model, tokenizer, params: model.paramCount, train };
  if (nEval > 0) run.eval = await evaluateArithmetic(model, tokenizer, heldOut.slice(0, nEval), opts.style);
  return run;
}

export interface ArithmeticEval {
  n: number;
  correct: number;
  accuracy: number;
  /** Wilson 95% interval. */
  lo: number;
  hi: number;
  /** Mean generated tokens per problem (<eos> included). */
  meanTokens: number;
  /** Share of scratchpads whose every step is right (CoT only). */
  examples: { question: string; output: string; answer: number | null; truth: number }[];
}

/** Greedy held-out accuracy; the answer is read with `extractAnswer`, like a large model's. */
export async function evaluateArithmetic(
  model: TinyTransformer,
  tok: CharTokenizer,
  problems: readonly ArithmeticProblem[],
  style: AnswerStyle,
  opts: { maxBatch?: number } = {},
): Promise<ArithmeticEval> {
  const longest = Math.max(...problems.map((p) => completionFor(p, style).length)) + 8;
  const gens = await generate(model, tok, problems.map((p) => p.question), { maxNewTokens: longest, maxBatch: opts.maxBatch ?? 250 });
  let correct = 0;
  let tokens = 0;
  const examples: ArithmeticEval["examples"] = [];
  gens.forEach((g, i) => {
    const answer = extractAnswer(g.text);
    if (answer === problems[i]!.answer) correct++;
    tokens += g.ids.length;
    if (examples.length < 8) examples.push({ question: problems[i]!.question, output: g.text, answer, truth: problems[i]!.answer });
  });
  const ci = wilsonInterval(correct, problems.length);
  return { n: problems.length, correct, accuracy: ci.p, lo: ci.lo, hi: ci.hi, meanTokens: tokens / problems.length, examples };
}
