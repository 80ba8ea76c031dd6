// `npm run bench -- backends`: the same four workloads on every backend that loads here, with
// ratios to wasm (the CPU default) measured in the same run:
//   - matmul GFLOP/s (n×n·n×n float32, including the read-back),
//   - one MLA decode step (naive and absorbed) against a cache of `context` tokens
//     (lib/attention/timing.ts `timeDecodeStep`),
//   - one MoE layer forward by sparse dispatch (lib/moe `moeForward`: route, read indices, run
//     each expert on its own tokens),
//   - one training step of the tiny transformer (lib/model: forward, backward, AdamW, loss read).
// A software WebGPU adapter (SwiftShader; listed only when SEEKLAB_BACKEND=webgpu) runs the
// "small" shapes, and wasm runs them too so that its ratio compares like with like.
// scripts/device-check.mjs imports `benchBackends` to run the same thing on a real GPU, where
// WebGPU also gets larger matmuls ("gpu" sizes).
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import {
  AdamW,
  CharTokenizer,
  TinyTransformer,
  availableBackends,
  disposeMoEWeights,
  encodeBatch,
  initBackend,
  initMLAWeights,
  initMoEWeights,
  maskedCrossEntropy,
  matmulGflops,
  moeForward,
  Rng,
  timeDecodeStep,
  timeIt,
  useExplicitTransposeMatMulGrad,
} from "seeklab";

/** Workload shapes. "full" on wasm, cpu and real GPUs; "small" on software WebGPU. */
export const SHAPES = {
  full: {
    matmul: [512, 1024],
    mla: { dModel: 256, nHeads: 8, qLoraRank: 96, kvLoraRank: 64, qkNopeHeadDim: 32, qkRopeHeadDim: 16, vHeadDim: 32, context: 512 },
    moe: { tokens: 256, dModel: 128, ffnHidden: 64, nExperts: 16, topK: 2 },
    train: { batch: 16, dModel: 64, nLayers: 2, nHeads: 4, ffnHidden: 128 },
  },
  small: {
    matmul: [128, 256],
    mla: { dModel: 64, nHeads: 2, qLoraRank: 32, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 8, vHeadDim: 16, context: 64 },
    moe: { tokens: 32, dModel: 32, ffnHidden: 16, nExperts: 8, topK: 2 },
    train: { batch: 4, dModel: 32, nLayers: 1, nHeads: 2, ffnHidden: 64 },
  },
};

/** Extra matmul sizes measured on a real GPU only (the CPU backends would take minutes). */
export const GPU_MATMUL_EXTRA = [2048, 4096];

const STEPS = 8; // decode steps timed per layer
const WARMUP = 2;

function mlaConfig(s) {
  const { context, ...cfg } = s;
  return { ...cfg, maxSeqLen: context + STEPS + WARMUP };
}

/** Seeded arithmetic examples ("47*83=" → "3901") for the training step. */
export function arithmeticExamples(n, seed) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const a = rng.intBetween(10, 99);
    const b = rng.intBetween(10, 99);
    return { prompt: `${a}*${b}=`, completion: String(a * b) };
  });
}

/**
 * A tiny transformer, a fixed batch and an optimizer: `step()` runs forward, backward and one
 * AdamW update and resolves to the batch's loss (read back, so asynchronous backends are timed
 * honestly). The same seed gives the same weights and batch on every backend.
 */
export function makeTrainStep(s, seed = 1) {
  useExplicitTransposeMatMulGrad(); // what initBackend installs on wasm: identical gradient, faster there
  const tok = new CharTokenizer();
  const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: s.dModel, nLayers: s.nLayers, nHeads: s.nHeads, ffnHidden: s.ffnHidden, maxSeqLen: 32 }, seed);
  const enc = encodeBatch(tok, arithmeticExamples(s.batch, seed));
  const inputs = tf.tensor2d(enc.inputs, [enc.batch, enc.seq], "int32");
  const targets = tf.tensor2d(enc.targets, [enc.batch, enc.seq], "int32");
  const mask = tf.tensor2d(enc.mask, [enc.batch, enc.seq], "float32");
  const vars = model.trainableVariables();
  const opt = new AdamW(vars);
  const lossOf = () => maskedCrossEntropy(model.forward(inputs), targets, mask);
  return {
    tokens: enc.tokens,
    params: model.paramCount,
    /** The loss at the current weights, without a step. */
    async loss() {
      const l = tf.tidy(lossOf);
      const v = (await l.data())[0];
      l.dispose();
      return v;
    },
    /** One training step; resolves to the loss before the update. */
    async step(lr = 1e-3) {
      const { value, grads } = tf.variableGrads(lossOf, vars);
      opt.step(grads, lr);
      tf.dispose(grads);
      const v = (await value.data())[0];
      value.dispose();
      return v;
    },
    dispose() {
      tf.dispose([inputs, targets, mask]);
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * Time every workload on the active backend with shapes `s`. Rows: { workload, shape, ms, rate, unit }.
 * @param opts.quick fewer timed runs (software WebGPU, where each op costs milliseconds)
 * @param opts.extraMatmul more matmul sizes (real GPUs)
 */
export async function benchActive(s, opts = {}) {
  const log = opts.log ?? (() => {});
  const slow = tf.getBackend() === "cpu"; // pure JS: one timed run of the big products is enough
  const quick = opts.quick ?? false;
  const budget = (ms) => (quick ? { minMs: 0, warmup: 1, minRuns: 2 } : { minMs: slow ? ms / 2 : ms, warmup: 2, minRuns: 3 });
  const steps = quick ? 3 : STEPS;
  const rows = [];
  const sizes = [...s.matmul, ...(opts.extraMatmul ?? [])];
  for (const n of sizes) {
    const r = await matmulGflops(n, { minMs: quick || (slow && n >= 1024) ? 0 : 300 });
    rows.push({ workload: "matmul", shape: `${n}³`, ms: r.medianMs, rate: r.gflops, unit: "GFLOP/s" });
    log(`matmul ${n}: ${r.gflops.toFixed(2)} GFLOP/s`);
  }

  const cfg = mlaConfig(s.mla);
  const w = initMLAWeights(cfg, 1);
  try {
    for (const mode of ["naive", "absorbed"]) {
      const layer = { kind: "mla", mode, cfg, weights: w };
      await timeDecodeStep(layer, 8, { steps: 1, warmup: 1 }); // compile shaders / allocate once
      const t = await timeDecodeStep(layer, s.mla.context, { steps, warmup: quick ? 1 : WARMUP });
      rows.push({ workload: `MLA decode step (${mode})`, shape: `d${cfg.dModel} h${cfg.nHeads} ctx${s.mla.context}`, ms: t.minMs, rate: 1000 / t.minMs, unit: "tokens/s" });
      log(`MLA ${mode} decode @${s.mla.context}: ${t.minMs.toFixed(2)} ms`);
    }
  } finally {
    for (const t of Object.values(w)) t?.dispose();
  }

  const m = s.moe;
  const mw = initMoEWeights(m.dModel, m.ffnHidden, m.nExperts, 1, { withBias: true });
  const x = tf.tensor2d(new Rng(2).normals(m.tokens * m.dModel), [m.tokens, m.dModel]);
  try {
    const gate = { nExperts: m.nExperts, topK: m.topK, scoreFunc: "sigmoid" };
    const t = await timeIt(async () => {
      const y = await moeForward(x, mw, gate);
      await y.data();
      y.dispose();
    }, budget(400));
    rows.push({ workload: "MoE layer forward (sparse)", shape: `${m.tokens} tok, d${m.dModel}, E${m.nExperts} k${m.topK}`, ms: t.medianMs, rate: (m.tokens / t.medianMs) * 1000, unit: "tokens/s" });
    log(`MoE forward: ${t.medianMs.toFixed(2)} ms`);
  } finally {
    x.dispose();
    disposeMoEWeights(mw);
  }

  const tr = makeTrainStep(s.train);
  try {
    const t = await timeIt(() => tr.step(), budget(500));
    rows.push({
      workload: "training step (fwd+bwd+AdamW)",
      shape: `${(tr.params / 1000).toFixed(0)}k params, ${tr.tokens} tok`,
      ms: t.medianMs,
      rate: (tr.tokens / t.medianMs) * 1000,
      unit: "tokens/s",
    });
    log(`training step: ${t.medianMs.toFixed(2)} ms`);
  } finally {
    tr.dispose();
  }
  return rows;
}

const ROW = "@@backends-row ";
const INFO = "@@backends-info ";

/**
 * Child-process entry: `node bench/backends.mjs --child <backend> [gpuExtra,...] [--small]`.
 * One process per backend, because re-activating WebGPU after another backend in the same
 * process starts a second Dawn instance, which crashed SwiftShader here (see the header of
 * scripts/device-check.mjs); a crash then also costs one backend's rows, not the whole run.
 */
async function child(argv) {
  const name = argv[0];
  const small = argv.includes("--small");
  const extra = (argv.find((a) => /^\d+(,\d+)*$/.test(a)) ?? "").split(",").filter(Boolean).map(Number);
  const info = await initBackend(name, { quiet: true });
  const software = name === "webgpu" && info.accelerator !== "webgpu";
  const shapes = small || software ? "small" : "full";
  console.log(INFO + JSON.stringify({ ...info, software, shapes }));
  const rows = await benchActive(SHAPES[shapes], { log: (m) => console.log(m), extraMatmul: software ? [] : extra, quick: software });
  for (const r of rows) console.log(ROW + JSON.stringify({ backend: name, shapes, ...r }));
}

function runChild(args, log) {
  return new Promise((resolve) => {
    const script = fileURLToPath(import.meta.url);
    const p = spawn(process.execPath, [script, "--child", ...args], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const rows = [];
    let info;
    let buf = "";
    let tail = "";
    const onLine = (line) => {
      if (line.startsWith(ROW)) rows.push(JSON.parse(line.slice(ROW.length)));
      else if (line.startsWith(INFO)) info = JSON.parse(line.slice(INFO.length));
      else if (line.trim()) log(line);
    };
    p.stdout.on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      lines.forEach(onLine);
    });
    p.stderr.on("data", (d) => {
      tail = (tail + d).slice(-2000);
    });
    p.on("close", (code, signal) => {
      if (buf) onLine(buf);
      const error = code === 0 ? undefined : `exit ${code ?? signal}: ${tail.trim().split("\n").slice(-3).join(" | ")}`;
      resolve({ rows, info, error });
    });
  });
}

/**
 * Every loadable backend (or `opts.backends`), each in its own process, with ratios to wasm at
 * the same shapes. Software WebGPU runs the small shapes (and then wasm runs them too).
 * @param opts.gpuExtra extra matmul sizes for a real GPU backend (webgpu, tensorflow)
 * @returns { rows, backends: [{ name, detail, shapes, error? }] }
 */
export async function benchBackendsDetailed(opts = {}) {
  const log = opts.log ?? (() => {});
  const names = opts.backends ?? (await availableBackends());
  const rows = [];
  const backends = [];
  const queue = names.map((name) => ({ name, args: [name] }));
  let wantSmallWasm = false;
  while (queue.length) {
    const { name, args } = queue.shift();
    const gpu = name === "webgpu" || name === "tensorflow";
    const t0 = performance.now();
    const r = await runChild(gpu && opts.gpuExtra?.length ? [...args, opts.gpuExtra.join(",")] : args, (m) => log(`${name}: ${m}`));
    const seconds = (performance.now() - t0) / 1000;
    log(`${name}: ${r.info?.detail ?? ""} (${r.info?.shapes ?? "?"} shapes) ${seconds.toFixed(1)} s${r.error ? ` — FAILED ${r.error}` : ""}`);
    backends.push({ name, detail: r.info?.detail, accelerator: r.info?.accelerator, shapes: r.info?.shapes, seconds, ...(r.error ? { error: r.error } : {}) });
    rows.push(...r.rows);
    if (r.error) rows.push({ backend: name, shapes: r.info?.shapes ?? "", workload: "(failed)", shape: "", ms: NaN, rate: NaN, unit: r.error.slice(0, 120) });
    if (r.info?.software && names.includes("wasm") && !wantSmallWasm) {
      wantSmallWasm = true;
      queue.push({ name: "wasm", args: ["wasm", "--small"] });
    }
  }
  const wasm = new Map(rows.filter((r) => r.backend === "wasm").map((r) => [`${r.workload}|${r.shape}`, r.rate]));
  for (const r of rows) {
    const ref = wasm.get(`${r.workload}|${r.shape}`);
    r.vsWasm = ref && Number.isFinite(r.rate) ? r.rate / ref : "n/a";
  }
  return { rows, backends };
}

export async function benchBackends(opts = {}) {
  return (await benchBackendsDetailed(opts)).rows;
}

export default {
  name: "backends",
  description: "matmul GFLOP/s, MLA decode step, MoE layer forward and one training step on every loadable backend (one process each); ratio to wasm at the same shapes",
  async run(ctx) {
    return benchBackends({ log: ctx.log });
  },
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === "--child") {
  child(process.argv.slice(3)).catch((e) => {
    console.log(`benchmark failed: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}
