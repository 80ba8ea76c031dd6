/**
 * The roofline model: an operation does `flops` arithmetic and moves `bytes` to and from memory;
 * its arithmetic intensity is flops / bytes. A GPU can sustain at most
 *   attainable = min(peak FLOPS, intensity · memory bandwidth),
 * so an operation is memory-bound below the GPU's ridge point (peak / bandwidth, in FLOPs per
 * byte) and compute-bound above it (Williams, Waterman & Patterson 2009, "Roofline", CACM 52(4)).
 * Helpers build real operations: a matmul, one decode step of attention (MHA/GQA/MQA vs MLA,
 * bytes from the KV-cache accounting in lib/attention/memory.ts), and a MoE layer's expert matmuls
 * at a given batch.
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb ("The roofline").
 */
import { kvCacheElementsPerToken, type AttentionKind, type ModelShape } from "../attention/memory.js";
import { requireInteger, requirePositive } from "./validate.js";

/** An operation as the roofline sees it. */
export interface Operation {
  name: string;
  flops: number;
  bytes: number;
}

/** The two numbers of a GPU the roofline needs (dense peak at the precision in use, HBM bandwidth). */
export interface RooflineMachine {
  peakTFLOPS: number;
  bandwidthTBps: number;
}

/** FLOPs per byte moved. */
export function arithmeticIntensity(op: Operation): number {
  requirePositive("arithmeticIntensity", "flops", op.flops);
  requirePositive("arithmeticIntensity", "bytes", op.bytes);
  return op.flops / op.bytes;
}

/** The intensity (FLOPs/byte) at which memory and compute take equal time: peak / bandwidth. */
export function ridgePoint(machine: RooflineMachine): number {
  requirePositive("ridgePoint", "peakTFLOPS", machine.peakTFLOPS);
  requirePositive("ridgePoint", "bandwidthTBps", machine.bandwidthTBps);
  return machine.peakTFLOPS / machine.bandwidthTBps;  // (1e12 FLOP/s) / (1e12 B/s) = FLOP/B
}

/** min(peak, intensity · bandwidth), in TFLOPS. */
export function attainableTFLOPS(intensity: number, machine: RooflineMachine): number {
  requirePositive("attainableTFLOPS", "intensity", intensity);
  ridgePoint(machine);  // validates the machine
  return Math.min(machine.peakTFLOPS, intensity * machine.bandwidthTBps);
}

/** Where an operation lands on a GPU's roofline. */
export interface RooflinePoint {
  name: string;
  flops: number;
  bytes: number;
  intensity: number;
  ridge: number;
  attainableTFLOPS: number;
  bound: "memory" | "compute";
  /** Lower bound on run time: max(flops / peak, bytes / bandwidth), seconds. */
  seconds: number;
  /** attainable / peak. */
  fractionOfPeak: number;
}

/** Places `op` on `machine`'s roofline. At exactly the ridge it is called compute-bound. */
export function roofline(op: Operation, machine: RooflineMachine): RooflinePoint {
  const intensity = arithmeticIntensity(op);
  const ridge = ridgePoint(machine);
  const att = attainableTFLOPS(intensity, machine);
  const seconds = Math.max(op.flops / (machine.peakTFLOPS * 1e12), op.bytes / (machine.bandwidthTBps * 1e12));
  return {
    name: op.name, flops: op.flops, bytes: op.bytes, intensity, ridge, attainableTFLOPS: att,
    bound: intensity < ridge ? "memory" : "compute", seconds, fractionOfPeak: att / machine.peakTFLOPS,
  };
}

/**
 * x [m, k] · W [k, n]: 2·m·k·n FLOPs (a multiply and an add per term); reads both inputs and writes
 * the output once: (m·k + k·n + m·n) · bytesPerElement bytes (the ideal, perfectly-cached case).
 */
export function matmulOp(m: number, k: number, n: number, opts: { bytesPerElement?: number; name?: string } = {}): Operation {
  requireInteger("matmulOp", "m", m);
  requireInteger("matmulOp", "k", k);
  requireInteger("matmulOp", "n", n);
  const b = opts.bytesPerElement ?? 2;
  requirePositive("matmulOp", "bytesPerElement", b);
  return { name: opts.name ?? `matmul ${m}×${k}·${k}×${n}`, flops: 2 * m * k * n, bytes: (m * k + k * n + m * n) * b };
}

/**
 * Attention FLOPs for ONE new query token against `contextLen` cached tokens, one layer, one sequence.
 * MHA/GQA/MQA: every query head scores every key (2·headDim) and sums values (2·headDim):
 *   2 · nHeads · contextLen · 2·headDim  (sharing K/V between heads saves memory, not arithmetic).
 * MLA in the absorbed form (DeepSeek-V2 section 2.1.3; W_UK folded into the query, W_UV into the
 * output): each head scores the cached latent+rope vector (kvLoraRank + qkRopeHeadDim numbers) and
 * sums the latents (kvLoraRank): 2 · nHeads · contextLen · (2·kvLoraRank + qkRopeHeadDim).
 */
export function attentionDecodeFlopsPerLayer(kind: AttentionKind, shape: ModelShape, contextLen: number): number {
  requireInteger("attentionDecodeFlopsPerLayer", "contextLen", contextLen);
  if (kind === "mla") {
    const r = shape.kvLoraRank, rope = shape.qkRopeHeadDim;
    if (!r || !rope) throw new Error("attentionDecodeFlopsPerLayer: MLA needs kvLoraRank and qkRopeHeadDim");
    return 2 * shape.nHeads * contextLen * (2 * r + rope);
  }
  return 2 * shape.nHeads * contextLen * 2 * shape.headDim;
}

/**
 * One decode step's attention over all layers for `batch` sequences of `contextLen` cached tokens:
 * bytes = the KV cache read once (kvCacheElementsPerToken from lib/attention/memory.ts), FLOPs as
 * in attentionDecodeFlopsPerLayer. Each sequence reads its own cache, so batching does not raise
 * the intensity: decode attention stays where the cache format puts it.
 */
export function attentionDecodeOp(kind: AttentionKind, shape: ModelShape, contextLen: number,
  opts: { batch?: number; bytesPerElement?: number; name?: string } = {}): Operation {
  const batch = opts.batch ?? 1;
  requireInteger("attentionDecodeOp", "batch", batch);
  const b = opts.bytesPerElement ?? 2;
  requirePositive("attentionDecodeOp", "bytesPerElement", b);
  const flops = batch * shape.nLayers * attentionDecodeFlopsPerLayer(kind, shape, contextLen);
  const bytes = batch * contextLen * kvCacheElementsPerToken(kind, shape) * b;
  return { name: opts.name ?? `decode attention ${kind.toUpperCase()} @ ${contextLen} tokens`, flops, bytes };
}

/**
 * Expected number of distinct experts that `batchTokens` tokens touch when each picks `topK` of
 * `nExperts` (uniform, independent routing): nExperts · (1 − (1 − topK/nExperts)^batchTokens).
 */
export function expectedDistinctExperts(batchTokens: number, nExperts: number, topK: number): number {
  requireInteger("expectedDistinctExperts", "batchTokens", batchTokens);
  requireInteger("expectedDistinctExperts", "nExperts", nExperts);
  requireInteger("expectedDistinctExperts", "topK", topK);
  if (topK > nExperts) throw new Error(`expectedDistinctExperts: topK ${topK} > nExperts ${nExperts}`);
  return nExperts * (1 - Math.pow(1 - topK / nExperts, batchTokens));
}

/**
 * One MoE layer's routed-expert matmuls for a batch of tokens. Each SwiGLU expert is three matmuls
 * (w1, w3: dModel→expertFfnHidden; w2: expertFfnHidden→dModel): 6 · dModel · expertFfnHidden FLOPs per
 * token per expert, and every token uses topK experts. Bytes: the weights of every expert touched
 * (expectedDistinctExperts, each 3 · dModel · expertFfnHidden · weightBytes) plus each token's input
 * and output activations once per chosen expert.
 * At batch 1 only topK experts are read, each for one token: intensity ≈ 2 / weightBytes.
 */
export function moeExpertsOp(opts: {
  batchTokens: number; nExperts: number; topK: number; dModel: number; expertFfnHidden: number;
  weightBytes?: number; activationBytes?: number; name?: string;
}): Operation {
  const { batchTokens, nExperts, topK, dModel, expertFfnHidden } = opts;
  requireInteger("moeExpertsOp", "dModel", dModel);
  requireInteger("moeExpertsOp", "expertFfnHidden", expertFfnHidden);
  const wb = opts.weightBytes ?? 1;
  const ab = opts.activationBytes ?? 2;
  requirePositive("moeExpertsOp", "weightBytes", wb);
  requirePositive("moeExpertsOp", "activationBytes", ab);
  const touched = expectedDistinctExperts(batchTokens, nExperts, topK);
  const flops = 6 * batchTokens * topK * dModel * expertFfnHidden;
  const bytes = touched * 3 * dModel * expertFfnHidden * wb + 2 * batchTokens * topK * dModel * ab;
  return { name: opts.name ?? `MoE experts @ batch ${batchTokens}`, flops, bytes };
}
