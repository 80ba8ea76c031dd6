#!/usr/bin/env node
/**
 * Regenerates the capstone's committed results (notebooks/06_mini_deepseek.ipynb, issue 16):
 *
 *   npm run build && node scripts/capstone.mjs            # full run → datasets/capstone/{battles.csv,results.json}
 *   node scripts/capstone.mjs --quick                     # minutes, tiny budgets → build/capstone-quick/
 *   node scripts/capstone.mjs --out DIR --work DIR --jobs 1|2 --held-out N --seed S
 *   node scripts/capstone.mjs --stage student-gt,eval:student-gt   # (re)run named stages only
 *   --note TEXT   recorded in results.json (e.g. how a run was resumed)
 *   --seed-check DIR   add a second seed's dense and mini-V3 (trained in DIR by
 *       `node scripts/capstone.mjs --seed 2 --work DIR --stage dense,eval:dense,mini-V3,eval:mini-V3`)
 *       to results.json's findings: how much of the dense vs mini-V3 gap is the seed
 *
 * Every stage writes its output (a checkpoint, an evaluation) under the work folder
 * (build/capstone/ by default) and is skipped when that output exists, so an interrupted run
 * resumes where it stopped (delete a file to redo its stage). With --jobs 2 (default) the dense
 * lane and the mini-V3 lane run in two single-threaded processes (wasm); a stage that needs
 * another lane's output waits for the file. The last stage (self-consistency, battles, ratings)
 * runs in this process and writes battles.csv and results.json.
 *
 * Budgets are in training TOKENS and GRPO STEPS (reproducible on any machine); wall-clock
 * seconds are measured and recorded beside them.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs";
import {
  initBackend, TinyTransformer, CharTokenizer, generate, saveCheckpoint, loadCheckpoint, grpoTrain,
  heldOutProblems, problemStream, problemKey, completionFor, extractAnswer, majorityVote, wilsonInterval,
  deriveSeed, trainingFlops, progress,
  DENSE_CONFIG, MINI_V3_CONFIG, STUDENT_CONFIG, totalParams, activeParams, kvElementsPerToken,
  trainEntrant, verify, buildBattles, battlesToCsv, rateEntrants, CAPSTONE_RATING,
} from "seeklab";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

// ---------------------------------------------------------------- arguments and budgets
function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") out.quick = true;
    else if (a.startsWith("--")) (out[a.slice(2)] = argv[i + 1]), i++;
    else out._.push(a);
  }
  return out;
}
const args = parseArgs(process.argv.slice(2));
const QUICK = !!args.quick;
const WORK = resolve(args.work ?? join(ROOT, "build", QUICK ? "capstone-quick" : "capstone"));
const OUT = resolve(args.out ?? (QUICK ? WORK : join(ROOT, "datasets", "capstone")));
const SEED = Number(args.seed ?? 1);
const HELD_OUT = Number(args["held-out"] ?? 500);
const JOBS = Number(args.jobs ?? Math.min(2, cpus().length));

/** Training budgets. Full: lesson 3's proven recipe (lr 3e-3, batch 32; ~2.1M tokens reached 0.56–0.69 there, 3M here for margin). */
const B = QUICK
  ? { sft: 24_000, rungs: [1 / 8, 1 / 4, 1 / 2, 1], grpoSteps: 2, r1Grpo1: 2, r1Grpo2: 1, rsProblems: 64, rsSamples: 4, r1SftTokens: 8_000,
      distillProblems: 64, studentTokens: 12_000, scK: 16, validation: 50 }
  : { sft: Number(args["sft-tokens"] ?? 3_000_000), rungs: [1 / 8, 1 / 4, 1 / 2, 1], grpoSteps: Number(args["grpo-steps"] ?? 80), r1Grpo1: 60, r1Grpo2: 30,
      rsProblems: 1500, rsSamples: 4, r1SftTokens: 400_000, distillProblems: 12000, studentTokens: Number(args["student-tokens"] ?? 4_000_000), scK: 16, validation: 200 };
const SFT = { lr: 3e-3, batchSize: 32 };
const GRPO = { groupSize: 8, questionsPerStep: 8, temperature: 1, lr: 5e-5, klBeta: 0.04, clipEps: 0.2, innerSteps: 2, formatWeight: 0.1, maxNewTokens: 40 };
const SC_TEMPERATURE = 0.8;
const RUNG_NAMES = ["@1/8", "@1/4", "@1/2", ""];

const log = (...m) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...m);
const tok = new CharTokenizer();
const heldOut = heldOutProblems({ task: "mul" }, HELD_OUT);
const exclude = new Set(heldOutProblems({ task: "mul" }, 500).map((p) => problemKey(p.a, p.b, p.op)));
const stream = (label) => problemStream("*", deriveSeed(SEED, label), { digitsA: 2, digitsB: 2, exclude });
const sftExample = (s) => () => {
  const p = s.next();
  return { prompt: p.question, completion: completionFor(p, "cot") };
};

// ---------------------------------------------------------------- files
const ck = (name) => join(WORK, "ckpt", `${safe(name)}.json`);
const ev = (name) => join(WORK, "eval", `${safe(name)}.json`);
const side = (name) => join(WORK, "data", `${name}.json`);
function safe(name) {
  return name.replace(/[^A-Za-z0-9+@._-]/g, "_").replace(/\//g, "_");
}
function writeJSON(path, obj) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path + ".tmp", JSON.stringify(obj));
  renameSync(path + ".tmp", path); // a half-written file never looks like a finished stage
}
const readJSON = (path) => JSON.parse(readFileSync(path, "utf8"));

async function waitFor(paths, who) {
  const t0 = Date.now();
  let told = false;
  while (!paths.every(existsSync)) {
    if (!told && Date.now() - t0 > 3000) log(`${who}: waiting for ${paths.filter((p) => !existsSync(p)).map((p) => p.slice(WORK.length + 1)).join(", ")}`), (told = true);
    if (Date.now() - t0 > 3 * 3600_000) throw new Error(`${who}: gave up waiting for ${paths.join(", ")}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function ready() {
  if (tf.getBackend() !== "wasm") await initBackend(process.env.SEEKLAB_BACKEND ?? "wasm", { quiet: true });
}

/** A progress bar over a token budget, fed by trainLM's step callbacks. */
function tokenBar(label, total) {
  const bar = progress(total, { label });
  let last = 0;
  return {
    onStep: (i) => {
      bar.tick(i.tokens - last, `loss ${i.loss.toFixed(3)}, ${Math.round(i.tokensPerSec)} tok/s`);
      last = i.tokens;
    },
    done: () => bar.done(),
  };
}

// ---------------------------------------------------------------- stages
/** Supervised pre-training of dense or mini-V3 from scratch, saving the ladder rungs. */
async function sftLadder(arch) {
  const cfg = arch === "dense" ? DENSE_CONFIG : MINI_V3_CONFIG;
  const names = RUNG_NAMES.map((r) => arch + r);
  if (names.every((n) => existsSync(ck(n)))) return;
  await ready();
  const model = new TinyTransformer(cfg, deriveSeed(SEED, `init ${arch}`));
  const targets = B.rungs.map((f) => Math.round(f * B.sft));
  const steps = Math.max(1, Math.round(B.sft / (31 * SFT.batchSize))); // ≈31 input tokens per example
  let next = 0;
  const curve = [];
  const bar = tokenBar(`${arch} SFT`, steps * 31 * SFT.batchSize);
  const res = await trainEntrant(model, tok, sftExample(stream(`train ${arch}`)), {
    ...SFT,
    steps,
    onStep: async (i) => {
      bar.onStep(i);
      if (i.step % 20 === 0 || i.progress >= 1) curve.push({ step: i.step, tokens: i.tokens, loss: i.loss, elapsedMs: Math.round(i.elapsedMs) });
      while (next < targets.length && (i.tokens >= targets[next] || i.progress >= 1)) {
        const name = names[next];
        // The last rung is the finished run, saved below with its curves.
        if (next < targets.length - 1) {
          await saveCheckpoint(ck(name), model, tok, { name, arch, from: arch, tokens: i.tokens, trainMs: Math.round(i.elapsedMs), step: i.step, flops: trainingFlops(activeParams(cfg), i.tokens) });
        }
        next++;
      }
    },
  });
  bar.done();
  const meta = { name: arch, arch, tokens: res.tokens, trainMs: Math.round(res.elapsedMs), step: res.steps, flops: trainingFlops(activeParams(cfg), res.tokens) };
  await saveCheckpoint(ck(arch), model, tok, { ...meta, curve, balance: res.balance.map((b) => ({ step: b.step, tokens: b.tokens, maxVio: b.maxVio, load: b.load })) });
  model.dispose();
  log(`${arch}: ${res.steps} steps, ${res.tokens} tokens in ${(res.elapsedMs / 1000).toFixed(0)} s, final loss ${res.finalLoss.toFixed(3)}`);
}

/** GRPO's compute in "6·N tokens": μ training passes (6N each) + old and reference log-probs and sampling (2N each). */
function grpoTokens(history, Q, G, promptLen = 7) {
  const steps = history.length;
  const rollout = (history.at(-1)?.sampledTokens ?? 0) + steps * Q * G * promptLen;
  return Math.round((rollout * (6 * GRPO.innerSteps + 2 + (GRPO.klBeta > 0 ? 2 : 0) + 2)) / 6);
}

async function runGrpo(model, label, steps, seedLabel) {
  const s = stream(seedLabel);
  const bar = progress(steps, { label: `${label} GRPO` });
  const hist = await grpoTrain(model, tok, () => {
    const p = s.next();
    return { question: p.question, answer: p.answer };
  }, { ...GRPO, steps, seed: deriveSeed(SEED, seedLabel) % 100000, onStep: (i) => bar.tick(1, `reward ${i.meanReward.toFixed(3)}, sample acc ${i.sampleAccuracy.toFixed(2)}`) });
  bar.done();
  return { hist, tokens: grpoTokens(hist, GRPO.questionsPerStep, GRPO.groupSize), ms: hist.at(-1)?.elapsedMs ?? 0 };
}

/** mini-V3 + GRPO (R1-Zero-style rule rewards) from the full mini-V3. */
async function grpoStage() {
  if (existsSync(ck("mini-V3+GRPO"))) return;
  await waitFor([ck("mini-V3")], "mini-V3+GRPO");
  await ready();
  const { model, meta } = await loadCheckpoint(ck("mini-V3"));
  const g = await runGrpo(model, "mini-V3+GRPO", B.grpoSteps, "grpo");
  const act = activeParams(MINI_V3_CONFIG);
  await saveCheckpoint(ck("mini-V3+GRPO"), model, tok, {
    name: "mini-V3+GRPO", arch: "mini-V3", from: "mini-V3", tokens: meta.tokens + g.tokens, extraTokens: g.tokens,
    trainMs: meta.trainMs + Math.round(g.ms), extraMs: Math.round(g.ms), flops: trainingFlops(act, meta.tokens + g.tokens),
    rewards: g.hist.map((h) => ({ step: h.step, meanReward: h.meanReward, sampleAccuracy: h.sampleAccuracy, usefulGroups: h.usefulGroups })),
  });
  model.dispose();
}

/** The supervised control: mini-V3 + SFT for the same extra compute (6·N·tokens) as GRPO got. */
async function sftControlStage() {
  if (existsSync(ck("mini-V3+SFT"))) return;
  await waitFor([ck("mini-V3"), ck("mini-V3+GRPO")], "mini-V3+SFT");
  await ready();
  const grpoMeta = readJSON(ck("mini-V3+GRPO")).meta;
  const { model, meta } = await loadCheckpoint(ck("mini-V3"));
  const steps = Math.max(1, Math.round(grpoMeta.extraTokens / (31 * SFT.batchSize)));
  const bar = tokenBar("mini-V3+SFT", steps * 31 * SFT.batchSize);
  // Continued training at a low constant rate (the end of the pre-training schedule), like lesson 3's control.
  const res = await trainEntrant(model, tok, sftExample(stream("sft control")), { lr: 3e-4, batchSize: 32, warmupSteps: 0, minLrRatio: 1, steps, onStep: bar.onStep });
  bar.done();
  await saveCheckpoint(ck("mini-V3+SFT"), model, tok, {
    name: "mini-V3+SFT", arch: "mini-V3", from: "mini-V3", tokens: meta.tokens + res.tokens, extraTokens: res.tokens,
    trainMs: meta.trainMs + Math.round(res.elapsedMs), extraMs: Math.round(res.elapsedMs), flops: trainingFlops(activeParams(MINI_V3_CONFIG), meta.tokens + res.tokens),
  });
  model.dispose();
}

/** mini-R1: cold start (mini-V3 after half its SFT) → GRPO → rejection sampling → SFT on own correct traces → short GRPO. */
async function miniR1Stage() {
  if (existsSync(ck("mini-R1"))) return;
  await waitFor([ck("mini-V3@1/2")], "mini-R1");
  await ready();
  const { model, meta } = await loadCheckpoint(ck("mini-V3@1/2"));
  const act = activeParams(MINI_V3_CONFIG);
  let tokens = meta.tokens;
  let ms = meta.trainMs;
  const phases = [{ phase: "cold start (mini-V3@1/2)", tokens: meta.tokens, ms: meta.trainMs }];
  const g1 = await runGrpo(model, "mini-R1 (1)", B.r1Grpo1, "r1 grpo 1");
  tokens += g1.tokens, (ms += g1.ms);
  phases.push({ phase: "GRPO", tokens: g1.tokens, ms: Math.round(g1.ms), steps: g1.hist.length });
  // Rejection sampling: the model's own traces, kept only when right and well formed.
  const t0 = performance.now();
  const s = stream("r1 rejection");
  const problems = Array.from({ length: B.rsProblems }, () => s.next());
  const prompts = problems.flatMap((p) => Array(B.rsSamples).fill(p.question));
  const gens = await generate(model, tok, prompts, { temperature: 1, maxNewTokens: 40, seed: deriveSeed(SEED, "r1 rs") % 100000 });
  const traces = [];
  let sampled = 0;
  problems.forEach((p, i) => {
    for (let j = 0; j < B.rsSamples; j++) {
      const g = gens[i * B.rsSamples + j];
      sampled += g.ids.length + 7;
      const v = verify(p, g.text);
      if (g.finished && v.correct && v.wellFormed) {
        traces.push({ prompt: p.question, completion: g.text });
        break; // one trace per problem
      }
    }
  });
  const rsMs = performance.now() - t0;
  tokens += Math.round(sampled / 3), (ms += rsMs); // sampling: 2·N per token = 6·N per 3 tokens
  phases.push({ phase: "rejection sampling", problems: B.rsProblems, samples: B.rsSamples, kept: traces.length, tokens: Math.round(sampled / 3), ms: Math.round(rsMs) });
  log(`mini-R1: rejection sampling kept ${traces.length}/${B.rsProblems} problems`);
  if (traces.length === 0) traces.push(...problems.slice(0, 8).map((p) => ({ prompt: p.question, completion: p.cot }))); // never in a trained run; keeps --quick alive
  let k = 0;
  const steps = Math.max(1, Math.round(B.r1SftTokens / (31 * SFT.batchSize)));
  const bar = tokenBar("mini-R1 SFT on own traces", steps * 31 * SFT.batchSize);
  const res = await trainEntrant(model, tok, () => traces[k++ % traces.length], { lr: 1e-3, batchSize: 32, warmupSteps: 5, minLrRatio: 0.1, steps, onStep: bar.onStep });
  bar.done();
  tokens += res.tokens, (ms += res.elapsedMs);
  phases.push({ phase: "SFT on own traces", tokens: res.tokens, ms: Math.round(res.elapsedMs), traces: traces.length });
  const g2 = await runGrpo(model, "mini-R1 (2)", B.r1Grpo2, "r1 grpo 2");
  tokens += g2.tokens, (ms += g2.ms);
  phases.push({ phase: "short GRPO", tokens: g2.tokens, ms: Math.round(g2.ms), steps: g2.hist.length });
  await saveCheckpoint(ck("mini-R1"), model, tok, { name: "mini-R1", arch: "mini-V3", from: "mini-V3@1/2", tokens, trainMs: Math.round(ms), flops: trainingFlops(act, tokens), phases });
  model.dispose();
}

/** The distillation question set (fresh training problems), shared by both students. */
function distillProblems() {
  const s = stream("distill");
  return Array.from({ length: B.distillProblems }, () => s.next());
}

async function trainStudent(name, examples, extraMeta) {
  const model = new TinyTransformer(STUDENT_CONFIG, deriveSeed(SEED, "init student"));
  let k = 0;
  const steps = Math.max(1, Math.round(B.studentTokens / (31 * SFT.batchSize)));
  const bar = tokenBar(name, steps * 31 * SFT.batchSize);
  // Both students see their examples in the same shuffled-by-stream order, cycling; same steps and batch.
  const res = await trainEntrant(model, tok, () => examples[k++ % examples.length], { ...SFT, steps, onStep: bar.onStep });
  bar.done();
  await saveCheckpoint(ck(name), model, tok, { name, arch: "student", tokens: res.tokens, trainMs: Math.round(res.elapsedMs), flops: trainingFlops(activeParams(STUDENT_CONFIG), res.tokens), examples: examples.length, ...extraMeta });
  model.dispose();
}

/** The same student on the ground-truth scratchpads of the distillation questions (same steps). */
async function studentGtStage() {
  if (existsSync(ck("student-gt"))) return;
  await ready();
  const problems = distillProblems();
  await trainStudent("student-gt", problems.map((p) => ({ prompt: p.question, completion: p.cot })), { data: "ground-truth scratchpads of the distillation questions" });
}

/** Distilled student: trained on mini-R1's correct (greedy) traces for the distillation questions. */
async function studentDistilledStage() {
  if (existsSync(ck("student-distilled"))) return;
  await waitFor([ck("mini-R1")], "student-distilled");
  await ready();
  const { model } = await loadCheckpoint(ck("mini-R1"));
  const problems = distillProblems();
  const gens = await generate(model, tok, problems.map((p) => p.question), { maxNewTokens: 40 });
  model.dispose();
  const traces = [];
  let identical = 0;
  gens.forEach((g, i) => {
    const v = verify(problems[i], g.text);
    if (g.finished && v.correct) {
      traces.push({ prompt: problems[i].question, completion: g.text });
      if (g.text === problems[i].cot) identical++;
    }
  });
  log(`student-distilled: mini-R1 got ${traces.length}/${problems.length} distillation questions right (${identical} traces identical to the ground-truth scratchpad)`);
  if (traces.length === 0) traces.push(...problems.slice(0, 8).map((p) => ({ prompt: p.question, completion: p.cot }))); // untrained teacher in --quick
  await trainStudent("student-distilled", traces, { data: "mini-R1's correct greedy traces", teacherCorrect: traces.length, teacherAsked: problems.length, identicalToGroundTruth: identical });
}

/** Greedy answers of one checkpoint on the held-out set (and the validation set). */
async function evalStage(name) {
  if (existsSync(ev(name))) return;
  await waitFor([ck(name)], `eval ${name}`);
  await ready();
  const { model } = await loadCheckpoint(ck(name));
  const t0 = performance.now();
  const gens = await generate(model, tok, heldOut.map((p) => p.question), { maxNewTokens: 40, maxBatch: 250 });
  const secs = (performance.now() - t0) / 1000;
  const val = validationSet();
  const vg = await generate(model, tok, val.map((p) => p.question), { maxNewTokens: 40, maxBatch: 250 });
  model.dispose();
  const tokens = gens.reduce((s, g) => s + g.ids.length, 0);
  const correct = gens.map((g, i) => verify(heldOut[i], g.text).correct);
  const out = {
    name,
    correct,
    outputs: gens.map((g) => g.text),
    tokensPerAnswer: tokens / gens.length,
    decodeTokensPerSec: tokens / secs,
    wellFormed: gens.filter((g, i) => verify(heldOut[i], g.text).wellFormed).length / gens.length,
    validationAccuracy: vg.filter((g, i) => verify(val[i], g.text).correct).length / val.length,
  };
  writeJSON(ev(name), out);
  log(`eval ${name}: ${correct.filter(Boolean).length}/${heldOut.length} right, ${out.tokensPerAnswer.toFixed(1)} tokens/answer, ${Math.round(out.decodeTokensPerSec)} tok/s`);
}

/** When this work folder's run first started (written once; a resumed run keeps it). */
function startedAt(now) {
  const f = join(WORK, "started.json");
  if (!existsSync(f)) writeJSON(f, { at: now, iso: new Date(now).toISOString(), seed: SEED });
  return readJSON(f).at;
}

function validationSet() {
  const s = stream("validation");
  return Array.from({ length: B.validation }, () => s.next());
}

// ---------------------------------------------------------------- the entrants and lanes
const ENTRANT_ORDER = [
  "dense@1/8", "dense@1/4", "dense@1/2", "dense",
  "mini-V3@1/8", "mini-V3@1/4", "mini-V3@1/2", "mini-V3",
  "mini-V3+GRPO", "mini-V3+SFT", "mini-R1", "student-distilled", "student-gt",
];
const SC_KS = [1, 4, 16];

const LANES = {
  A: [() => sftLadder("dense"), ...["dense@1/8", "dense@1/4", "dense@1/2", "dense"].map((n) => () => evalStage(n)), studentGtStage, () => evalStage("student-gt"), sftControlStage, () => evalStage("mini-V3+SFT"), studentDistilledStage, () => evalStage("student-distilled")],
  B: [() => sftLadder("mini-V3"), ...["mini-V3@1/8", "mini-V3@1/4", "mini-V3@1/2", "mini-V3"].map((n) => () => evalStage(n)), grpoStage, () => evalStage("mini-V3+GRPO"), miniR1Stage, () => evalStage("mini-R1")],
};

async function runLane(lane) {
  for (const stage of LANES[lane]) await stage();
}

function spawnLane(lane) {
  return new Promise((resolveP, reject) => {
    const argv = [process.argv[1], ...process.argv.slice(2), "--lane", lane, "--work", WORK];
    const child = spawn(process.execPath, argv, { stdio: "inherit", env: process.env });
    child.on("exit", (code) => (code === 0 ? resolveP() : reject(new Error(`lane ${lane} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------- self-consistency, battles, ratings
function archOf(meta) {
  return meta.arch === "dense" ? DENSE_CONFIG : meta.arch === "mini-V3" ? MINI_V3_CONFIG : STUDENT_CONFIG;
}

function kindOf(name) {
  if (name === "dense") return "dense";
  if (name === "mini-V3") return "mini-V3";
  if (name.includes("@")) return "ladder";
  return { "mini-V3+GRPO": "grpo", "mini-V3+SFT": "sft-control", "mini-R1": "mini-R1", "student-distilled": "distilled", "student-gt": "student-gt" }[name];
}

async function finalStage(t0) {
  await ready();
  const metas = Object.fromEntries(ENTRANT_ORDER.map((n) => [n, readJSON(ck(n)).meta]));
  const evals = Object.fromEntries(ENTRANT_ORDER.map((n) => [n, readJSON(ev(n))]));
  // The best model by VALIDATION accuracy (never the held-out set), then self-consistency on it.
  const best = [...ENTRANT_ORDER].sort((a, b) => evals[b].validationAccuracy - evals[a].validationAccuracy || ENTRANT_ORDER.indexOf(a) - ENTRANT_ORDER.indexOf(b))[0];
  const scFile = side(`sc-${safe(best)}`);
  if (!existsSync(scFile)) {
    const { model } = await loadCheckpoint(ck(best));
    const bar = progress(heldOut.length, { label: `self-consistency (${best}, ${B.scK} samples)` });
    const pool = [];
    const chunk = 50;
    for (let s = 0; s < heldOut.length; s += chunk) {
      const part = heldOut.slice(s, s + chunk);
      const prompts = part.flatMap((p) => Array(B.scK).fill(p.question));
      const gens = await generate(model, tok, prompts, { temperature: SC_TEMPERATURE, maxNewTokens: 40, seed: deriveSeed(SEED, "sc") % 100000 + s * B.scK });
      part.forEach((_, i) => pool.push(gens.slice(i * B.scK, (i + 1) * B.scK).map((g) => ({ answer: extractAnswer(g.text), tokens: g.ids.length }))));
      bar.tick(part.length);
    }
    bar.done();
    model.dispose();
    writeJSON(scFile, { best, temperature: SC_TEMPERATURE, pool });
  }
  const sc = readJSON(scFile);
  const names = [...ENTRANT_ORDER];
  const correct = ENTRANT_ORDER.map((n) => evals[n].correct);
  const scRows = SC_KS.map((k) => {
    const right = sc.pool.map((samples, i) => majorityVote(samples.slice(0, k).map((x) => x.answer)).answer === heldOut[i].answer);
    const tokens = sc.pool.reduce((s, samples) => s + samples.slice(0, k).reduce((t, x) => t + x.tokens, 0), 0) / sc.pool.length;
    return { name: `sc@${k}`, k, right, tokens };
  });
  for (const r of scRows) names.push(r.name), correct.push(r.right);
  const battles = buildBattles(names, correct, heldOut.map((p) => p.question));
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "battles.csv"), battlesToCsv(battles));
  const ratings = new Map(rateEntrants(battles).map((r) => [r.name, r]));
  const entrant = (name, kind, meta, e, extra) => {
    const cfg = archOf(meta);
    const right = (extra.right ?? e.correct).filter(Boolean).length;
    const ci = wilsonInterval(right, heldOut.length);
    const r = ratings.get(name);
    return {
      name, kind, totalParams: totalParams(cfg), activeParams: activeParams(cfg), trainFlops: meta.flops, trainSeconds: meta.trainMs / 1000,
      kvElementsPerToken: kvElementsPerToken(cfg), tokensPerAnswer: extra.tokensPerAnswer ?? e.tokensPerAnswer,
      accuracy: ci.p, accuracyLow: ci.lo, accuracyHigh: ci.hi, elo: r.elo, eloLow: r.eloLow, eloHigh: r.eloHigh,
      rank: r.rank, arch: meta.arch, trainTokens: meta.tokens, kvBytesPerToken: 4 * kvElementsPerToken(cfg),
      decodeTokensPerSec: e.decodeTokensPerSec, correct: right, validationAccuracy: e.validationAccuracy, wellFormed: e.wellFormed,
      ...(meta.from ? { from: meta.from } : {}), ...extra.more,
    };
  };
  const entrants = ENTRANT_ORDER.map((n) => entrant(n, kindOf(n), metas[n], evals[n], {}));
  for (const r of scRows) {
    entrants.push(entrant(r.name, "self-consistency", { ...metas[best], from: best }, evals[best], { right: r.right, tokensPerAnswer: r.tokens, more: { k: r.k, notes: `majority of the first ${r.k} of ${B.scK} samples at temperature ${SC_TEMPERATURE}; base chosen by validation accuracy` } }));
  }
  const byName = Object.fromEntries(entrants.map((e) => [e.name, e]));
  const results = {
    command: QUICK
      ? `PROVISIONAL (tiny --quick budgets; not the lesson's results): node scripts/capstone.mjs ${process.argv.slice(2).filter((a) => a !== "--lane").join(" ")}`.trim()
      : `npm run build && node scripts/capstone.mjs${args.jobs ? ` --jobs ${args.jobs}` : ""}`,
    seeds: [SEED],
    heldOut: heldOut.length,
    entrants,
    generated: new Date().toISOString(),
    machine: process.env.CAPSTONE_MACHINE ?? `${cpus().length}-core ${process.arch}, wasm backend (single-threaded per process), Node ${process.versions.node}`,
    // From the first start of this work folder (a resumed run counts its pauses too) to now.
    wallSeconds: Math.round((Date.now() - startedAt(t0)) / 1000),
    ...(args.note ? { notes: args.note } : {}),
    rating: { ...CAPSTONE_RATING },
    budgets: { ...B, sftLr: SFT.lr, batchSize: SFT.batchSize, grpo: GRPO, scTemperature: SC_TEMPERATURE },
    curves: {
      maxVio: metas["mini-V3"].balance?.map((b) => ({ step: b.step, tokens: b.tokens, maxVio: b.maxVio })) ?? [],
      loss: { dense: metas.dense.curve ?? [], "mini-V3": metas["mini-V3"].curve ?? [] },
      grpoRewards: metas["mini-V3+GRPO"].rewards ?? [],
      miniR1Phases: metas["mini-R1"].phases ?? [],
      selfConsistency: scRows.map((r) => ({ k: r.k, accuracy: byName[r.name].accuracy, tokensPerAnswer: r.tokens })),
    },
    findings: {
      bestModel: best,
      denseVsMiniV3: { activeParams: [byName.dense.activeParams, byName["mini-V3"].activeParams], totalParams: [byName.dense.totalParams, byName["mini-V3"].totalParams], accuracy: [byName.dense.accuracy, byName["mini-V3"].accuracy], elo: [byName.dense.elo, byName["mini-V3"].elo], trainSeconds: [byName.dense.trainSeconds, byName["mini-V3"].trainSeconds] },
      distillation: { distilled: byName["student-distilled"].accuracy, groundTruth: byName["student-gt"].accuracy, teacherCorrect: metas["student-distilled"].teacherCorrect, teacherAsked: metas["student-distilled"].teacherAsked, identicalToGroundTruth: metas["student-distilled"].identicalToGroundTruth, tokens: [metas["student-distilled"].tokens, metas["student-gt"].tokens] },
    },
  };
  if (args["seed-check"]) results.findings.seedCheck = seedCheck(resolve(args["seed-check"]));
  writeFileSync(join(OUT, "results.json"), JSON.stringify(results, null, 1) + "\n");
  log(`wrote ${join(OUT, "battles.csv")} (${battles.length} battles) and results.json`);
  const rows = [...entrants].sort((a, b) => b.elo - a.elo);
  for (const e of rows) {
    log(`${e.name.padEnd(18)} acc ${e.accuracy.toFixed(3)} [${e.accuracyLow.toFixed(3)}, ${e.accuracyHigh.toFixed(3)}]  Elo ${e.elo.toFixed(0)} [${e.eloLow.toFixed(0)}, ${e.eloHigh.toFixed(0)}]  FLOPs ${e.trainFlops.toExponential(2)}  ${e.trainSeconds.toFixed(0)} s`);
  }
}

/** Another seed's dense and mini-V3, evaluated on the same held-out set (not in the arena). */
function seedCheck(dir) {
  const out = {};
  for (const name of ["dense", "mini-V3"]) {
    const meta = readJSON(join(dir, "ckpt", `${safe(name)}.json`)).meta;
    const e = readJSON(join(dir, "eval", `${safe(name)}.json`));
    const ci = wilsonInterval(e.correct.filter(Boolean).length, e.correct.length);
    out[name] = { accuracy: ci.p, accuracyLow: ci.lo, accuracyHigh: ci.hi, trainTokens: meta.tokens, trainSeconds: meta.trainMs / 1000, finalLoss: meta.curve?.at(-1)?.loss };
  }
  const seed = existsSync(join(dir, "started.json")) ? readJSON(join(dir, "started.json")).seed ?? null : null;
  const rel = dir.startsWith(ROOT) ? dir.slice(ROOT.length + 1) : dir;
  const check = { seed, ...out, command: `node scripts/capstone.mjs --seed ${seed ?? "N"} --work ${rel} --stage dense,eval:dense,mini-V3,eval:mini-V3` };
  // When the whole arena was also run with that seed (--seed N --work DIR --out DIR), its leaderboard too.
  const arena = join(dir, "results.json");
  if (existsSync(arena)) {
    const r = readJSON(arena);
    check.arena = {
      command: `node scripts/capstone.mjs --seed ${seed ?? "N"} --work ${rel} --out ${rel}`,
      entrants: r.entrants.map((e) => ({ name: e.name, accuracy: e.accuracy, accuracyLow: e.accuracyLow, accuracyHigh: e.accuracyHigh, elo: e.elo, eloLow: e.eloLow, eloHigh: e.eloHigh, trainFlops: e.trainFlops })),
      findings: r.findings,
    };
  }
  return check;
}

// ---------------------------------------------------------------- main
const STAGES = {
  dense: () => sftLadder("dense"), "mini-V3": () => sftLadder("mini-V3"), "mini-V3+GRPO": grpoStage, "mini-V3+SFT": sftControlStage,
  "mini-R1": miniR1Stage, "student-gt": studentGtStage, "student-distilled": studentDistilledStage,
};
if (args.stage) {
  mkdirSync(WORK, { recursive: true });
  startedAt(Date.now());
  for (const name of args.stage.split(",")) {
    if (name.startsWith("eval:")) await evalStage(name.slice(5));
    else if (STAGES[name]) await STAGES[name]();
    else throw new Error(`capstone: unknown stage ${JSON.stringify(name)}; known: ${Object.keys(STAGES).join(", ")}, eval:<entrant>`);
  }
} else if (args.lane) {
  await runLane(args.lane);
} else {
  const t0 = Date.now();
  mkdirSync(WORK, { recursive: true });
  startedAt(t0);
  log(`capstone: ${QUICK ? "QUICK " : ""}run in ${WORK} → ${OUT}, ${JOBS} process(es), held-out ${heldOut.length}`);
  if (JOBS >= 2) await Promise.all([spawnLane("A"), spawnLane("B")]);
  else {
    // One process: the mini-V3 lane first (the other lane waits on its outputs).
    await runLane("B");
    await runLane("A");
  }
  await finalStage(t0);
  log(`capstone: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
