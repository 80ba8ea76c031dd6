/**
 * Group Relative Policy Optimization (GRPO; Shao et al. 2024, DeepSeekMath §4.1), the
 * reinforcement learning behind DeepSeek-R1, on the tiny model (notebooks/03_chain_of_thought.ipynb,
 * experiment 3).
 *
 * For each question q, sample a group of G completions o₁…o_G from the current policy, score them
 * with rule-based rewards r_i (is the final answer right? is the format right?), and push up the
 * log-probability of the better-than-average ones:
 *
 *   Â_i = (r_i − mean(r)) / std(r)                                  (group-relative advantage)
 *   J = mean_i 1/|o_i| Σ_t [ min(ρ_t Â_i, clip(ρ_t, 1−ε, 1+ε) Â_i) − β·KL_t ]
 *   ρ_t = π_θ(o_t | q, o_<t) / π_old(o_t | q, o_<t)
 *   KL_t = π_ref/π_θ − log(π_ref/π_θ) − 1                           (the k3 estimator, ≥ 0)
 *
 * No value network: the group mean is the baseline. π_old is the policy that sampled the group;
 * π_ref a frozen copy of the starting model (β = 0 turns the KL term off, as DAPO and later R1
 * recipes do).
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW } from "../model/adamw.js";
import { generate } from "../model/sample.js";
import { PAD_ID, type CharTokenizer } from "../model/tokenizer.js";
import type { TinyTransformer } from "../model/transformer.js";
import { oneHotFloat } from "../backend/onehot.js";
import { extractAnswer } from "./extract.js";
import { checkScratchpad } from "./problems.js";

/**
 * Group-relative advantages: (r − mean) / (std + eps), std over the group (population, 1/G).
 * A group whose rewards are all equal teaches nothing: its advantages are all 0.
 */
export function groupAdvantages(rewards: readonly number[], eps = 1e-6): number[] {
  const n = rewards.length;
  if (n === 0) return [];
  const mean = rewards.reduce((s, r) => s + r, 0) / n;
  const std = Math.sqrt(rewards.reduce((s, r) => s + (r - mean) ** 2, 0) / n);
  if (std === 0) return rewards.map(() => 0);
  return rewards.map((r) => (r - mean) / (std + eps));
}

/** 1 when the completion's extracted answer equals `answer`, else 0. */
export function correctnessReward(text: string, answer: number): number {
  return extractAnswer(text) === answer ? 1 : 0;
}

/**
 * 1 when a tiny-model completion is a well-formed scratchpad for `question` — every step
 * arithmetically consistent and ending with a number — else 0 (the format reward; R1 used one for
 * its `<think>` tags, see `hasR1Format` in prompts.ts).
 */
export function scratchpadFormatReward(question: string, text: string): number {
  if (!/^[0-9*+=;]+$/.test(text) || !/[0-9]$/.test(text)) return 0;
  return checkScratchpad(question, text) === null ? 1 : 0;
}

export interface GRPOLossOptions {
  /** ε of the clipped ratio. Default 0.2. */
  clipEps?: number;
  /** β of the KL penalty. Default 0 (no reference model needed). */
  klBeta?: number;
}

/**
 * The negative GRPO objective (to minimise).
 * @param logp [B, T] log π_θ of the sampled tokens (differentiable)
 * @param oldLogp [B, T] log π_old of the same tokens (constant)
 * @param refLogp [B, T] log π_ref (constant), or null when klBeta = 0
 * @param adv [B] advantage of each sequence
 * @param mask [B, T] 1 on completion tokens
 * @returns scalar: −mean_i (1/|o_i|) Σ_t (surrogate − β·KL)
 */
export function grpoLoss(
  logp: tf.Tensor2D,
  oldLogp: tf.Tensor2D,
  refLogp: tf.Tensor2D | null,
  adv: tf.Tensor1D,
  mask: tf.Tensor2D,
  opts: GRPOLossOptions = {},
): tf.Scalar {
  const eps = opts.clipEps ?? 0.2;
  const beta = opts.klBeta ?? 0;
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logp, oldLogp)); // [B, T]
    const a = adv.expandDims(1); // [B, 1]
    const surrogate = tf.minimum(tf.mul(ratio, a), tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), a)); // [B, T]
    let perToken = surrogate;
    if (beta > 0) {
      if (!refLogp) throw new Error("grpoLoss: klBeta > 0 needs refLogp");
      const d = tf.sub(refLogp, logp); // log(π_ref/π_θ)
      perToken = tf.sub(perToken, tf.mul(beta, tf.sub(tf.sub(tf.exp(d), d), 1)));
    }
    const lengths = tf.maximum(tf.sum(mask, 1), 1); // [B] |o_i|
    const perSeq = tf.div(tf.sum(tf.mul(perToken, mask), 1), lengths); // [B]
    return tf.neg(tf.mean(perSeq)) as tf.Scalar;
  });
}

/**
 * log π(target) at every position.
 * @param inputs [B, T] int32, targets [B, T] int32
 * @returns [B, T]
 */
export function tokenLogProbs(model: TinyTransformer, inputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const logits = model.forward(inputs); // [B, T, vocab]
    const logp = tf.logSoftmax(logits, -1);
    return tf.sum(tf.mul(logp, oneHotFloat(targets, model.config.vocabSize)), -1) as tf.Tensor2D; // [B, T]
  });
}

export interface GRPOProblem {
  question: string;
  answer: number;
}

export interface GRPOStepInfo {
  step: number;
  /** Mean total reward of this step's samples. */
  meanReward: number;
  /** Share of samples whose answer was right. */
  sampleAccuracy: number;
  /** Share of groups with any reward spread (the rest teach nothing). */
  usefulGroups: number;
  loss: number;
  /** Training time so far (callbacks excluded). */
  elapsedMs: number;
  /** Completion tokens sampled so far. */
  sampledTokens: number;
}

export interface GRPOOptions extends GRPOLossOptions {
  /** G, completions per question. Default 8. */
  groupSize?: number;
  /** Questions per step. Default 8. */
  questionsPerStep?: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  topK?: number;
  maxNewTokens?: number;
  /** Gradient steps on each sampled batch (μ). Default 1. */
  innerSteps?: number;
  /** Default 1e-4. */
  lr?: number;
  weightDecay?: number;
  /** Stop after this many steps … */
  steps?: number;
  /** … or this much training time (callback time excluded). */
  timeBudgetMs?: number;
  /** Reward = correct + formatWeight · format. Default 0.1. */
  formatWeight?: number;
  seed?: number;
  /** Called after each step; its time does not count against the budget (evaluate here). */
  onStep?: (info: GRPOStepInfo) => void | Promise<void>;
}

/** Builds [B, T] inputs/targets/mask from prompts and generated ids (right-padded). */
function encodeRollouts(tok: CharTokenizer, prompts: string[], gens: number[][]): { inputs: Int32Array; targets: Int32Array; mask: Float32Array; B: number; T: number } {
  const rows = prompts.map((p, i) => {
    const pr = tok.encode(p, { bos: true });
    return { ids: [...pr, ...gens[i]!], promptLen: pr.length };
  });
  const B = rows.length;
  const T = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const inputs = new Int32Array(B * T).fill(PAD_ID);
  const targets = new Int32Array(B * T).fill(PAD_ID);
  const mask = new Float32Array(B * T);
  rows.forEach((r, b) => {
    for (let t = 0; t < r.ids.length - 1; t++) {
      inputs[b * T + t] = r.ids[t]!;
      targets[b * T + t] = r.ids[t + 1]!;
      mask[b * T + t] = t + 1 >= r.promptLen ? 1 : 0;
    }
  });
  return { inputs, targets, mask, B, T };
}

/**
 * Trains `model` in place with GRPO on problems drawn from `next()`.
 * Returns the per-step history. The frozen reference copy (when klBeta > 0) is made and freed here.
 */
export async function grpoTrain(
  model: TinyTransformer,
  tok: CharTokenizer,
  next: () => GRPOProblem,
  opts: GRPOOptions = {},
): Promise<GRPOStepInfo[]> {
  if (opts.steps === undefined && opts.timeBudgetMs === undefined) throw new Error("grpoTrain: give steps or timeBudgetMs");
  const G = opts.groupSize ?? 8;
  const Q = opts.questionsPerStep ?? 8;
  const mu = opts.innerSteps ?? 1;
  const formatWeight = opts.formatWeight ?? 0.1;
  const beta = opts.klBeta ?? 0;
  const vars = model.trainableVariables();
  const optimizer = new AdamW(vars, { weightDecay: opts.weightDecay ?? 0, clipNorm: 1 });
  const ref = beta > 0 ? model.clone() : null;
  const history: GRPOStepInfo[] = [];
  let trainMs = 0;
  let sampled = 0;
  let step = 0;
  const done = (): boolean => (opts.steps !== undefined && step >= opts.steps) || (opts.timeBudgetMs !== undefined && trainMs >= opts.timeBudgetMs);
  try {
    while (!done()) {
      const t0 = performance.now();
      const problems = Array.from({ length: Q }, next);
      const prompts = problems.flatMap((p) => Array<string>(G).fill(p.question));
      const gens = await generate(model, tok, prompts, {
        temperature: opts.temperature ?? 1,
        topK: opts.topK ?? 0,
        maxNewTokens: opts.maxNewTokens,
        seed: (opts.seed ?? 0) * 100003 + step,
      });
      const rewards: number[] = [];
      let right = 0;
      gens.forEach((g, i) => {
        const p = problems[Math.floor(i / G)]!;
        const c = correctnessReward(g.text, p.answer);
        right += c;
        rewards.push(c + formatWeight * (g.finished ? scratchpadFormatReward(p.question, g.text) : 0));
        sampled += g.ids.length;
      });
      const adv: number[] = [];
      let useful = 0;
      for (let q = 0; q < Q; q++) {
        const a = groupAdvantages(rewards.slice(q * G, (q + 1) * G));
        if (a.some((x) => x !== 0)) useful++;
        adv.push(...a);
      }
      let lossValue = 0;
      if (useful > 0) {
        const enc = encodeRollouts(tok, prompts, gens.map((g) => g.ids));
        const inputs = tf.tensor2d(enc.inputs, [enc.B, enc.T], "int32");
        const targets = tf.tensor2d(enc.targets, [enc.B, enc.T], "int32");
        const mask = tf.tensor2d(enc.mask, [enc.B, enc.T]);
        const advT = tf.tensor1d(adv);
        const oldLogp = tokenLogProbs(model, inputs, targets); // π_old: the policy that sampled
        const refLogp = ref ? tokenLogProbs(ref, inputs, targets) : null;
        for (let k = 0; k < mu; k++) {
          const { value, grads } = tf.variableGrads(
            () => grpoLoss(tokenLogProbs(model, inputs, targets), oldLogp, refLogp, advT, mask, opts),
            vars,
          );
          optimizer.step(grads, opts.lr ?? 1e-4);
          lossValue = (await value.data())[0]!;
          tf.dispose([value, grads]);
        }
        tf.dispose([inputs, targets, mask, advT, oldLogp, ...(refLogp ? [refLogp] : [])]);
      }
      step++;
      trainMs += performance.now() - t0;
      const info: GRPOStepInfo = {
        step,
        meanReward: rewards.reduce((s, r) => s + r, 0) / rewards.length,
        sampleAccuracy: right / rewards.length,
        usefulGroups: useful / Q,
        loss: lossValue,
        elapsedMs: trainMs,
        sampledTokens: sampled,
      };
      history.push(info);
      await opts.onStep?.(info);
    }
  } finally {
    optimizer.dispose();
    ref?.dispose();
  }
  return history;
}
