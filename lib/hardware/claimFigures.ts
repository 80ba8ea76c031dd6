/**
 * The headline number of every claim in "The claims, checked", computed from the sourced data in
 * one place, so the notebook's summary table and the tests (against tests/reference/claims_reference.py)
 * read the same figures. Each cell of notebooks/05a_hardware_and_cost.ipynb computes its own claim
 * step by step and ends by comparing with the matching field here.
 */
import { eloWinProbability, fitLogLinear, fractionalYear, rowComputeFLOP, requestCostUSD, type ClaimsData } from "./claims.js";
import { gpuById, type GpuTable } from "./gpus.js";
import { computeMultiplierEffect } from "./scaling.js";
import { DEEPSEEK_V3_REPORTED } from "./training.js";

/** A typical reasoning request used for the per-request price comparison (tokens). */
export const EXAMPLE_REASONING_REQUEST = { inputTokens: 1000, reasoningTokens: 4000, answerTokens: 500 } as const;

export interface ClaimFigures {
  r1VsO1: { inputRatio: number; outputRatio: number; cachedRatio: number; requestRatio: number; breakEvenReasoningMultiple: number };
  h100VsA100: { bf16DenseRatio: number; fp8VsA100Fp16Ratio: number; bandwidthRatio: number; fp8VsBf16OnH100: number };
  stargate: { perYearUSD: number; timesV3FinalRun: number; gpusRentedFourYearsAtV3Price: number };
  eloVsCompute: { n: number; pointsPerDecade: number; r2: number; winRateTenfold: number };
  chinchillaTenfold: { lossRatio: number; reducibleLossRatio: number; atFLOP: number };
  spittingDistance: { v3VsGpt4o: number; r1VsGpt4o: number; r1VsO1: number; v3ComputeShareOfGpt4o: number };
  rental: { peakToLatest: number; startToLatest: number; yearsPeakToLatest: number };
  hbm: { h100SxmOverA100_80: number; h100SxmOverH100Pcie: number; h200OverH100Sxm: number };
  gpt3ToGpt4: { computeRatio: number; computeOrders: number; contextRatios: number[] };
}

function findRow<T extends { model: string }>(rows: T[], prefix: string): T {
  const row = rows.find((r) => r.model.startsWith(prefix));
  if (!row) throw new Error(`claimFigures: no row whose model starts with "${prefix}" in the claims data`);
  return row;
}

/** Every claim's headline figure (see the field names); inputs are the sourced tables only. */
export function claimFigures(data: ClaimsData, gpus: GpuTable): ClaimFigures {
  const r1 = findRow(data.apiPrices, "deepseek-reasoner");
  const o1 = findRow(data.apiPrices, "o1");
  const req = EXAMPLE_REASONING_REQUEST;
  const r1Cost = requestCostUSD(r1, req);
  const o1Cost = requestCostUSD(o1, req);
  // How many times more reasoning tokens R1 could spend than o1 before one request costs the same.
  const breakEven = ((o1Cost * 1e6 - req.inputTokens * r1.inputUSDPerM) / r1.outputUSDPerM - req.answerTokens) / req.reasoningTokens;

  const a100 = gpuById(gpus, "A100-80GB-SXM");
  const h100 = gpuById(gpus, "H100-SXM");
  const h100p = gpuById(gpus, "H100-PCIe");
  const h200 = gpuById(gpus, "H200-SXM");

  const sg = data.announcements.stargate;
  const v3Price = DEEPSEEK_V3_REPORTED.pricePerGpuHourUSD;
  const hoursFourYears = sg.years * 365 * 24;

  const fitted = data.arena.filter((r) => ["6ND", "reported", "estimate"].includes(r.computeKind));
  const fit = fitLogLinear(fitted.map((r) => rowComputeFLOP(r)!), fitted.map((r) => r.arenaElo));

  const v3Flops = 6 * DEEPSEEK_V3_REPORTED.activeParams * DEEPSEEK_V3_REPORTED.pretrainTokens;
  const chin = computeMultiplierEffect(v3Flops, 10);

  const v3 = findRow(data.arena, "DeepSeek-V3");
  const r1a = findRow(data.arena, "DeepSeek-R1");
  const g4o = findRow(data.arena, "ChatGPT-4o-latest");
  const o1a = findRow(data.arena, "o1-");

  const byLabel = (l: string) => {
    const p = data.rental.find((r) => r.label === l);
    if (!p) throw new Error(`claimFigures: no rental point labelled "${l}"`);
    return p;
  };
  const start = byLabel("early H100 rentals");
  const peak = byLabel("2023 peak");
  const latest = byLabel("October 2024");

  const g3 = data.announcements.gpt3;
  const g4 = data.announcements.gpt4;
  return {
    r1VsO1: {
      inputRatio: o1.inputUSDPerM / r1.inputUSDPerM,
      outputRatio: o1.outputUSDPerM / r1.outputUSDPerM,
      cachedRatio: o1.cachedInputUSDPerM / r1.cachedInputUSDPerM,
      requestRatio: o1Cost / r1Cost,
      breakEvenReasoningMultiple: breakEven,
    },
    h100VsA100: {
      bf16DenseRatio: h100.bf16DenseTFLOPS / a100.bf16DenseTFLOPS,
      fp8VsA100Fp16Ratio: (h100.fp8DenseTFLOPS as number) / a100.fp16DenseTFLOPS,
      bandwidthRatio: h100.bandwidthTBps / a100.bandwidthTBps,
      fp8VsBf16OnH100: (h100.fp8DenseTFLOPS as number) / h100.bf16DenseTFLOPS,
    },
    stargate: {
      perYearUSD: sg.totalUSD / sg.years,
      timesV3FinalRun: sg.totalUSD / DEEPSEEK_V3_REPORTED.costUSD.total,
      gpusRentedFourYearsAtV3Price: sg.totalUSD / v3Price / hoursFourYears,
    },
    eloVsCompute: { n: fitted.length, pointsPerDecade: fit.slope, r2: fit.r2, winRateTenfold: eloWinProbability(fit.slope, 0) },
    chinchillaTenfold: { lossRatio: chin.after.loss / chin.before.loss, reducibleLossRatio: chin.reducibleLossRatio, atFLOP: v3Flops },
    spittingDistance: {
      v3VsGpt4o: eloWinProbability(v3.arenaElo, g4o.arenaElo),
      r1VsGpt4o: eloWinProbability(r1a.arenaElo, g4o.arenaElo),
      r1VsO1: eloWinProbability(r1a.arenaElo, o1a.arenaElo),
      v3ComputeShareOfGpt4o: rowComputeFLOP(v3)! / rowComputeFLOP(g4o)!,
    },
    rental: {
      peakToLatest: peak.usdPerGpuHour / latest.usdPerGpuHour,
      startToLatest: start.usdPerGpuHour / latest.usdPerGpuHour,
      yearsPeakToLatest: fractionalYear(latest.date) - fractionalYear(peak.date),
    },
    hbm: {
      h100SxmOverA100_80: h100.bandwidthTBps / a100.bandwidthTBps,
      h100SxmOverH100Pcie: h100.bandwidthTBps / h100p.bandwidthTBps,
      h200OverH100Sxm: h200.bandwidthTBps / h100.bandwidthTBps,
    },
    gpt3ToGpt4: {
      computeRatio: g4.computeFLOP / g3.computeFLOP,
      computeOrders: Math.log10(g4.computeFLOP / g3.computeFLOP),
      contextRatios: g4.contextTokens.map((c) => c / g3.contextTokens),
    },
  };
}
