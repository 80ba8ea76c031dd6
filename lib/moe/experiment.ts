/**
 * The load-balancing experiment of notebooks/02_mixture_of_experts.ipynb: one small model with an
 * MoE layer, trained three ways with the same seed, data and steps —
 *   "none"     no balancing at all,
 *   "auxLoss"  the Switch auxiliary loss α · N · Σ f_i P_i added to the task loss,
 *   "biasFree" DeepSeek-V3's auxiliary-loss-free bias, b_i ← b_i − γ·sign(load_i − mean) per step —
 * recording MaxVio over training, the final task loss/accuracy, and which token family each
 * expert ends up serving.
 *
 * The task is built so experts can specialise: modular arithmetic with several operators
 * ("families"), (a, op, b) → (a op b) mod p. Each operator is a different lookup table, so an
 * expert that serves one operator well is useless for another, and the router sees the
 * operator in its input. The model: h = [onehot(a) | onehot(op) | onehot(b)] · W_in,
 * y = h + MoE(h), logits = y · W_out. Every step samples a batch of table rows; evaluation uses
 * the whole table (the task is to fit the tables; there is no held-out set).
 *
 * Training uses the sparse layer: the route is computed first (a discrete choice, no gradient),
 * its indices read with `await data()`, then `dispatchCombine(..., { differentiable: true })`
 * inside `tf.variableGrads` recomputes the gate scores so the combine weights carry the gate's
 * gradient. No tf.gather gradients are needed, so it trains on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, deriveSeed } from "../random.js";
import { combineWeights, gateScores, selectExperts, type GateConfig } from "./gate.js";
import { dispatchCombine, disposeMoEWeights, initMoEWeights, planDispatch, type MoEWeights } from "./moe.js";
import { expertLoadOf, maxVio, switchAuxLoss, updateRoutingBias } from "./balance.js";
import type { BalanceExperimentResult, BalanceRunResult } from "./balanceResults.js";

export type BalanceMode = "none" | "auxLoss" | "biasFree";
export const BALANCE_MODES: readonly BalanceMode[] = ["none", "auxLoss", "biasFree"];

/** The operator families: name and (a, b, p) → result. */
export const ARITH_FAMILIES: readonly { name: string; f: (a: number, b: number, p: number) => number }[] = [
  { name: "a+b", f: (a, b, p) => (a + b) % p },
  { name: "a−b", f: (a, b, p) => (((a - b) % p) + p) % p },
  { name: "a·b", f: (a, b, p) => (a * b) % p },
  { name: "a²+b", f: (a, b, p) => (a * a + b) % p },
];

export interface BalanceExperimentConfig {
  /** Modulus; the vocabulary of numbers is 0..p−1. */
  p: number;
  /** How many of ARITH_FAMILIES to use (1..4). */
  nFamilies: number;
  dModel: number;
  /** Width of each expert's SwiGLU. */
  ffnHidden: number;
  nExperts: number;
  topK: number;
  scoreFunc: "softmax" | "sigmoid";
  steps: number;
  batch: number;
  lr: number;
  /** Weight α of the Switch auxiliary loss in "auxLoss" mode. */
  auxAlpha: number;
  /** Bias update speed γ in "biasFree" mode. */
  biasGamma: number;
  /** Seed of a single run (weights, batches). */
  seed: number;
  /** Seeds for `runBalanceExperiment`: every mode is trained once per seed. */
  seeds: number[];
  /** Record loss and MaxVio every this many steps. */
  logEvery: number;
}

export const DEFAULT_BALANCE_EXPERIMENT: BalanceExperimentConfig = {
  p: 17,
  nFamilies: 4,
  dModel: 32,
  ffnHidden: 8,
  nExperts: 8,
  topK: 2,
  scoreFunc: "sigmoid",
  steps: 600,
  batch: 128,
  lr: 0.01,
  auxAlpha: 0.05,
  biasGamma: 0.01,
  seed: 2024,
  seeds: [2024, 1, 7],
  logEvery: 10,
};

/** Rows of the task: every (a, family, b) with its answer. */
export function arithmeticTable(p: number, nFamilies: number): { a: number; fam: number; b: number; y: number }[] {
  if (!Number.isInteger(p) || p < 2) throw new Error(`arithmeticTable: p must be an integer ≥ 2; got ${p}`);
  if (!Number.isInteger(nFamilies) || nFamilies < 1 || nFamilies > ARITH_FAMILIES.length) {
    throw new Error(`arithmeticTable: nFamilies must be in [1, ${ARITH_FAMILIES.length}]; got ${nFamilies}`);
  }
  const rows: { a: number; fam: number; b: number; y: number }[] = [];
  for (let fam = 0; fam < nFamilies; fam++) for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) rows.push({ a, fam, b, y: ARITH_FAMILIES[fam]!.f(a, b, p) });
  return rows;
}

interface Model {
  wIn: tf.Variable<tf.Rank.R2>; // [2p + nFamilies, dModel]
  moe: MoEWeights;
  wOut: tf.Variable<tf.Rank.R2>; // [dModel, p]
}

function encode(rows: { a: number; fam: number; b: number; y: number }[], p: number, nFamilies: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const width = 2 * p + nFamilies;
  const x = new Float32Array(rows.length * width);
  const y = new Float32Array(rows.length * p);
  rows.forEach((r, i) => {
    x[i * width + r.a] = 1;
    x[i * width + p + r.fam] = 1;
    x[i * width + p + nFamilies + r.b] = 1;
    y[i * p + r.y] = 1;
  });
  return { x: tf.tensor2d(x, [rows.length, width]), y: tf.tensor2d(y, [rows.length, p]) };
}

function initModel(c: BalanceExperimentConfig, withBias: boolean): Model {
  const rng = new Rng(c.seed);
  const width = 2 * c.p + c.nFamilies;
  // Three ones in each input row: std 1/sqrt(3) keeps h at unit scale.
  const trainable = (values: Float32Array, shape: [number, number]): tf.Variable<tf.Rank.R2> => {
    const t = tf.tensor2d(values, shape);
    const v = tf.variable(t, true);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  };
  const wIn = trainable(rng.normals(width * c.dModel, 0, 1 / Math.sqrt(3)), [width, c.dModel]); // [2p + nFamilies, dModel]
  const wOut = trainable(rng.normals(c.dModel * c.p, 0, 1 / Math.sqrt(c.dModel)), [c.dModel, c.p]); // [dModel, p]
  const moe = initMoEWeights(c.dModel, c.ffnHidden, c.nExperts, deriveSeed(c.seed, "moe"), { trainable: true, withBias });
  return { wIn, moe, wOut };
}

function disposeModel(m: Model): void {
  m.wIn.dispose();
  m.wOut.dispose();
  disposeMoEWeights(m.moe);
}

/** Logits of the model for a fixed routing plan (the differentiable sparse path). */
function forward(m: Model, x: tf.Tensor2D, gcfg: GateConfig, indices: tf.Tensor2D, plan: ReturnType<typeof planDispatch>) {
  const h = tf.matMul(x, m.wIn) as tf.Tensor2D; // [tokens, dModel]
  const scores = gateScores(h, m.moe.gate, gcfg); // [tokens, nExperts]
  const w = combineWeights(scores, indices, gcfg); // [tokens, topK]
  const y = tf.add<tf.Tensor2D>(h, dispatchCombine(h, m.moe.experts, w, plan, { differentiable: true })); // [tokens, dModel]
  return { logits: tf.matMul(y, m.wOut), scores }; // [tokens, p], [tokens, nExperts]
}

/** Routes `x` with the current weights (no tape), returning the indices and the plan. */
async function routeBatch(m: Model, x: tf.Tensor2D, gcfg: GateConfig) {
  const indices = tf.tidy(() => selectExperts(gateScores(tf.matMul(x, m.wIn) as tf.Tensor2D, m.moe.gate, gcfg), gcfg, m.moe.bias));
  const idx = await indices.data();
  return { indices, idx, plan: planDispatch(idx, gcfg.topK, gcfg.nExperts) };
}

/**
 * Trains one model in one balancing mode and evaluates it on the whole table.
 * @param onStep called after each recorded step (for a progress bar)
 */
export async function trainBalanceRun(
  mode: BalanceMode,
  cfg: Partial<BalanceExperimentConfig> = {},
  onStep?: (step: number, loss: number, maxVio: number) => void,
): Promise<BalanceRunResult> {
  const c = { ...DEFAULT_BALANCE_EXPERIMENT, ...cfg };
  if (!BALANCE_MODES.includes(mode)) throw new Error(`trainBalanceRun: mode must be one of ${BALANCE_MODES.join(", ")}; got ${String(mode)}`);
  const gcfg: GateConfig = { nExperts: c.nExperts, topK: c.topK, scoreFunc: c.scoreFunc };
  const t0 = performance.now();
  const table = arithmeticTable(c.p, c.nFamilies);
  const rng = new Rng(deriveSeed(c.seed, "batches")); // the same batches in every mode
  const m = initModel(c, mode === "biasFree");
  const opt = tf.train.adam(c.lr);
  const vars = [m.wIn, m.wOut, m.moe.gate, ...m.moe.experts.flatMap((e) => [e.w1, e.w3, e.w2])] as unknown as tf.Variable[];
  const steps: number[] = [];
  const vio: number[] = [];
  const losses: number[] = [];
  try {
    for (let step = 1; step <= c.steps; step++) {
      const batch = Array.from({ length: c.batch }, () => table[rng.int(table.length)]!);
      const { x, y } = encode(batch, c.p, c.nFamilies);
      const { indices, idx, plan } = await routeBatch(m, x, gcfg);
      let taskLoss: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const { logits, scores } = forward(m, x, gcfg, indices, plan);
        const task = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        taskLoss = tf.keep(task.clone());
        return mode === "auxLoss" ? tf.add(task, tf.mul(c.auxAlpha, switchAuxLoss(scores, indices, c.nExperts))) : task;
      }, vars.filter((v) => v.trainable));
      opt.applyGradients(grads as tf.NamedTensorMap as { [name: string]: tf.Variable });
      const load = expertLoadOf(idx, c.nExperts);
      if (mode === "biasFree" && m.moe.bias) {
        const bias = m.moe.bias as unknown as tf.Variable;
        const loadT = tf.tensor1d(load);
        const next = updateRoutingBias(bias as unknown as tf.Tensor1D, loadT, c.biasGamma);
        bias.assign(next);
        tf.dispose([loadT, next]);
      }
      if (step % c.logEvery === 0 || step === 1 || step === c.steps) {
        const l = (await taskLoss!.data())[0]!;
        const v = maxVio(load);
        steps.push(step);
        losses.push(l);
        vio.push(v);
        onStep?.(step, l, v);
      }
      tf.dispose([x, y, indices, value, taskLoss!, ...Object.values(grads)]);
    }
    const final = await evaluate(m, c, gcfg, table);
    return { mode, seed: c.seed, steps, maxVio: vio, loss: losses, final, seconds: (performance.now() - t0) / 1000 };
  } finally {
    opt.dispose();
    disposeModel(m);
  }
}

async function evaluate(m: Model, c: BalanceExperimentConfig, gcfg: GateConfig, table: ReturnType<typeof arithmeticTable>): Promise<BalanceRunResult["final"]> {
  const { x, y } = encode(table, c.p, c.nFamilies);
  const { indices, idx, plan } = await routeBatch(m, x, gcfg);
  const { loss, pred } = tf.tidy(() => {
    const { logits } = forward(m, x, gcfg, indices, plan);
    return { loss: tf.losses.softmaxCrossEntropy(y, logits), pred: tf.argMax(logits, -1) };
  });
  const predicted = await pred.data();
  const lossValue = (await loss.data())[0]!;
  const bias = m.moe.bias ? Array.from(await m.moe.bias.data()) : undefined;
  tf.dispose([x, y, indices, loss, pred]);
  const right = new Array<number>(c.nFamilies).fill(0);
  const count = new Array<number>(c.nFamilies).fill(0);
  const familyExpert = Array.from({ length: c.nFamilies }, () => new Array<number>(c.nExperts).fill(0));
  table.forEach((r, i) => {
    count[r.fam]!++;
    if (predicted[i] === r.y) right[r.fam]!++;
    for (let k = 0; k < c.topK; k++) familyExpert[r.fam]![idx[i * c.topK + k]!]!++;
  });
  const load = expertLoadOf(idx, c.nExperts);
  return {
    loss: lossValue,
    accuracy: right.reduce((a, b) => a + b, 0) / table.length,
    accuracyByFamily: right.map((r, f) => r / count[f]!),
    maxVio: maxVio(load),
    load,
    familyExpert,
    ...(bias ? { bias } : {}),
  };
}

/**
 * All three modes, once per seed in `cfg.seeds` (within a seed: same initial weights, batches and
 * steps). Several seeds, because on a model this small one seed's accuracy gap can be noise.
 */
export async function runBalanceExperiment(
  cfg: Partial<BalanceExperimentConfig> = {},
  onStep?: (mode: BalanceMode, seed: number, step: number, loss: number, maxVio: number) => void,
): Promise<BalanceExperimentResult> {
  const c = { ...DEFAULT_BALANCE_EXPERIMENT, ...cfg };
  if (c.seeds.length === 0) throw new Error("runBalanceExperiment: seeds is empty");
  const runs: BalanceRunResult[] = [];
  for (const seed of c.seeds) {
    for (const mode of BALANCE_MODES) {
      runs.push(await trainBalanceRun(mode, { ...c, seed }, onStep && ((s, l, v) => onStep(mode, seed, s, l, v))));
    }
  }
  return { config: c, families: ARITH_FAMILIES.slice(0, c.nFamilies).map((f) => f.name), backend: tf.getBackend(), runs };
}
