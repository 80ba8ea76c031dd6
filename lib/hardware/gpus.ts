/**
 * The GPU table: datasets/gpus.json (every number with its source) loaded, validated and typed.
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb ("The GPU table").
 *
 * Units are in the field names (memoryGB, bandwidthTBps, bf16DenseTFLOPS, nvlinkGBps) so a number
 * can't be read in the wrong unit. Throughputs are DENSE: NVIDIA's Hopper/Blackwell datasheets
 * print 2:4-sparse figures, twice the dense ones; the JSON halves them and says so.
 */
import { loadDatasetJson } from "../data.js";

/** One GPU product. `null` means the product lacks the capability (reason in `missing`). */
export interface Gpu {
  id: string;
  name: string;
  architecture: string;
  formFactor: string;
  launchYear: number;
  memoryGB: number;
  memoryType: string;
  bandwidthTBps: number;
  bf16DenseTFLOPS: number;
  fp16DenseTFLOPS: number;
  fp8DenseTFLOPS: number | null;
  tf32DenseTFLOPS: number;
  fp32TFLOPS: number;
  fp64TFLOPS: number;
  nvlinkGBps: number;
  pcieGBps: number;
  tdpW: number;
  missing?: Record<string, string>;
  notes?: string;
  /** field name → id in the table's `sources`. */
  sources: Record<string, string>;
}

export interface GpuSource { title: string; publisher: string; url: string }

export interface GpuTable {
  description: string;
  conventions: Record<string, string>;
  sources: Record<string, GpuSource>;
  gpus: Gpu[];
}

/** The numeric fields every GPU entry must carry (a number, or null with a reason in `missing`). */
export const GPU_NUMERIC_FIELDS = [
  "launchYear", "memoryGB", "bandwidthTBps", "bf16DenseTFLOPS", "fp16DenseTFLOPS", "fp8DenseTFLOPS",
  "tf32DenseTFLOPS", "fp32TFLOPS", "fp64TFLOPS", "nvlinkGBps", "pcieGBps", "tdpW",
] as const;

const STRING_FIELDS = ["id", "name", "architecture", "formFactor", "memoryType"] as const;

/** Precision names accepted where a throughput is looked up. */
export type Precision = "bf16" | "fp16" | "fp8" | "tf32" | "fp32";

/**
 * Checks a parsed gpus.json and returns it typed; throws one error listing every problem:
 * a missing or non-numeric field without a reason, a non-positive number, a field without a
 * source, a source id that the table does not define, a duplicated id.
 */
export function validateGpuTable(json: unknown): GpuTable {
  const problems: string[] = [];
  const t = json as Partial<GpuTable> | null;
  if (t === null || typeof t !== "object") throw new Error("validateGpuTable: expected an object");
  if (typeof t.sources !== "object" || t.sources === null) problems.push("table has no 'sources' object");
  if (!Array.isArray(t.gpus) || t.gpus.length === 0) problems.push("table has no 'gpus' array");
  const sources = (t.sources ?? {}) as Record<string, GpuSource>;
  for (const [id, s] of Object.entries(sources)) {
    if (!s || typeof s.title !== "string" || typeof s.url !== "string" || !/^https?:\/\//.test(s.url)) {
      problems.push(`source '${id}' needs a title and an http(s) url`);
    }
  }
  const seen = new Set<string>();
  for (const [i, g] of (t.gpus ?? []).entries()) {
    const where = `gpus[${i}]${g && typeof g.id === "string" ? ` (${g.id})` : ""}`;
    if (!g || typeof g !== "object") { problems.push(`${where} is not an object`); continue; }
    for (const f of STRING_FIELDS) {
      if (typeof g[f] !== "string" || g[f] === "") problems.push(`${where}: '${f}' must be a non-empty string`);
    }
    if (seen.has(g.id)) problems.push(`${where}: duplicate id`);
    seen.add(g.id);
    const missing = g.missing ?? {};
    const srcs = g.sources ?? {};
    for (const f of GPU_NUMERIC_FIELDS) {
      const v = (g as unknown as Record<string, unknown>)[f];
      if (v === null || v === undefined) {
        if (typeof missing[f] !== "string" || missing[f]!.length < 10) {
          problems.push(`${where}: '${f}' is ${v === null ? "null" : "missing"} without a reason in 'missing'`);
        }
        continue;
      }
      if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
        problems.push(`${where}: '${f}' must be a positive number; got ${JSON.stringify(v)}`);
        continue;
      }
      const src = srcs[f];
      if (typeof src !== "string") problems.push(`${where}: '${f}' has no source`);
      else if (!(src in sources)) problems.push(`${where}: '${f}' cites unknown source '${src}'`);
    }
    for (const [f, src] of Object.entries(srcs)) {
      if (!(GPU_NUMERIC_FIELDS as readonly string[]).includes(f) && f !== "memoryType") {
        problems.push(`${where}: sources names unknown field '${f}'`);
      }
      if (!(src in sources)) problems.push(`${where}: '${f}' cites unknown source '${src}'`);
    }
    if (typeof g.launchYear === "number" && (g.launchYear < 2010 || g.launchYear > 2030 || !Number.isInteger(g.launchYear))) {
      problems.push(`${where}: launchYear ${g.launchYear} is not a plausible year`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`validateGpuTable: ${problems.length} problem(s):\n  - ${[...new Set(problems)].join("\n  - ")}`);
  }
  return t as GpuTable;
}

/** Reads and validates the GPU table (default: the project's datasets/gpus.json). */
export async function loadGpuTable(path?: string): Promise<GpuTable> {
  return validateGpuTable(await loadDatasetJson("gpus.json", path, "loadGpuTable"));
}

/** The GPU with this id; the error lists the ids that exist. */
export function gpuById(table: GpuTable, id: string): Gpu {
  const g = table.gpus.find((x) => x.id === id);
  if (!g) throw new Error(`gpuById: no GPU '${id}'; the table has ${table.gpus.map((x) => x.id).join(", ")}`);
  return g;
}

/** Dense peak TFLOPS of `gpu` at `precision`; throws if the GPU has no such mode (A100 and FP8). */
export function peakTFLOPS(gpu: Gpu, precision: Precision = "bf16"): number {
  const v = {
    bf16: gpu.bf16DenseTFLOPS, fp16: gpu.fp16DenseTFLOPS, fp8: gpu.fp8DenseTFLOPS,
    tf32: gpu.tf32DenseTFLOPS, fp32: gpu.fp32TFLOPS,
  }[precision];
  if (v === null || v === undefined) {
    throw new Error(`peakTFLOPS: ${gpu.id} has no ${precision} throughput` +
      (gpu.missing?.[`${precision}DenseTFLOPS`] ? ` (${gpu.missing[`${precision}DenseTFLOPS`]})` : ""));
  }
  return v;
}
