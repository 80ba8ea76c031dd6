#!/usr/bin/env node
/**
 * Regenerates the chain-of-thought lesson's committed results (notebooks/03_chain_of_thought.ipynb):
 *
 *   npm run build && node scripts/cot-experiments.mjs all --seeds 4 --rl-budget-ms 110000
 *                                                            # everything, in parallel processes (≤ 16)
 *   node scripts/cot-experiments.mjs train --task mul --style cot    # one run (see the flags below)
 *
 * Each run is one single-threaded process (the wasm backend), so `all` gives every run its own core
 * when the machine has them; the budgets are wall-clock training time (evaluation time excluded).
 *
 * Writes (small JSON, committed):
 *   datasets/cot_<task>_<style>_<size>.json       checkpoint + meta (training curve, held-out accuracy)
 *   datasets/cot_consistency_<size>.json          self-consistency accuracy vs samples, token cost
 *   datasets/cot_grpo_<size>_lr<lr>_b<beta>.json  GRPO: reward and held-out accuracy over time
 *   datasets/cot_sftcontrol_<size>.json           the supervised control for the same time
 *   datasets/cot_results.json                     the summary the notebook charts
 */
import { spawn } from "node:child_process";
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import {
  initBackend,
  TinyTransformer,
  CharTokenizer,
  trainTinyModel,
  heldOutProblems,
  evaluateArithmetic,
  saveCheckpoint,
  loadCheckpoint,
  generate,
  extractAnswer,
  selfConsistencyCurve,
  majorityVote,
  grpoTrain,
  trainLM,
  problemStream,
  problemKey,
  completionFor,
  taskOp,
  taskDigits,
} from "seeklab";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = process.env.COT_OUT_DIR ?? join(HERE, "..", "datasets");

export const SIZES = {
  small: { dModel: 64, nLayers: 2, nHeads: 4, ffnHidden: 128, maxSeqLen: 48 },
  medium: { dModel: 96, nLayers: 3, nHeads: 4, ffnHidden: 192, maxSeqLen: 48 },
};

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[i + 1], i++;
    else out._.push(argv[i]);
  }
  return out;
}

const log = (...m) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...m);
const ckptPath = (task, style, size, seed = 1) => join(OUT_DIR, `cot_${task}_${style}_${size}${seed === 1 ? "" : `_s${seed}`}.json`);

async function ready() {
  if (tf.getBackend() !== "wasm") await initBackend(process.env.SEEKLAB_BACKEND ?? "wasm", { quiet: true });
}

/** Experiment 1: one training run, with an accuracy curve on 200 held-out problems. */
async function trainRun(a) {
  await ready();
  const task = a.task ?? "mul";
  const style = a.style ?? "cot";
  const size = a.size ?? "small";
  const seed = Number(a.seed ?? 1);
  const budgetMs = Number(a["budget-ms"] ?? 240_000);
  const evalEveryMs = Number(a["eval-every-ms"] ?? 30_000);
  const tok = new CharTokenizer();
  const model = new TinyTransformer({ ...SIZES[size], vocabSize: tok.vocabSize }, seed);
  const curveSet = heldOutProblems({ task }).slice(0, 200);
  const curve = [];
  let nextEval = 0;
  const t0 = Date.now();
  const run = await trainTinyModel({
    task,
    style,
    init: model,
    timeBudgetMs: budgetMs,
    lr: Number(a.lr ?? 3e-3),
    batchSize: Number(a.batch ?? 32),
    seed,
    logEvery: 25,
    evalProblems: 500,
    onStep: async (i) => {
      if (i.elapsedMs < nextEval && i.progress < 1) return;
      const e = await evaluateArithmetic(model, tok, curveSet, style);
      curve.push({ elapsedMs: Math.round(i.elapsedMs), step: i.step, tokens: i.tokens, loss: i.loss, accuracy: e.accuracy });
      log(`${task}/${style}/${size}/s${seed}: ${(i.elapsedMs / 1000).toFixed(0)} s, step ${i.step}, loss ${i.loss.toFixed(3)}, held-out ${e.accuracy.toFixed(3)}, ${Math.round(i.tokensPerSec)} tok/s`);
      while (nextEval <= i.elapsedMs) nextEval += evalEveryMs;
    },
  });
  const meta = {
    experiment: "direct-vs-cot",
    task,
    digits: taskDigits({ task }),
    style,
    size,
    seed,
    params: run.params,
    budgetMs,
    trainMs: Math.round(run.train.elapsedMs),
    wallMs: Date.now() - t0,
    steps: run.train.steps,
    tokens: run.train.tokens,
    finalLoss: run.train.finalLoss,
    lr: Number(a.lr ?? 3e-3),
    batchSize: Number(a.batch ?? 32),
    eval: { ...run.eval, examples: run.eval.examples.slice(0, 6) },
    curve,
    backend: tf.getBackend(),
    command: `node scripts/cot-experiments.mjs train --task ${task} --style ${style} --size ${size} --seed ${seed} --budget-ms ${budgetMs}`,
  };
  await saveCheckpoint(ckptPath(task, style, size, seed), model, tok, meta);
  log(`${task}/${style}/${size}/s${seed}: held-out ${run.eval.correct}/${run.eval.n} = ${run.eval.accuracy.toFixed(3)} [${run.eval.lo.toFixed(3)}, ${run.eval.hi.toFixed(3)}] → ${ckptPath(task, style, size, seed)}`);
  model.dispose();
}

/** Experiment 2: self-consistency accuracy vs number of samples, from one pool of 32 per problem. */
async function consistency(a) {
  await ready();
  const size = a.size ?? "small";
  const nProblems = Number(a.problems ?? 300);
  const pool = Number(a.k ?? 32);
  const temperature = Number(a.temperature ?? 0.8);
  const { model, tokenizer, meta } = await loadCheckpoint(ckptPath("mul", "cot", size));
  const problems = heldOutProblems({ task: "mul" }).slice(0, nProblems);
  const t0 = Date.now();
  const greedy = await evaluateArithmetic(model, tokenizer, problems, "cot");
  const prompts = problems.flatMap((p) => Array(pool).fill(p.question));
  const gens = await generate(model, tokenizer, prompts, { temperature, maxNewTokens: 40, seed: 7 });
  const answers = problems.map((_, i) => gens.slice(i * pool, (i + 1) * pool).map((g) => extractAnswer(g.text)));
  const tokens = problems.map((_, i) => gens.slice(i * pool, (i + 1) * pool).map((g) => g.ids.length));
  const truth = problems.map((p) => p.answer);
  const ks = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32].filter((k) => k <= pool);
  const curve = selfConsistencyCurve(answers, truth, ks, { rounds: 40, seed: 3, tokens });
  const oracle = answers.filter((row, i) => row.includes(truth[i])).length / problems.length; // pass@32
  const full = answers.filter((row, i) => majorityVote(row).answer === truth[i]).length / problems.length;
  const out = {
    experiment: "self-consistency",
    checkpoint: `cot_mul_cot_${size}.json`,
    trainedFor: { tokens: meta.tokens, trainMs: meta.trainMs },
    problems: nProblems,
    pool,
    temperature,
    greedy: { accuracy: greedy.accuracy, lo: greedy.lo, hi: greedy.hi, meanTokens: greedy.meanTokens },
    curve,
    passAtPool: oracle,
    majorityAtPool: full,
    ms: Date.now() - t0,
    command: `node scripts/cot-experiments.mjs consistency --size ${size} --problems ${nProblems} --k ${pool} --temperature ${temperature}`,
  };
  await writeJSON(join(OUT_DIR, `cot_consistency_${size}.json`), out);
  log(`consistency/${size}: greedy ${greedy.accuracy.toFixed(3)}, ` + curve.map((c) => `k=${c.k}: ${c.accuracy.toFixed(3)}`).join(", "));
  model.dispose();
}

/** Experiment 3: GRPO from the CoT checkpoint, or the supervised control for the same time. */
async function rl(a) {
  await ready();
  const size = a.size ?? "small";
  const method = a.method ?? "grpo"; // "grpo" | "sft"
  const budgetMs = Number(a["budget-ms"] ?? 150_000);
  const evalEveryMs = Number(a["eval-every-ms"] ?? 15_000);
  const { model, tokenizer, meta } = await loadCheckpoint(ckptPath("mul", "cot", size));
  const heldOut = heldOutProblems({ task: "mul" });
  const evalSet = heldOut.slice(0, 300);
  const exclude = new Set(heldOut.map((p) => problemKey(p.a, p.b, p.op)));
  // A fresh stream (different seed from pre-training), never touching the held-out set.
  const stream = problemStream("*", 424242, { digitsA: 2, digitsB: 2, exclude });
  const curve = [];
  const e0 = await evaluateArithmetic(model, tokenizer, evalSet, "cot");
  curve.push({ elapsedMs: 0, step: 0, accuracy: e0.accuracy, meanReward: null });
  log(`${method}/${size}: start held-out ${e0.accuracy.toFixed(3)}`);
  let nextEval = evalEveryMs;
  const evalAt = async (elapsedMs, step, extra) => {
    if (elapsedMs < nextEval) return;
    const e = await evaluateArithmetic(model, tokenizer, evalSet, "cot");
    curve.push({ elapsedMs: Math.round(elapsedMs), step, accuracy: e.accuracy, ...extra });
    log(`${method}/${size}: ${(elapsedMs / 1000).toFixed(0)} s, step ${step}, held-out ${e.accuracy.toFixed(3)}`, JSON.stringify(extra));
    while (nextEval <= elapsedMs) nextEval += evalEveryMs;
  };
  const settings =
    method === "grpo"
      ? { groupSize: 8, questionsPerStep: 8, temperature: 1, lr: Number(a.lr ?? 2e-4), klBeta: Number(a.beta ?? 0.02), clipEps: 0.2, innerSteps: 2, formatWeight: 0.1, maxNewTokens: 40 }
      : { lr: Number(a.lr ?? 1e-3), batchSize: 32, warmupSteps: 0, minLrRatio: 1 };
  let last = { elapsedMs: 0, step: 0 };
  const rewards = [];
  if (method === "grpo") {
    const hist = await grpoTrain(model, tokenizer, () => {
      const p = stream.next();
      return { question: p.question, answer: p.answer };
    }, {
      ...settings,
      timeBudgetMs: budgetMs,
      seed: 5,
      onStep: async (i) => {
        rewards.push({ step: i.step, elapsedMs: Math.round(i.elapsedMs), meanReward: i.meanReward, sampleAccuracy: i.sampleAccuracy, usefulGroups: i.usefulGroups });
        last = i;
        await evalAt(i.elapsedMs, i.step, { meanReward: i.meanReward, sampleAccuracy: i.sampleAccuracy });
      },
    });
    void hist;
  } else {
    await trainLM(model, tokenizer, () => {
      const p = stream.next();
      return { prompt: p.question, completion: completionFor(p, "cot") };
    }, {
      ...settings,
      timeBudgetMs: budgetMs,
      logEvery: 10,
      onStep: async (i) => {
        last = i;
        await evalAt(i.elapsedMs, i.step, { loss: i.loss });
      },
    });
  }
  nextEval = 0;
  const final = await evaluateArithmetic(model, tokenizer, heldOut, "cot");
  curve.push({ elapsedMs: Math.round(last.elapsedMs), step: last.step, accuracy: (await evaluateArithmetic(model, tokenizer, evalSet, "cot")).accuracy, final: true });
  const out = {
    experiment: method === "grpo" ? "grpo" : "sft-control",
    start: `cot_mul_cot_${size}.json`,
    startAccuracy500: meta.eval.accuracy,
    budgetMs,
    settings,
    curve,
    rewards,
    final: { accuracy: final.accuracy, lo: final.lo, hi: final.hi, n: final.n },
    command: `node scripts/cot-experiments.mjs rl --method ${method} --size ${size} --budget-ms ${budgetMs}` + (method === "grpo" ? ` --lr ${a.lr ?? "2e-4"} --beta ${a.beta ?? "0.02"}` : ""),
  };
  await writeJSON(join(OUT_DIR, rlFile(method, size, a.lr ?? "2e-4", a.beta ?? "0.02")), out);
  log(`${method}/${size}: final held-out ${final.accuracy.toFixed(3)} [${final.lo.toFixed(3)}, ${final.hi.toFixed(3)}]`);
  model.dispose();
}

function rlFile(method, size, lr, beta) {
  return method === "grpo" ? `cot_grpo_${size}_lr${lr}_b${beta}.json` : `cot_sftcontrol_${size}.json`;
}

async function writeJSON(path, obj) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(obj, null, 1));
}

/** Runs sub-commands as parallel child processes (one core each). */
function parallel(jobs) {
  return Promise.all(
    jobs.map(
      (argv) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [process.argv[1], ...argv], { stdio: "inherit", env: process.env });
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} exited with ${code}`))));
        }),
    ),
  );
}

/** Collects every result file into datasets/cot_results.json (what the notebook charts). */
async function summarize() {
  const read = async (name) => {
    try {
      return JSON.parse(await readFile(join(OUT_DIR, name), "utf8"));
    } catch {
      return null;
    }
  };
  const runs = [];
  for (const task of ["mul", "add"]) {
    for (const style of ["direct", "cot"]) {
      for (const size of Object.keys(SIZES)) {
        for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
          const ck = await read(ckptPath(task, style, size, seed).split("/").pop());
          if (ck) runs.push({ file: ckptPath(task, style, size, seed).split("/").pop(), ...ck.meta, config: ck.config });
        }
      }
    }
  }
  const consistency = {};
  const rlRuns = {};
  for (const size of Object.keys(SIZES)) {
    const c = await read(`cot_consistency_${size}.json`);
    if (c) consistency[size] = c;
    const files = (await readdir(OUT_DIR)).filter((f) => f.startsWith(`cot_grpo_${size}_`)).sort();
    const grpo = [];
    for (const f of files) grpo.push({ file: f, ...(await read(f)) });
    const sft = await read(`cot_sftcontrol_${size}.json`);
    if (grpo.length || sft) rlRuns[size] = { grpo, sft };
  }
  const summary = {
    generated: new Date().toISOString(),
    sizes: SIZES,
    runs,
    consistency,
    rl: rlRuns,
    command: "npm run build && node scripts/cot-experiments.mjs all --seeds 4 --rl-budget-ms 110000",
    machine: process.env.COT_MACHINE ?? "",
  };
  await writeJSON(join(OUT_DIR, "cot_results.json"), summary);
  log(`summary: ${runs.length} training runs → cot_results.json`);
}

async function all(a) {
  const budget = a["budget-ms"] ?? "240000";
  const rlBudget = a["rl-budget-ms"] ?? "150000";
  const sizes = (a.sizes ?? "small,medium").split(",");
  const phase1 = [];
  for (const size of sizes) for (const style of ["direct", "cot"]) phase1.push(["train", "--task", "mul", "--style", style, "--size", size, "--budget-ms", budget]);
  for (const style of ["direct", "cot"]) phase1.push(["train", "--task", "add", "--style", style, "--size", "small", "--budget-ms", budget]);
  // More seeds of the headline comparison (small model): seeds 2..N.
  for (let seed = 2; seed <= Number(a.seeds ?? 1); seed++) {
    for (const style of ["direct", "cot"]) phase1.push(["train", "--task", "mul", "--style", style, "--size", "small", "--seed", String(seed), "--budget-ms", budget]);
  }
  log(`phase 1: ${phase1.length} training runs in parallel`);
  await parallel(phase1);
  const phase2 = [];
  for (const size of sizes) {
    phase2.push(["consistency", "--size", size, "--problems", a["cons-problems"] ?? "300", "--k", a.k ?? "32"]);
    // GRPO settings as lr:beta pairs; the small model gets them all, the medium one the first.
    const variants = (a["grpo-settings"] ?? "2e-4:0.02,3e-5:0.04,1e-4:0.04").split(",");
    for (const v of size === "small" ? variants : variants.slice(0, 1)) {
      const [lr, beta] = v.split(":");
      phase2.push(["rl", "--method", "grpo", "--size", size, "--budget-ms", rlBudget, "--lr", lr, "--beta", beta]);
    }
    phase2.push(["rl", "--method", "sft", "--size", size, "--budget-ms", rlBudget]);
  }
  log(`phase 2: ${phase2.length} runs in parallel`);
  await parallel(phase2);
  await summarize();
}

const a = args(process.argv.slice(2));
const cmd = a._[0];
const commands = { train: trainRun, consistency, rl, all, summarize };
if (!commands[cmd]) {
  console.log("usage: node scripts/cot-experiments.mjs all | train | consistency | rl | summarize [--flags]");
  process.exit(cmd ? 1 : 0);
}
await commands[cmd](a);
