/**
 * The mini scaling study: SeekLab's tiny transformer trained at several widths on one task, with
 * everything else held fixed, and its held-out loss recorded — the measured half of the scaling
 * lesson. datasets/scaling_study.json is this function's output.
 *
 * Taught in notebooks/05b_scaling_and_jevons.ipynb ("A measured mini scaling study"); the notebook's
 * one guarded retrain cell calls `runScalingStudy` and `writeScalingStudy`.
 */
import * as tf from "@tensorflow/tfjs";
import { datasetPath, writeText } from "../data.js";
import type { CharTokenizer } from "../model/tokenizer.js";
import type { TinyTransformer } from "../model/transformer.js";
import { encodeBatch, maskedCrossEntropy } from "../model/train.js";
import { heldOutProblems, trainTinyModel, type ArithmeticTask } from "../reasoning/experiments.js";
import { completionFor, type AnswerStyle } from "../reasoning/problems.js";

/** One task, one recipe, several widths. */
export interface ScalingStudySpec {
  task: ArithmeticTask;
  digits: number;
  style: AnswerStyle;
  dModels: number[];
  nLayers: number;
  nHeads: number;
  /** SwiGLU hidden size = ffnMult · dModel. */
  ffnMult: number;
  steps: number;
  batchSize: number;
  lr: number;
  seeds: number[];
  evalProblems: number;
}

/** The committed study's recipe: 2-digit addition, direct answers, five widths, 400 steps, two seeds. */
export const DEFAULT_SCALING_STUDY: ScalingStudySpec = {
  task: "add", digits: 2, style: "direct",
  dModels: [8, 16, 32, 48, 64], nLayers: 2, nHeads: 2, ffnMult: 4,
  steps: 400, batchSize: 32, lr: 3e-3, seeds: [1, 2], evalProblems: 500,
};

export interface ScalingRun {
  name: string;
  dModel: number;
  params: number;
  /** Parameters minus the embedding and the output head (Kaplan et al.'s N). */
  nonEmbeddingParams: number;
  steps: number;
  batchSize: number;
  tokensSeen: number;
  trainLoss: number;
  evalLoss: number;
  evalLossBySeed: number[];
  accuracy: number;
  accuracyBySeed: number[];
  seconds: number;
}

export interface ScalingStudy {
  description: string;
  task: string;
  model: string;
  regenerate: string;
  backend: string;
  createdAt: string;
  spec: ScalingStudySpec;
  runs: ScalingRun[];
}

/** Mean cross-entropy per answer token (nats) of `model` on `examples`, in batches of 128. */
export async function heldOutLoss(model: TinyTransformer, tok: CharTokenizer, examples: { prompt: string; completion: string }[]): Promise<number> {
  if (examples.length === 0) throw new Error("heldOutLoss(examples): expected at least one example; got 0");
  let total = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += 128) {
    const enc = encodeBatch(tok, examples.slice(i, i + 128));
    const maskSum = enc.mask.reduce((s, v) => s + v, 0);
    const lossT = tf.tidy(() => maskedCrossEntropy(
      model.forward(tf.tensor2d(enc.inputs, [enc.batch, enc.seq], "int32")),
      tf.tensor2d(enc.targets, [enc.batch, enc.seq], "int32"),
      tf.tensor2d(enc.mask, [enc.batch, enc.seq], "float32")));
    total += (await lossT.data())[0]! * maskSum; // the mean over this batch's answer tokens, back to a sum
    count += maskSum;
    lossT.dispose();
  }
  return total / count;
}

const REGENERATE = "SEEKLAB_RETRAIN=1 node scripts/run-notebooks.mjs notebooks/05b_scaling_and_jevons.ipynb";

/**
 * Trains every (width, seed) of `spec` and measures each on the task's held-out problems.
 * `onRun` is called after each run (for a progress bar). Disposes every model it trains.
 */
export async function runScalingStudy(spec: ScalingStudySpec = DEFAULT_SCALING_STUDY,
  opts: { onRun?: (done: number, total: number, message: string) => void } = {}): Promise<ScalingStudy> {
  for (const k of ["steps", "batchSize", "evalProblems", "nLayers", "nHeads", "ffnMult"] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) throw new Error(`runScalingStudy(spec.${k}): expected a positive integer; got ${spec[k]}`);
  }
  if (spec.dModels.length === 0 || spec.seeds.length === 0) {
    throw new Error(`runScalingStudy(spec): expected at least one width and one seed; got ${spec.dModels.length} and ${spec.seeds.length}`);
  }
  const task = { task: spec.task, digits: spec.digits };
  const held = heldOutProblems(task, spec.evalProblems).map((p) => ({ prompt: p.question, completion: completionFor(p, spec.style) }));
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const total = spec.dModels.length * spec.seeds.length;
  let done = 0;
  const runs: ScalingRun[] = [];
  for (const dModel of spec.dModels) {
    const evalBySeed: number[] = [];
    const trainBySeed: number[] = [];
    const accBySeed: number[] = [];
    let params = 0;
    let nonEmbeddingParams = 0;
    let tokensSeen = 0;
    const t0 = performance.now();
    for (const seed of spec.seeds) {
      const run = await trainTinyModel({ ...task, style: spec.style, seed, steps: spec.steps, batchSize: spec.batchSize, lr: spec.lr,
        model: { dModel, nLayers: spec.nLayers, nHeads: spec.nHeads, ffnHidden: spec.ffnMult * dModel }, evalProblems: spec.evalProblems, logEvery: 50 });
      try {
        params = run.params;
        nonEmbeddingParams = run.params - 2 * run.tokenizer.vocabSize * dModel; // minus the embedding and the output head
        tokensSeen = run.train.tokens;
        trainBySeed.push(run.train.finalLoss);
        evalBySeed.push(await heldOutLoss(run.model, run.tokenizer, held));
        accBySeed.push(run.eval?.accuracy ?? NaN);
      } finally {
        run.model.dispose();
      }
      done++;
      opts.onRun?.(done, total, `d=${dModel} seed ${seed}: held-out loss ${evalBySeed[evalBySeed.length - 1]!.toFixed(3)}`);
    }
    runs.push({
      name: `d${dModel}`, dModel, params, nonEmbeddingParams, steps: spec.steps, batchSize: spec.batchSize, tokensSeen,
      trainLoss: mean(trainBySeed), evalLoss: mean(evalBySeed), evalLossBySeed: evalBySeed,
      accuracy: mean(accBySeed), accuracyBySeed: accBySeed, seconds: (performance.now() - t0) / 1000,
    });
  }
  return {
    description: `Mini scaling study: SeekLab's tiny transformer at ${spec.dModels.length} widths, same task, steps, batch and learning rate, ` +
      `${spec.seeds.length} seed(s) each. Held-out loss = mean cross-entropy per answer token (nats); accuracy = exact answers by greedy decoding; both on problems never trained on.`,
    task: `${spec.digits}-digit ${spec.task === "add" ? "addition" : "multiplication"}, ${spec.style === "direct" ? "direct answers" : "scratchpad answers"}, ${spec.evalProblems} held-out problems`,
    model: `TinyTransformer (lib/model) trained by trainTinyModel (lib/reasoning/experiments.ts): ${spec.nLayers} layers, ${spec.nHeads} heads, ` +
      `SwiGLU hidden ${spec.ffnMult}·dModel, MHA; AdamW, warm-up + cosine, lr ${spec.lr}`,
    regenerate: REGENERATE,
    backend: tf.getBackend(),
    createdAt: new Date().toISOString(),
    spec,
    runs,
  };
}

/** Writes a study to datasets/scaling_study.json (or `path`); returns the path written. */
export async function writeScalingStudy(study: ScalingStudy, path?: string): Promise<string> {
  const p = path ?? (await datasetPath("scaling_study.json"));
  await writeText(p, JSON.stringify(study, null, 1) + "\n");
  return p;
}
