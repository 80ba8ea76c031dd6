/**
 * The committed GPU measurement of notebooks/01_multi_head_latent_attention.ipynb ("the same
 * comparison on a GPU"): one DeepSeek-V3 attention layer's decode step, MHA vs naive vs absorbed
 * MLA, timed in PyTorch by tests/reference/mla_gpu_timing.py. Its schema and its loader for
 * datasets/mla_decode_gpu.json.
 */
import { loadDatasetJson } from "../data.js";

/** One (batch, context) point: milliseconds per decode step for each layer. */
export interface MlaDecodeGpuRow {
  batch: number;
  context: number;
  MHA: number;
  "MLA naive": number;
  "MLA absorbed": number;
  /** Indexable by layer name, as the lesson's chart loop does. */
  [layer: string]: number;
}

export interface MlaDecodeGpuRun {
  description: string;
  generator: string;
  device: string;
  torch: string;
  date: string;
  cacheNumbersPerTokenPerLayer: Record<"MHA" | "MLA naive" | "MLA absorbed", number>;
  naiveVsAbsorbedMaxAbsDiffFloat32: number;
  rows: MlaDecodeGpuRow[];
}

/** Reads datasets/mla_decode_gpu.json (or `path`), checking that every row has all three layers. */
export async function loadMlaDecodeGpu(path?: string): Promise<MlaDecodeGpuRun> {
  const run = await loadDatasetJson<MlaDecodeGpuRun>("mla_decode_gpu.json", path, "loadMlaDecodeGpu");
  if (!Array.isArray(run.rows) || run.rows.length === 0) throw new Error(`loadMlaDecodeGpu: ${path ?? "datasets/mla_decode_gpu.json"} has no rows`);
  for (const [i, r] of run.rows.entries()) {
    for (const k of ["batch", "context", "MHA", "MLA naive", "MLA absorbed"] as const) {
      if (typeof r[k] !== "number" || !Number.isFinite(r[k])) throw new Error(`loadMlaDecodeGpu: rows[${i}].${k} must be a number; got ${JSON.stringify(r[k])}`);
    }
  }
  return run;
}
