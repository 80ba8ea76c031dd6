/**
 * Supervised training of the tiny transformer on prompt → completion pairs, with the loss only on
 * the completion (the prompt is given, not predicted) — notebooks/03_chain_of_thought.ipynb.
 *
 *   sequence   <bos> 4 7 * 8 3 = 4 7 * 3 + … = 3 9 0 1 <eos>
 *   loss mask    0   0 0 0 0 0 0 1 1 1 1 …     1 1 1 1   1      (1 where the *target* is completion)
 *
 * AdamW (lib/model/adamw.ts) with linear warm-up and cosine decay; the schedule runs on whichever
 * budget ends first, steps or wall-clock, so "same time budget" comparisons are fair.
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW, type AdamWOptions } from "./adamw.js";
import { oneHotFloat } from "../backend/onehot.js";
import { CROSS_ENTROPY_KERNEL, fusedCrossEntropy } from "../backend/crossEntropyKernel.js";
import { PAD_ID, type CharTokenizer } from "./tokenizer.js";
import type { TinyTransformer } from "./transformer.js";

/** One training pair. */
export interface SequenceExample {
  prompt: string;
  completion: string;
}

/** A padded batch, as plain arrays (uploaded by the caller). */
export interface EncodedBatch {
  batch: number;
  seq: number;
  /** [batch, seq] inputs: <bos> prompt completion (the last token is not an input) */
  inputs: Int32Array;
  /** [batch, seq] next-token targets */
  targets: Int32Array;
  /** [batch, seq] 1 where the target counts for the loss */
  mask: Float32Array;
  /** Non-pad input tokens (what the model actually processed). */
  tokens: number;
}

/**
 * Encodes and right-pads a batch. Each row is <bos> + prompt + completion + <eos>, split into
 * inputs (all but the last) and targets (all but the first).
 * @param lossOn "completion" (default: mask the prompt) or "all"
 */
export function encodeBatch(tok: CharTokenizer, examples: readonly SequenceExample[], lossOn: "completion" | "all" = "completion"): EncodedBatch {
  const rows = examples.map((e) => {
    const p = tok.encode(e.prompt, { bos: true });
    const c = tok.encode(e.completion, { eos: true });
    return { ids: [...p, ...c], promptLen: p.length };
  });
  const seq = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const batch = rows.length;
  const inputs = new Int32Array(batch * seq).fill(PAD_ID);
  const targets = new Int32Array(batch * seq).fill(PAD_ID);
  const mask = new Float32Array(batch * seq);
  let tokens = 0;
  rows.forEach((r, b) => {
    for (let t = 0; t < r.ids.length - 1; t++) {
      inputs[b * seq + t] = r.ids[t]!;
      targets[b * seq + t] = r.ids[t + 1]!;
      // Target t+1 belongs to the completion when t+1 ≥ promptLen.
      mask[b * seq + t] = lossOn === "all" || t + 1 >= r.promptLen ? 1 : 0;
      tokens++;
    }
  });
  return { batch, seq, inputs, targets, mask, tokens };
}

/**
 * Mean cross-entropy over the masked positions.
 * @param logits [batch, seq, vocab]
 * @param targets [batch, seq] int32
 * @param mask [batch, seq] float32, 1 = counts
 * @returns scalar
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  if (fusedCrossEntropy(logits, targets, mask)) {
    // tfjs-wasm: the same loss (and its gradient) as one kernel each (lib/backend/crossEntropyKernel.ts).
    return tf.tidy(() => (tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { logits, targets, mask }) as tf.Tensor[])[0] as tf.Scalar);
  }
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const logp = tf.logSoftmax(logits, -1); // [batch, seq, vocab]
    const picked = tf.sum(tf.mul(logp, oneHotFloat(targets, vocab)), -1); // [batch, seq]: log p(target)
    const total = tf.sum(tf.mul(picked, mask));
    return tf.neg(tf.div(total, tf.maximum(tf.sum(mask), 1))) as tf.Scalar;
  });
}

export interface StepInfo {
  step: number;
  /** Loss of this step's batch (read every `logEvery` steps; else the last read value). */
  loss: number;
  lr: number;
  /** Input tokens processed so far. */
  tokens: number;
  elapsedMs: number;
  tokensPerSec: number;
  /** Fraction of the budget used, 0..1. */
  progress: number;
}

export interface TrainOptions extends AdamWOptions {
  /** Stop after this many steps. */
  steps?: number;
  /** Stop after this much wall-clock time (the schedule follows whichever budget ends first). */
  timeBudgetMs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Peak learning rate. Default 3e-3 (tiny models like it high). */
  lr?: number;
  /** Default 20. */
  warmupSteps?: number;
  /** Cosine floor as a fraction of lr. Default 0.1. */
  minLrRatio?: number;
  /** Default "completion" (loss masking). */
  lossOn?: "completion" | "all";
  /** Read the loss every N steps (each read waits for the backend). Default 10. */
  logEvery?: number;
  /** Called at every read loss (every `logEvery` steps, the first and the last). Its time is not
   *  counted against `timeBudgetMs` (evaluate here). */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Continue with this optimizer (e.g. a second training phase); otherwise one is made and disposed. */
  optimizer?: AdamW;
}

export interface TrainResult {
  steps: number;
  tokens: number;
  elapsedMs: number;
  finalLoss: number;
  /** Loss curve at the read steps. */
  history: { step: number; loss: number; elapsedMs: number; tokens: number }[];
}

/** Learning rate at a fraction `p` of the run: linear warm-up, then cosine down to minLrRatio·lr. */
export function learningRate(step: number, p: number, opts: { lr: number; warmupSteps: number; minLrRatio: number }): number {
  if (step < opts.warmupSteps) return (opts.lr * (step + 1)) / opts.warmupSteps;
  const floor = opts.lr * opts.minLrRatio;
  return floor + 0.5 * (opts.lr - floor) * (1 + Math.cos(Math.PI * Math.min(1, p)));
}

/**
 * Trains `model` on batches drawn from `next()` until a budget runs out.
 * @param next returns one training example per call (a seeded stream)
 */
export async function trainLM(
  model: TinyTransformer,
  tok: CharTokenizer,
  next: () => SequenceExample,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  if (opts.steps === undefined && opts.timeBudgetMs === undefined) throw new Error("trainLM: give steps or timeBudgetMs (or both)");
  if (tok.vocabSize !== model.config.vocabSize) {
    throw new Error(`trainLM: the tokenizer has ${tok.vocabSize} tokens but the model's vocabSize is ${model.config.vocabSize}`);
  }
  const batchSize = opts.batchSize ?? 32;
  const sched = { lr: opts.lr ?? 3e-3, warmupSteps: opts.warmupSteps ?? 20, minLrRatio: opts.minLrRatio ?? 0.1 };
  const logEvery = opts.logEvery ?? 10;
  const vars = model.trainableVariables();
  const optimizer = opts.optimizer ?? new AdamW(vars, opts);
  const start = performance.now();
  let pausedMs = 0; // time spent in onStep, excluded from the budget
  const elapsed = (): number => performance.now() - start - pausedMs;
  const history: TrainResult["history"] = [];
  let tokens = 0;
  let step = 0;
  let loss = NaN;
  const progressOf = (): number =>
    Math.max(opts.steps ? step / opts.steps : 0, opts.timeBudgetMs ? elapsed() / opts.timeBudgetMs : 0);
  try {
    while (progressOf() < 1) {
      const enc = encodeBatch(tok, Array.from({ length: batchSize }, next), opts.lossOn);
      const lr = learningRate(step, progressOf(), sched);
      const inputs = tf.tensor2d(enc.inputs, [enc.batch, enc.seq], "int32");
      const targets = tf.tensor2d(enc.targets, [enc.batch, enc.seq], "int32");
      const mask = tf.tensor2d(enc.mask, [enc.batch, enc.seq], "float32");
      const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(model.forward(inputs), targets, mask), vars);
      optimizer.step(grads, lr);
      tf.dispose([inputs, targets, mask, grads]);
      step++;
      tokens += enc.tokens;
      const last = progressOf() >= 1;
      if (step % logEvery === 0 || last || step === 1) {
        loss = (await value.data())[0]!;
        const elapsedMs = elapsed();
        history.push({ step, loss, elapsedMs, tokens });
        const t0 = performance.now();
        await opts.onStep?.({ step, loss, lr, tokens, elapsedMs, tokensPerSec: (tokens / elapsedMs) * 1000, progress: Math.min(1, progressOf()) });
        pausedMs += performance.now() - t0;
      }
      value.dispose();
    }
  } finally {
    if (!opts.optimizer) optimizer.dispose();
  }
  return { steps: step, tokens, elapsedMs: elapsed(), finalLoss: loss, history };
}
