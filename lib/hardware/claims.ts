/**
 * "The claims, checked": the sourced inputs under datasets/claims/ loaded, validated and typed, and
 * the small computations that turn them into verdicts.
 *
 * Taught in notebooks/05a_hardware_and_cost.ipynb ("The claims, checked"). Every number in the data
 * names a source id in datasets/claims/sources.json; a number nobody published is `null`, never
 * guessed. Prices are list prices, not what serving a token costs anyone.
 */
import { loadDatasetJson } from "../data.js";

export interface ClaimSource { title: string; publisher: string; url: string }

export interface ApiPriceRow {
  model: string;
  vendor: string;
  date: string;
  inputUSDPerM: number;
  cachedInputUSDPerM: number;
  outputUSDPerM: number;
  reasoningBilledAsOutput: boolean;
  source: string;
}

export interface RentalPoint {
  label: string;
  /** "YYYY" or "YYYY-MM". */
  date: string;
  usdPerGpuHour: number;
  bound: "about" | "above" | "below" | "assumed";
  source: string;
}

export type ComputeKind = "6ND" | "reported" | "estimate" | "lowerBound" | "unknown";

export interface ArenaComputeRow {
  model: string;
  arenaElo: number;
  arenaSource: string;
  activeParams: number | null;
  tokens: number | null;
  computeFLOP: number | null;
  computeKind: ComputeKind;
  computeSource: string | null;
  open: boolean;
  note?: string;
}

export interface Announcements {
  stargate: { totalUSD: number; years: number; immediateUSD: number; date: string; source: string };
  nvidiaH100VsA100: { trainingSpeedup: number; inferenceSpeedup: number; transformerEngineSpeedup: number; qualifier: string; source: string };
  gpt3: { params: number; tokens: number; computeFLOP: number; contextTokens: number; source: string };
  gpt4: { params: number | null; tokens: number | null; computeFLOP: number; computeKind: ComputeKind; computeSource: string;
    contextTokens: number[]; source: string; missing: Record<string, string> };
}

/** Everything under datasets/claims/, validated. */
export interface ClaimsData {
  sources: Record<string, ClaimSource>;
  apiPrices: ApiPriceRow[];
  rental: RentalPoint[];
  arena: ArenaComputeRow[];
  announcements: Announcements;
}

function fail(file: string, where: string, expected: string, got: unknown): never {
  throw new Error(`loadClaimsData(${file}): ${where} must be ${expected}; got ${JSON.stringify(got)}`);
}

function positive(file: string, where: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail(file, where, "a positive number", v);
}

function sourced(file: string, where: string, id: unknown, sources: Record<string, ClaimSource>): void {
  if (typeof id !== "string" || !(id in sources)) fail(file, where, `a source id listed in sources.json (${Object.keys(sources).length} ids)`, id);
}

/** Checks the shapes and that every number has a known source; returns the data typed. */
export function validateClaimsData(raw: { sources: unknown; apiPrices: unknown; rental: unknown; arena: unknown; announcements: unknown }): ClaimsData {
  const sources = (raw.sources as { sources?: Record<string, ClaimSource> })?.sources;
  if (!sources || typeof sources !== "object") fail("sources.json", "sources", "an object of { title, publisher, url }", raw.sources);
  for (const [id, s] of Object.entries(sources)) {
    for (const k of ["title", "publisher", "url"] as const) {
      if (typeof s?.[k] !== "string" || s[k].length === 0) fail("sources.json", `sources.${id}.${k}`, "a non-empty string", s?.[k]);
    }
  }
  const rowsOf = (file: string, v: unknown): Record<string, unknown>[] => {
    const rows = (v as { rows?: unknown })?.rows;
    if (!Array.isArray(rows) || rows.length === 0) fail(file, "rows", "a non-empty array", rows);
    return rows as Record<string, unknown>[];
  };
  const apiPrices = rowsOf("api_prices.json", raw.apiPrices);
  apiPrices.forEach((r, i) => {
    for (const k of ["inputUSDPerM", "cachedInputUSDPerM", "outputUSDPerM"]) positive("api_prices.json", `rows[${i}].${k}`, r[k]);
    sourced("api_prices.json", `rows[${i}].source`, r.source, sources);
  });
  const rental = rowsOf("gpu_rental.json", raw.rental);
  rental.forEach((r, i) => {
    positive("gpu_rental.json", `rows[${i}].usdPerGpuHour`, r.usdPerGpuHour);
    if (typeof r.date !== "string" || !/^\d{4}(-\d{2})?$/.test(r.date)) fail("gpu_rental.json", `rows[${i}].date`, '"YYYY" or "YYYY-MM"', r.date);
    if (!["about", "above", "below", "assumed"].includes(r.bound as string)) fail("gpu_rental.json", `rows[${i}].bound`, "about | above | below | assumed", r.bound);
    sourced("gpu_rental.json", `rows[${i}].source`, r.source, sources);
  });
  const arena = rowsOf("arena_compute.json", raw.arena);
  arena.forEach((r, i) => {
    positive("arena_compute.json", `rows[${i}].arenaElo`, r.arenaElo);
    sourced("arena_compute.json", `rows[${i}].arenaSource`, r.arenaSource, sources);
    const kind = r.computeKind as ComputeKind;
    if (!["6ND", "reported", "estimate", "lowerBound", "unknown"].includes(kind)) fail("arena_compute.json", `rows[${i}].computeKind`, "6ND | reported | estimate | lowerBound | unknown", kind);
    if (kind === "6ND" || kind === "lowerBound") {
      positive("arena_compute.json", `rows[${i}].activeParams`, r.activeParams);
      positive("arena_compute.json", `rows[${i}].tokens`, r.tokens);
    }
    if (kind === "reported" || kind === "estimate") positive("arena_compute.json", `rows[${i}].computeFLOP`, r.computeFLOP);
    if (kind !== "unknown") sourced("arena_compute.json", `rows[${i}].computeSource`, r.computeSource, sources);
    else if (r.computeFLOP !== null) fail("arena_compute.json", `rows[${i}].computeFLOP`, "null when computeKind is unknown", r.computeFLOP);
  });
  const a = raw.announcements as Announcements;
  positive("announcements.json", "stargate.totalUSD", a?.stargate?.totalUSD);
  positive("announcements.json", "stargate.years", a?.stargate?.years);
  sourced("announcements.json", "stargate.source", a?.stargate?.source, sources);
  for (const k of ["trainingSpeedup", "inferenceSpeedup", "transformerEngineSpeedup"] as const) positive("announcements.json", `nvidiaH100VsA100.${k}`, a?.nvidiaH100VsA100?.[k]);
  sourced("announcements.json", "nvidiaH100VsA100.source", a?.nvidiaH100VsA100?.source, sources);
  for (const k of ["params", "tokens", "computeFLOP", "contextTokens"] as const) positive("announcements.json", `gpt3.${k}`, a?.gpt3?.[k]);
  positive("announcements.json", "gpt4.computeFLOP", a?.gpt4?.computeFLOP);
  sourced("announcements.json", "gpt4.computeSource", a?.gpt4?.computeSource, sources);
  for (const k of ["params", "tokens"] as const) {
    if (a.gpt4[k] === null && !a.gpt4.missing?.[k]) fail("announcements.json", `gpt4.missing.${k}`, "a reason (the value is null)", a.gpt4.missing?.[k]);
  }
  return { sources, apiPrices: apiPrices as unknown as ApiPriceRow[], rental: rental as unknown as RentalPoint[],
    arena: arena as unknown as ArenaComputeRow[], announcements: a };
}

/** Reads and validates datasets/claims/*.json (or the same files in `dir`). */
export async function loadClaimsData(dir?: string): Promise<ClaimsData> {
  const read = (f: string) => loadDatasetJson(`claims/${f}`, dir === undefined ? undefined : `${dir.replace(/\/+$/, "")}/${f}`, "loadClaimsData");
  return validateClaimsData({
    sources: await read("sources.json"), apiPrices: await read("api_prices.json"), rental: await read("gpu_rental.json"),
    arena: await read("arena_compute.json"), announcements: await read("announcements.json"),
  });
}

/** Pre-training compute of an arena row: the reported/estimated FLOPs, else 6·N·D, else null. */
export function rowComputeFLOP(row: ArenaComputeRow): number | null {
  if (row.computeFLOP !== null) return row.computeFLOP;
  if (row.activeParams !== null && row.tokens !== null) return 6 * row.activeParams * row.tokens;
  return null;
}

/**
 * What one request costs at list price: input at the input (or cached) rate; the visible answer AND
 * the hidden reasoning tokens at the output rate (both vendors bill chain of thought as output).
 */
export function requestCostUSD(row: ApiPriceRow, req: { inputTokens: number; reasoningTokens: number; answerTokens: number; cachedFraction?: number }): number {
  const cached = req.cachedFraction ?? 0;
  if (!(cached >= 0 && cached <= 1)) throw new Error(`requestCostUSD(req.cachedFraction): expected a number in [0, 1]; got ${cached}`);
  const input = req.inputTokens * ((1 - cached) * row.inputUSDPerM + cached * row.cachedInputUSDPerM);
  const output = (req.reasoningTokens + req.answerTokens) * row.outputUSDPerM;
  return (input + output) / 1e6;
}

/** Probability that a model rated `a` is preferred to one rated `b` (Elo/Bradley–Terry, base 10, scale 400). */
export function eloWinProbability(a: number, b: number): number {
  return 1 / (1 + Math.pow(10, (b - a) / 400));
}

/** Least-squares line y = intercept + slope · log10(x) (slope = Arena points per 10× compute). */
export function fitLogLinear(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; r2: number } {
  if (x.length !== y.length || x.length < 2) throw new Error(`fitLogLinear(x, y): expected two arrays of equal length ≥ 2; got ${x.length} and ${y.length}`);
  x.forEach((v, i) => { if (!(v > 0)) throw new Error(`fitLogLinear(x[${i}]): expected a positive number; got ${v}`); });
  const lx = x.map((v) => Math.log10(v));
  const n = lx.length;
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (y[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** A "YYYY" or "YYYY-MM" date as a fractional year (a bare year is placed at mid-year). */
export function fractionalYear(date: string): number {
  const m = /^(\d{4})(?:-(\d{2}))?$/.exec(date);
  if (!m) throw new Error(`fractionalYear(date): expected "YYYY" or "YYYY-MM"; got ${JSON.stringify(date)}`);
  return Number(m[1]) + (m[2] === undefined ? 0.5 : (Number(m[2]) - 0.5) / 12);
}
