/**
 * Training-cost arithmetic: how many FLOPs a training run takes, how many GPU-hours that is at a
 * stated model-FLOPs utilisation (MFU), what it costs at a stated rental price, and the reverse:
 * the MFU a reported GPU-hour count implies. Used to put DeepSeek-V3's "$5.576M" next to the
 * 6·N·D estimate.
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb ("Training cost").
 *
 * The 6·N·D rule (Kaplan et al. 2020, section 2.1; Hoffmann et al. 2022, section 3): a forward pass
 * costs about 2 FLOPs per parameter per token (one multiply and one add in every x·W), the backward
 * pass about twice that, so training costs ≈ 6 · N · D. For a mixture of experts N is the number of
 * parameters ACTIVE per token (37B of DeepSeek-V3's 671B), because only those do arithmetic.
 * It leaves out attention's score/value FLOPs (which grow with context length), so
 * `attentionTrainingFlopsPerToken` is offered as an explicit extra term.
 */
import { requireFraction, requireInteger, requireNonNegative, requirePositive } from "./validate.js";

/** Training FLOPs ≈ 6 · activeParams · tokens. */
export function trainingFlops(activeParams: number, tokens: number): number {
  requirePositive("trainingFlops", "activeParams", activeParams);
  requirePositive("trainingFlops", "tokens", tokens);
  return 6 * activeParams * tokens;
}

/**
 * Attention's own training FLOPs per token (not in 6·N·D): per layer and head, the scores q·k cost
 * 2·qkHeadDim FLOPs per attended key and the weighted sum of values 2·vHeadDim; with a causal mask a
 * token attends on average to about seq/2 keys; training is 3× the forward (forward + backward).
 *   3 · 2 · nLayers · nHeads · (qkHeadDim + vHeadDim) · seq · (causal ? 1/2 : 1)
 */
export function attentionTrainingFlopsPerToken(opts: {
  nLayers: number; nHeads: number; qkHeadDim: number; vHeadDim: number; seq: number; causal?: boolean;
}): number {
  const fn = "attentionTrainingFlopsPerToken";
  requireInteger(fn, "nLayers", opts.nLayers);
  requireInteger(fn, "nHeads", opts.nHeads);
  requireInteger(fn, "qkHeadDim", opts.qkHeadDim);
  requireInteger(fn, "vHeadDim", opts.vHeadDim);
  requireInteger(fn, "seq", opts.seq);
  const keysPerQuery = (opts.causal ?? true) ? opts.seq / 2 : opts.seq;
  return 3 * 2 * opts.nLayers * opts.nHeads * (opts.qkHeadDim + opts.vHeadDim) * keysPerQuery;
}

/** GPU-hours to do `flops` of work on GPUs with peak `peakTFLOPS` (dense) running at utilisation `mfu`. */
export function gpuHoursFor(flops: number, peakTFLOPS: number, mfu: number): number {
  requirePositive("gpuHoursFor", "flops", flops);
  requirePositive("gpuHoursFor", "peakTFLOPS", peakTFLOPS);
  requireFraction("gpuHoursFor", "mfu", mfu);
  return flops / (peakTFLOPS * 1e12 * mfu) / 3600;
}

/** Rental cost in dollars: gpuHours · price per GPU-hour. */
export function trainingCostUSD(gpuHours: number, pricePerGpuHourUSD: number): number {
  requireNonNegative("trainingCostUSD", "gpuHours", gpuHours);
  requireNonNegative("trainingCostUSD", "pricePerGpuHourUSD", pricePerGpuHourUSD);
  return gpuHours * pricePerGpuHourUSD;
}

/** Wall-clock days for `gpuHours` spread over `nGpus` GPUs working in parallel. */
export function wallClockDays(gpuHours: number, nGpus: number): number {
  requireNonNegative("wallClockDays", "gpuHours", gpuHours);
  requireInteger("wallClockDays", "nGpus", nGpus);
  return gpuHours / nGpus / 24;
}

/**
 * The MFU that a reported number of GPU-hours implies: useful FLOPs / (GPU-seconds · peak).
 * Throws if the answer exceeds 1 (the report and the FLOP count cannot both be right).
 */
export function impliedMfu(flops: number, gpuHours: number, peakTFLOPS: number): number {
  requirePositive("impliedMfu", "flops", flops);
  requirePositive("impliedMfu", "gpuHours", gpuHours);
  requirePositive("impliedMfu", "peakTFLOPS", peakTFLOPS);
  const mfu = flops / (gpuHours * 3600 * peakTFLOPS * 1e12);
  if (mfu > 1) {
    throw new Error(`impliedMfu: ${flops.toExponential(3)} FLOPs in ${gpuHours} GPU-hours at ${peakTFLOPS} TFLOPS ` +
      `would need MFU ${mfu.toFixed(2)} > 1: the FLOP count, the hours or the peak is wrong`);
  }
  return mfu;
}

/** One training run estimated from first principles. */
export interface TrainingEstimate {
  flops: number;
  gpuHours: number;
  costUSD: number;
  /** Present when nGpus was given. */
  days?: number;
}

/** 6·N·D (+ optional attention FLOPs per token · D) → GPU-hours at `mfu` → dollars (→ days on nGpus). */
export function estimateTraining(opts: {
  activeParams: number; tokens: number; peakTFLOPS: number; mfu: number; pricePerGpuHourUSD: number;
  nGpus?: number; extraFlopsPerToken?: number;
}): TrainingEstimate {
  const extra = opts.extraFlopsPerToken ?? 0;
  requireNonNegative("estimateTraining", "extraFlopsPerToken", extra);
  const flops = trainingFlops(opts.activeParams, opts.tokens) + extra * opts.tokens;
  const gpuHours = gpuHoursFor(flops, opts.peakTFLOPS, opts.mfu);
  const out: TrainingEstimate = { flops, gpuHours, costUSD: trainingCostUSD(gpuHours, opts.pricePerGpuHourUSD) };
  if (opts.nGpus !== undefined) out.days = wallClockDays(gpuHours, opts.nGpus);
  return out;
}

/**
 * What the DeepSeek-V3 Technical Report (arXiv 2412.19437) states about its training run.
 * Table 1: pre-training 2,664K, context extension 119K, post-training 5K, total 2,788K H800 GPU-hours;
 * "assuming the rental price of the H800 GPU is $2 per GPU hour, our total training costs amount to
 * only $5.576M", which excludes "prior research and ablation experiments". Section 1: 671B total
 * parameters, 37B activated per token, 14.8T pre-training tokens, 180K H800 GPU-hours per trillion
 * tokens, a cluster of 2,048 H800s; pre-training sequence length 4K (section 4.2). The model's
 * shape (layers, heads, head widths) is not repeated here: it comes from one source,
 * datasets/deepseek_configs.json (`loadDeepSeekConfigs()["DeepSeek-V3"]`).
 */
export const DEEPSEEK_V3_REPORTED = {
  source: "DeepSeek-V3 Technical Report, arXiv 2412.19437, section 1 and Table 1",
  gpu: "H800-SXM",
  clusterGpus: 2048,
  totalParams: 671e9,
  activeParams: 37e9,
  pretrainTokens: 14.8e12,
  gpuHours: { preTraining: 2664e3, contextExtension: 119e3, postTraining: 5e3, total: 2788e3 },
  gpuHoursPerTrillionTokens: 180e3,
  pricePerGpuHourUSD: 2,
  costUSD: { preTraining: 5.328e6, contextExtension: 0.238e6, postTraining: 0.01e6, total: 5.576e6 },
  pretrainSeq: 4096,
} as const;

/**
 * A dense reference point: Llama 3.1 405B. The Llama 3 paper (arXiv 2407.21783, section 3) trains
 * the 405B model on 15.6T tokens, about 3.8e25 FLOPs, on up to 16K H100-80GB GPUs; the Llama 3.1
 * model card (meta-llama/Llama-3.1-405B, "Training time (GPU hours)") gives 30.84M H100 GPU-hours.
 */
export const LLAMA_31_405B_REPORTED = {
  source: "The Llama 3 Herd of Models (arXiv 2407.21783), section 3; Llama 3.1 model card, training GPU hours",
  gpu: "H100-SXM",
  totalParams: 405e9,
  activeParams: 405e9,
  pretrainTokens: 15.6e12,
  reportedFlops: 3.8e25,
  gpuHours: { total: 30.84e6 },
} as const;
