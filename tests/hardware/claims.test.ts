import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimFigures, eloWinProbability, fitLogLinear, fractionalYear, loadClaimsData, loadGpuTable, requestCostUSD, rowComputeFLOP,
} from "../../lib/hardware/index.js";

const ref = JSON.parse(readFileSync(join(__dirname, "../reference/fixtures/claims_reference.json"), "utf8")) as Record<string, Record<string, number | number[]>>;

describe("the claims data (datasets/claims)", () => {
  it("loads, and every row names a known source", async () => {
    const data = await loadClaimsData();
    expect(data.apiPrices.map((r) => r.vendor)).toEqual(["DeepSeek", "OpenAI"]);
    expect(data.arena.length).toBeGreaterThanOrEqual(10);
    for (const r of data.arena) {
      expect(data.sources[r.arenaSource]).toBeDefined();
      if (r.computeKind !== "unknown") expect(data.sources[r.computeSource!]).toBeDefined();
    }
    // a 6·N·D row: DeepSeek-V3, 37B active × 14.8T tokens
    expect(rowComputeFLOP(data.arena.find((r) => r.model === "DeepSeek-V3")!)).toBeCloseTo(6 * 37e9 * 14.8e12, -18);
    expect(rowComputeFLOP(data.arena.find((r) => r.model.startsWith("o1"))!)).toBeNull();
    expect(data.announcements.gpt4.params).toBeNull();
  });

  it("rejects a row without a source, naming the file and the row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claims-"));
    cpSync(join(__dirname, "../../datasets/claims"), dir, { recursive: true });
    const rows = JSON.parse(readFileSync(join(dir, "gpu_rental.json"), "utf8"));
    rows.rows[1].source = "a blog I remember";
    writeFileSync(join(dir, "gpu_rental.json"), JSON.stringify(rows));
    await expect(loadClaimsData(dir)).rejects.toThrow('loadClaimsData(gpu_rental.json): rows[1].source must be a source id listed in sources.json');
    rows.rows[1].source = "cheah-gpu-bubble";
    rows.rows[1].usdPerGpuHour = -8;
    writeFileSync(join(dir, "gpu_rental.json"), JSON.stringify(rows));
    await expect(loadClaimsData(dir)).rejects.toThrow("rows[1].usdPerGpuHour must be a positive number; got -8");
  });
});

describe("claim arithmetic", () => {
  it("a request's bill counts reasoning tokens at the output price", () => {
    const row = { model: "m", vendor: "v", date: "2025-01-01", inputUSDPerM: 1, cachedInputUSDPerM: 0.5, outputUSDPerM: 4, reasoningBilledAsOutput: true, source: "s" };
    // 1000·1 + (3000 + 500)·4 = 15,000 µ$ per million → $0.015
    expect(requestCostUSD(row, { inputTokens: 1000, reasoningTokens: 3000, answerTokens: 500 })).toBeCloseTo(0.015, 12);
    expect(requestCostUSD(row, { inputTokens: 1000, reasoningTokens: 0, answerTokens: 0, cachedFraction: 1 })).toBeCloseTo(0.0005, 12);
    expect(() => requestCostUSD(row, { inputTokens: 1, reasoningTokens: 0, answerTokens: 0, cachedFraction: 2 })).toThrow("requestCostUSD(req.cachedFraction): expected a number in [0, 1]; got 2");
  });

  it("Elo win probability, the log-linear fit and fractional years", () => {
    expect(eloWinProbability(1000, 1000)).toBe(0.5);
    expect(eloWinProbability(1400, 1000)).toBeCloseTo(10 / 11, 12);
    const f = fitLogLinear([1, 10, 100], [0, 50, 100]);
    expect(f.slope).toBeCloseTo(50, 12);
    expect(f.r2).toBeCloseTo(1, 12);
    expect(() => fitLogLinear([0, 1], [1, 2])).toThrow("fitLogLinear(x[0]): expected a positive number; got 0");
    expect(fractionalYear("2023")).toBe(2023.5);
    expect(fractionalYear("2024-10")).toBeCloseTo(2024 + 9.5 / 12, 12);
    expect(() => fractionalYear("Oct 2024")).toThrow('fractionalYear(date): expected "YYYY" or "YYYY-MM"; got "Oct 2024"');
  });
});

describe("every claim's headline figure equals the NumPy oracle (tests/reference/claims_reference.py)", () => {
  it("claimFigures", async () => {
    const figures = claimFigures(await loadClaimsData(), await loadGpuTable()) as unknown as Record<string, Record<string, number | number[]>>;
    for (const [claim, fields] of Object.entries(ref)) {
      for (const [k, want] of Object.entries(fields)) {
        const got = figures[claim]![k];
        // the Chinchilla figure is a brute-force grid in the oracle: 1e-6 relative; the rest is exact arithmetic
        const rtol = claim === "chinchillaTenfold" ? 1e-6 : 1e-9;
        if (Array.isArray(want)) (got as number[]).forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(rtol * Math.abs(want[i]!)));
        else expect(Math.abs((got as number) - want), `${claim}.${k}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(want)));
      }
    }
    // the verdict-bearing numbers, stated: R1's list prices are ~27× below o1's, both ways
    expect(figures.r1VsO1!.outputRatio as number).toBeCloseTo(27.4, 1);
    expect(figures.r1VsO1!.inputRatio as number).toBeCloseTo(27.3, 1);
    // NVIDIA's 6× Transformer-Engine figure is H100 FP8 over A100 FP16 peak
    expect(figures.h100VsA100!.fp8VsA100Fp16Ratio as number).toBeCloseTo(6.34, 2);
  });
});
