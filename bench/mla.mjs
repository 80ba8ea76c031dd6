// Decode-step latency of MLA (naive vs absorbed) against an MHA layer of the same width, for
// contexts 256…8192, each step's time against this machine's roofline bound, plus prefill tokens/s.
// Ratios are measured in the same run. Each decode cell is the fastest of ROUNDS × STEPS
// single-token steps (on a shared machine other work only ever adds time).
// The layer is DeepSeek-V3's attention shape scaled down 8× in width (V3: 128 heads, d_c = 512 =
// 4·d_h, d_h^R = d_h/2): 16 heads, dModel 1024, d_h = 64, d_h^R = 32, d_c = 256, d_c' = 384.
//
// The roofline bound of one step: max(bytes / bandwidth, FLOPs / peak), with bandwidth and peak
// measured at the start of this run (bench/roofline.mjs), bytes = every weight once + the cache
// read once, FLOPs = 2 per weight + the attention products over the context.
// Targets (issue 13): absorbed ≥ 1.5× faster than naive and faster than MHA at context 2048; every
// step within 3× of its bound.
import * as tf from "@tensorflow/tfjs";
import { initMHAWeights, initMLAWeights, timeDecodeStep, timePrefill } from "seeklab";
import { measureMachine } from "./roofline.mjs";
import { torchSideBySide } from "./helpers/torch.mjs";

const CONTEXTS = [256, 512, 1024, 2048, 4096, 8192];
const STEPS = 8;
const WARMUP = 2;
const ROUNDS = 3;
const PREFILL = 512;

function weightCount(weights) {
  return Object.values(weights).reduce((a, t) => a + (t ? t.size : 0), 0);
}

/** Bytes and FLOPs of one decode step (batch 1) attending to `t` tokens. */
function stepCost(layer, t) {
  const params = weightCount(layer.weights);
  const c = layer.cfg;
  let attnFlops;
  if (layer.kind === "mha") attnFlops = 2 * t * c.nHeads * c.headDim * 2; // scores + P·V
  else if (layer.mode === "naive") attnFlops = 2 * t * c.nHeads * (c.qkNopeHeadDim + c.qkRopeHeadDim + c.vHeadDim);
  else attnFlops = 2 * t * c.nHeads * (c.kvLoraRank + c.qkRopeHeadDim + c.kvLoraRank); // latent scores + rope scores + P·latent
  return { bytes: 4 * (params + t * layer.perToken), flops: 2 * params + attnFlops };
}

const verdict = (ok) => (ok ? "met" : "missed");

export default {
  name: "mla",
  description: "MLA decode step naive vs absorbed vs MHA (same width), contexts 256…8192, against the roofline bound; prefill tokens/s",
  async run(ctx) {
    const maxSeqLen = Math.max(...CONTEXTS) + STEPS + WARMUP;
    const mlaCfg = { dModel: 1024, nHeads: 16, qLoraRank: 384, kvLoraRank: 256, qkNopeHeadDim: 64, qkRopeHeadDim: 32, vHeadDim: 64, maxSeqLen };
    const mhaCfg = { dModel: 1024, nHeads: 16, headDim: 64, maxSeqLen };
    const mlaWeights = initMLAWeights(mlaCfg, 1);
    const layers = {
      mha: { kind: "mha", cfg: mhaCfg, weights: initMHAWeights(mhaCfg, 2) },
      naive: { kind: "mla", mode: "naive", cfg: mlaCfg, weights: mlaWeights },
      absorbed: { kind: "mla", mode: "absorbed", cfg: mlaCfg, weights: mlaWeights },
    };
    let machine = await measureMachine(ctx);
    const rows = [];
    // One untimed pass per layer first: the backend compiles/allocates on first use.
    for (const layer of Object.values(layers)) layer.perToken = (await timeDecodeStep(layer, 16, { steps: 1, warmup: 1 })).cacheElementsPerToken;
    // Interleaved rounds, keeping each cell's fastest step: interleaving spreads any slow spell
    // of the shared machine over all three layers.
    const best = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const context of CONTEXTS) {
        for (const [name, layer] of Object.entries(layers)) {
          const t = await timeDecodeStep(layer, context, { steps: STEPS, warmup: WARMUP });
          const key = `${context}/${name}`;
          best[key] = Math.min(best[key] ?? Infinity, t.minMs);
        }
      }
    }
    // The roofline again after the timings; keep the best of the two (see measureMachine).
    const again = await measureMachine(ctx);
    machine = { bandwidthGBps: Math.max(machine.bandwidthGBps, again.bandwidthGBps), peakGflops: Math.max(machine.peakGflops, again.peakGflops) };
    ctx.log(`this machine (best of two measurements): ${machine.bandwidthGBps.toFixed(1)} GB/s, ${machine.peakGflops.toFixed(1)} GFLOP/s peak (${ctx.backend.name})`);
    const overBound = {};
    for (const context of CONTEXTS) {
      const ms = Object.fromEntries(Object.keys(layers).map((name) => [name, best[`${context}/${name}`]]));
      const over = {};
      for (const [name, layer] of Object.entries(layers)) {
        const { bytes, flops } = stepCost(layer, context);
        const boundMs = Math.max(bytes / (machine.bandwidthGBps * 1e6), flops / (machine.peakGflops * 1e6));
        over[name] = ms[name] / boundMs;
      }
      overBound[context] = over;
      ctx.log(`context ${context}: MHA ${ms.mha.toFixed(2)} ms, naive ${ms.naive.toFixed(2)} ms, absorbed ${ms.absorbed.toFixed(2)} ms`);
      rows.push({
        measure: `decode step ms @ context ${context}`,
        MHA: ms.mha,
        "MLA naive": ms.naive,
        "MLA absorbed": ms.absorbed,
        "naive ÷ absorbed": ms.naive / ms.absorbed,
        "MHA ÷ absorbed": ms.mha / ms.absorbed,
        "measured ÷ bound (MHA/naive/absorbed)": `${over.mha.toFixed(2)} / ${over.naive.toFixed(2)} / ${over.absorbed.toFixed(2)}`,
      });
    }
    const tps = {};
    for (const [name, layer] of Object.entries(layers)) tps[name] = (await timePrefill(layer, PREFILL, { runs: 4 })).tokensPerSecond; // from the fastest run
    ctx.log(`prefill ${PREFILL}: ${Object.entries(tps).map(([k, v]) => `${k} ${v.toFixed(0)} tok/s`).join(", ")}`);
    rows.push({ measure: `prefill tokens/s (${PREFILL} tokens)`, MHA: tps.mha, "MLA naive": tps.naive, "MLA absorbed": tps.absorbed });
    rows.push({ measure: "cache numbers per token (this layer)", MHA: layers.mha.perToken, "MLA naive": layers.naive.perToken, "MLA absorbed": layers.absorbed.perToken });
    // Targets.
    const at = (name) => best[`2048/${name}`];
    const worst = Math.max(...CONTEXTS.flatMap((c) => Object.values(overBound[c])));
    rows.push({ measure: "target: naive ÷ absorbed ≥ 1.5 @ 2048", "naive ÷ absorbed": at("naive") / at("absorbed"), MHA: verdict(at("naive") / at("absorbed") >= 1.5) });
    rows.push({ measure: "target: MHA ÷ absorbed > 1 @ 2048", "MHA ÷ absorbed": at("mha") / at("absorbed"), MHA: verdict(at("mha") > at("absorbed")) });
    rows.push({ measure: `roofline used: ${machine.bandwidthGBps.toFixed(1)} GB/s, ${machine.peakGflops.toFixed(1)} GFLOP/s` });
    rows.push({ measure: "target: every step ≤ 3× its roofline bound", "measured ÷ bound (MHA/naive/absorbed)": `worst ${worst.toFixed(2)}`, MHA: verdict(worst <= 3) });
    // PyTorch (CPU) on the same shapes, when .venv has it (requirements-bench.txt).
    const torch = await torchSideBySide(ctx, "mla", { contexts: [1024, 2048, 4096] });
    if (torch) {
      for (const r of torch) {
        const ours = best[`${r.context}/${r.mode}`];
        rows.push({ measure: `vs PyTorch (CPU, ${r.threads} threads): ${r.mode} decode @ ${r.context}`, "SeekLab ms": ours, "PyTorch ms": r.ms, "SeekLab ÷ PyTorch (aim ≤ 3)": ours / r.ms });
      }
    }
    for (const w of [mlaWeights, layers.mha.weights]) for (const t of Object.values(w)) t?.dispose();
    return rows;
  },
};
