"""NumPy oracle for lib/hardware/claims.ts and claimFigures.ts: reads the sourced inputs in
datasets/claims/ and datasets/gpus.json and recomputes each claim's headline figure independently
(price ratios, a per-request bill, Elo win probabilities, the least-squares line of Arena score on
log10 compute, the Chinchilla 10x effect by brute force, rental and bandwidth ratios).
Writes tests/reference/fixtures/claims_reference.json.

Run: .venv/bin/python tests/reference/claims_reference.py
"""
import json
import os

import numpy as np

root = os.path.join(os.path.dirname(__file__), "..", "..")
claims = os.path.join(root, "datasets", "claims")
load = lambda f: json.load(open(os.path.join(claims, f)))
prices = {r["model"].split(" ")[0]: r for r in load("api_prices.json")["rows"]}
arena = load("arena_compute.json")["rows"]
rental = {r["label"]: r for r in load("gpu_rental.json")["rows"]}
ann = load("announcements.json")
gpus = {g["id"]: g for g in json.load(open(os.path.join(root, "datasets", "gpus.json")))["gpus"]}

r1, o1 = prices["deepseek-reasoner"], prices["o1"]
inp, reason, ans = 1000, 4000, 500


def cost(p):
    return (inp * p["inputUSDPerM"] + (reason + ans) * p["outputUSDPerM"]) / 1e6


# break-even: R1 reasoning tokens k*reason such that cost equals o1's cost
k = ((cost(o1) * 1e6 - inp * r1["inputUSDPerM"]) / r1["outputUSDPerM"] - ans) / reason


def win(a, b):
    return 1.0 / (1.0 + 10.0 ** ((b - a) / 400.0))


def compute(r):
    if r["computeFLOP"] is not None:
        return r["computeFLOP"]
    return 6.0 * r["activeParams"] * r["tokens"]


fit_rows = [r for r in arena if r["computeKind"] in ("6ND", "reported", "estimate")]
lx = np.log10([compute(r) for r in fit_rows])
y = np.array([r["arenaElo"] for r in fit_rows], dtype=float)
slope, intercept = np.polyfit(lx, y, 1)
r2 = float(np.corrcoef(lx, y)[0, 1] ** 2)

# Chinchilla (Hoffmann 2022 approach 3): compute-optimal loss at C and 10C by brute force over N
E, A, B, al, be = 1.69, 406.4, 410.7, 0.34, 0.28


def best_loss(C):
    N = np.geomspace(1e8, 1e14, 2_000_001)
    L = E + A / N ** al + B / (C / 6 / N) ** be
    return float(L.min())


C = 6 * 37e9 * 14.8e12
L1, L10 = best_loss(C), best_loss(10 * C)

row = lambda prefix: next(r for r in arena if r["model"].startswith(prefix))
v3, r1a, g4o, o1a = row("DeepSeek-V3"), row("DeepSeek-R1"), row("ChatGPT-4o-latest"), row("o1-")
a100, h100, h100p, h200 = gpus["A100-80GB-SXM"], gpus["H100-SXM"], gpus["H100-PCIe"], gpus["H200-SXM"]
sg = ann["stargate"]

out = {
    "r1VsO1": {
        "inputRatio": o1["inputUSDPerM"] / r1["inputUSDPerM"],
        "outputRatio": o1["outputUSDPerM"] / r1["outputUSDPerM"],
        "cachedRatio": o1["cachedInputUSDPerM"] / r1["cachedInputUSDPerM"],
        "requestRatio": cost(o1) / cost(r1),
        "breakEvenReasoningMultiple": k,
    },
    "h100VsA100": {
        "bf16DenseRatio": h100["bf16DenseTFLOPS"] / a100["bf16DenseTFLOPS"],
        "fp8VsA100Fp16Ratio": h100["fp8DenseTFLOPS"] / a100["fp16DenseTFLOPS"],
        "bandwidthRatio": h100["bandwidthTBps"] / a100["bandwidthTBps"],
        "fp8VsBf16OnH100": h100["fp8DenseTFLOPS"] / h100["bf16DenseTFLOPS"],
    },
    "stargate": {
        "perYearUSD": sg["totalUSD"] / sg["years"],
        "timesV3FinalRun": sg["totalUSD"] / 5.576e6,
        "gpusRentedFourYearsAtV3Price": sg["totalUSD"] / 2.0 / (sg["years"] * 365 * 24),
    },
    "eloVsCompute": {"n": len(fit_rows), "pointsPerDecade": float(slope), "r2": r2, "winRateTenfold": win(float(slope), 0.0)},
    "chinchillaTenfold": {"lossRatio": L10 / L1, "reducibleLossRatio": (L10 - E) / (L1 - E), "atFLOP": C},
    "spittingDistance": {
        "v3VsGpt4o": win(v3["arenaElo"], g4o["arenaElo"]),
        "r1VsGpt4o": win(r1a["arenaElo"], g4o["arenaElo"]),
        "r1VsO1": win(r1a["arenaElo"], o1a["arenaElo"]),
        "v3ComputeShareOfGpt4o": compute(v3) / compute(g4o),
    },
    "rental": {
        "peakToLatest": rental["2023 peak"]["usdPerGpuHour"] / rental["October 2024"]["usdPerGpuHour"],
        "startToLatest": rental["early H100 rentals"]["usdPerGpuHour"] / rental["October 2024"]["usdPerGpuHour"],
        "yearsPeakToLatest": (2024 + 9.5 / 12) - 2023.5,
    },
    "hbm": {
        "h100SxmOverA100_80": h100["bandwidthTBps"] / a100["bandwidthTBps"],
        "h100SxmOverH100Pcie": h100["bandwidthTBps"] / h100p["bandwidthTBps"],
        "h200OverH100Sxm": h200["bandwidthTBps"] / h100["bandwidthTBps"],
    },
    "gpt3ToGpt4": {
        "computeRatio": ann["gpt4"]["computeFLOP"] / ann["gpt3"]["computeFLOP"],
        "computeOrders": float(np.log10(ann["gpt4"]["computeFLOP"] / ann["gpt3"]["computeFLOP"])),
        "contextRatios": [c / ann["gpt3"]["contextTokens"] for c in ann["gpt4"]["contextTokens"]],
    },
}
path = os.path.join(os.path.dirname(__file__), "fixtures", "claims_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out, indent=1))
