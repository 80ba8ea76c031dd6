// Bad options across the public API (issue 12): each must throw an error that names the function,
// the option, what it must be and what came in — never a NaN result, "everyone 1000", a leak or a
// solver that cannot converge. The count per area is printed at the end (for the closing note).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, expectNoLeaks, onGpuBackend } from "../helpers/backend.js";
import { onlineElo, eloUpdate, expectedScore } from "../../lib/elo/online.js";
import { bradleyTerry } from "../../lib/elo/bradleyTerry.js";
import { bootstrapRatings, sandwichRatings } from "../../lib/elo/uncertainty.js";
import { ladderSkills, simulateBattles } from "../../lib/elo/simulate.js";
import { predictedWinRate } from "../../lib/elo/leaderboard.js";
import { initMLAWeights, mlaForward, createMLACache, type MLAConfig } from "../../lib/attention/mla.js";
import { initMHAWeights, mhaForward, type MHAConfig } from "../../lib/attention/mha.js";
import { initSwiGLUWeights } from "../../lib/nn/swiglu.js";
import { route, disposeRoute, validateGateConfig } from "../../lib/moe/gate.js";
import { initMoEWeights, moeForward, disposeMoEWeights } from "../../lib/moe/moe.js";
import { generate } from "../../lib/model/sample.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { TinyLLM } from "../../lib/reasoning/tinyLLM.js";

const counts: Record<string, number> = {};
function bad(area: string, fn: () => unknown, message: RegExp): void {
  counts[area] = (counts[area] ?? 0) + 1;
  expect(fn).toThrow(message);
}
async function badAsync(area: string, fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  counts[area] = (counts[area] ?? 0) + 1;
  await expect(fn()).rejects.toThrow(message);
}

beforeAll(async () => {
  await useTestBackend();
});
afterAll(() => {
  console.log(`bad inputs tried per area: ${JSON.stringify(counts)}`);
});

const battles = simulateBattles(ladderSkills(4), 400, { seed: 1, tieRate: 0.1 });

describe("Elo and Bradley–Terry options", () => {
  it("online Elo: k, init, scale, base, start", () => {
    for (const [opt, v, want] of [
      ["k", NaN, "a finite number > 0"], ["k", 0, "a finite number > 0"], ["k", -4, "> 0"], ["k", Infinity, "> 0"],
      ["init", NaN, "a finite number"], ["init", Infinity, "a finite number"], ["init", "1000", "a finite number"],
      ["scale", 0, "> 0"], ["scale", -400, "> 0"], ["scale", NaN, "> 0"],
      ["base", 1, "> 1"], ["base", 0.5, "> 1"], ["base", NaN, "> 1"],
    ] as const) {
      const got = v === "1000" ? '"1000"' : String(v);
      counts.elo = (counts.elo ?? 0) + 1;
      expect(() => onlineElo(battles, { [opt]: v })).toThrow(`onlineElo: options.${opt} must be `);
      expect(() => onlineElo(battles, { [opt]: v })).toThrow(`${want}`);
      expect(() => onlineElo(battles, { [opt]: v })).toThrow(`; got ${got}`);
    }
    bad("elo", () => onlineElo(battles, { start: { a: 1 } as never }), /onlineElo: options.start must be a Map/);
    bad("elo", () => onlineElo(battles, { start: new Map([["m0", NaN]]) }), /options.start.get\("m0"\) must be a finite number; got NaN/);
    bad("elo", () => onlineElo(battles, 5 as never), /onlineElo: options must be an object; got 5/);
    bad("elo", () => eloUpdate(1000, 1000, 1, { k: NaN }), /eloUpdate: options.k/);
    bad("elo", () => expectedScore(1000, 1000, { base: 1 }), /expectedScore: options.base must be a finite number > 1; got 1/);
  });

  it("Bradley–Terry: scale, base, init, anchor, prior, tol, maxIter, method", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ scale: 0 }, /bradleyTerry: options.scale must be a finite number > 0; got 0/],
      [{ base: 1 }, /options.base must be a finite number > 1; got 1/],
      [{ init: NaN }, /options.init must be a finite number; got NaN/],
      [{ prior: -1 }, /options.prior must be a finite number >= 0; got -1/],
      [{ prior: NaN }, /options.prior/],
      [{ tol: 0 }, /options.tol must be a finite number > 0; got 0/],
      [{ tol: -1e-6 }, /options.tol/],
      [{ maxIter: 0 }, /options.maxIter must be an integer >= 1; got 0/],
      [{ maxIter: 2.5 }, /options.maxIter must be an integer/],
      [{ method: "lbfgs" }, /options.method must be one of "newton", "fast-newton", "mm"; got "lbfgs"/],
      [{ anchor: { model: "m0", rating: NaN } }, /options.anchor.rating must be a finite number; got NaN/],
      [{ anchor: "m0" }, /options.anchor must be \{ model: string, rating: number \}/],
    ];
    for (const [opts, msg] of cases) bad("bradley-terry", () => bradleyTerry(battles, opts as never), msg);
  });

  it("bootstrap and sandwich: rounds, level, seed, method", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ rounds: 0 }, /bootstrapRatings: options.rounds must be an integer in \[1, 1000000\]; got 0/],
      [{ rounds: 1.5 }, /options.rounds/],
      [{ rounds: NaN }, /options.rounds/],
      [{ level: 1.5 }, /options.level must be a finite number in \(0, 1\); got 1.5/],
      [{ level: 1 }, /options.level/],
      [{ level: 0 }, /options.level/],
      [{ seed: 0.5 }, /options.seed must be an integer; got 0.5/],
      [{ method: "newton" }, /options.method must be one of "bt", "elo"/],
      [{ k: 0, method: "elo" }, /options.k must be a finite number > 0/],
    ];
    for (const [opts, msg] of cases) bad("bootstrap", () => bootstrapRatings(battles, { rounds: 5, ...opts } as never), msg);
    bad("bootstrap", () => sandwichRatings(battles, { level: 2 }), /sandwichRatings: options.level must be a finite number in \(0, 1\); got 2/);
    bad("bootstrap", () => sandwichRatings(battles, { prior: -1 }), /sandwichRatings: options.prior/);
  });

  it("predicted win rates and simulation", () => {
    bad("elo", () => predictedWinRate(new Map([["a", 1000]]), { base: 1 }), /predictedWinRate: options.base must be a finite number > 1; got 1/);
    bad("elo", () => predictedWinRate(new Map([["a", 1000]]), { scale: NaN }), /predictedWinRate: options.scale/);
    bad("elo", () => simulateBattles(ladderSkills(3), 10, { tieRate: 1.5 }), /simulateBattles: options.tieRate must be a finite number in \[0, 1\]; got 1.5/);
    bad("elo", () => simulateBattles(ladderSkills(3), 10, { seed: 0.5 }), /simulateBattles: options.seed must be an integer/);
  });
});

const MLA: MLAConfig = { dModel: 16, nHeads: 2, qLoraRank: 0, kvLoraRank: 8, qkNopeHeadDim: 4, qkRopeHeadDim: 4, vHeadDim: 4, maxSeqLen: 8 };

describe("MLA configs, with no tensors left behind when they throw", () => {
  it("dimensions, ropeTheta, normEps, seed", async () => {
    const cases: [Partial<Record<keyof MLAConfig, unknown>>, RegExp][] = [
      [{ dModel: 0 }, /cfg.dModel must be an integer in \[1, 16777216\]; got 0/],
      [{ nHeads: 2.5 }, /cfg.nHeads must be an integer/],
      [{ kvLoraRank: NaN }, /cfg.kvLoraRank/],
      [{ qkNopeHeadDim: -1 }, /cfg.qkNopeHeadDim/],
      [{ qkRopeHeadDim: 3 }, /cfg.qkRopeHeadDim must be even/],
      [{ vHeadDim: "4" }, /cfg.vHeadDim must be an integer.*; got "4"/],
      [{ maxSeqLen: 0 }, /cfg.maxSeqLen/],
      [{ qLoraRank: -1 }, /cfg.qLoraRank must be an integer in \[0/],
      [{ ropeTheta: 0 }, /cfg.ropeTheta must be a finite number > 1; got 0/],
      [{ ropeTheta: NaN }, /cfg.ropeTheta/],
      [{ normEps: NaN }, /cfg.normEps must be a finite number in \(0, 1\]; got NaN/],
      [{ normEps: 0 }, /cfg.normEps/],
    ];
    for (const [patch, msg] of cases) {
      const cfg = { ...MLA, ...patch } as MLAConfig;
      await expectNoLeaks(() => bad("mla", () => initMLAWeights(cfg, 1), new RegExp(`initMLAWeights: ${msg.source}`)));
      bad("mla", () => createMLACache(cfg, 1, "naive"), new RegExp(`createMLACache: ${msg.source}`));
    }
    await expectNoLeaks(() => bad("mla", () => initMLAWeights(MLA, NaN), /initMLAWeights: seed must be an integer.*; got NaN/));
    const w = initMLAWeights(MLA, 1);
    const x = tf.zeros([1, 2, 16]);
    try {
      await expectNoLeaks(() => bad("mla", () => mlaForward(x, w, { ...MLA, ropeTheta: 0 }), /mlaForward: cfg.ropeTheta/));
      await expectNoLeaks(() => bad("mla", () => mlaForward(x, w, { ...MLA, normEps: NaN }), /mlaForward: cfg.normEps/));
    } finally {
      tf.dispose([x, ...Object.values(w)]);
    }
  });
});

describe("MHA configs and SwiGLU init, with no tensors left behind when they throw", () => {
  it("dimensions, nKvHeads, even headDim with RoPE, ropeTheta, seeds, std", async () => {
    const MHA: MHAConfig = { dModel: 8, nHeads: 4, nKvHeads: 2, headDim: 4, maxSeqLen: 8 };
    const cases: [Partial<Record<keyof MHAConfig, unknown>>, RegExp][] = [
      [{ dModel: 0 }, /cfg.dModel must be an integer/],
      [{ nHeads: NaN }, /cfg.nHeads/],
      [{ nKvHeads: 3 }, /cfg.nKvHeads must be a positive divisor of nHeads=4; got 3/],
      [{ headDim: 3 }, /cfg.headDim must be even with RoPE on/],
      [{ ropeTheta: 0 }, /cfg.ropeTheta must be a finite number > 1; got 0/],
      [{ maxSeqLen: -1 }, /cfg.maxSeqLen/],
    ];
    const x = tf.zeros([1, 1, 8]);
    for (const [patch, msg] of cases) {
      await expectNoLeaks(() => bad("mha", () => initMHAWeights({ ...MHA, ...patch } as MHAConfig, 1), new RegExp(`initMHAWeights: ${msg.source}`)));
      await expectNoLeaks(() => bad("mha", () => mhaForward(x, {} as never, { ...MHA, ...patch } as MHAConfig), new RegExp(`mhaForward: ${msg.source}`)));
    }
    x.dispose();
    await expectNoLeaks(() => bad("mha", () => initMHAWeights(MHA, 0.5), /initMHAWeights: seed must be an integer/));
    await expectNoLeaks(() => bad("mha", () => initSwiGLUWeights(4, 8, NaN), /initSwiGLUWeights: seed must be an integer/));
    await expectNoLeaks(() => bad("mha", () => initSwiGLUWeights(4, 8, 1, { std: -1 }), /initSwiGLUWeights: options.std must be a finite number > 0; got -1/));
  });
});

describe("MoE configs and inputs", () => {
  it("gate config: topK ≤ nExperts, groups, routeScale", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ nExperts: 4, topK: 5 }, /topK \(5\) > nExperts \(4\)/],
      [{ nExperts: 4, topK: 0 }, /topK must be a positive integer; got 0/],
      [{ nExperts: 0, topK: 1 }, /nExperts must be a positive integer; got 0/],
      [{ nExperts: 6, topK: 2, nGroups: 4 }, /nExperts \(6\) % nGroups \(4\)/],
      [{ nExperts: 8, topK: 2, nGroups: 4, topKGroups: 5 }, /topKGroups must be an integer in \[1, nGroups = 4\]; got 5/],
      [{ nExperts: 8, topK: 5, nGroups: 4, topKGroups: 2 }, /not enough eligible experts/],
      [{ nExperts: 4, topK: 2, routeScale: 0 }, /routeScale must be a finite number > 0; got 0/],
      [{ nExperts: 4, topK: 2, routeScale: NaN }, /routeScale/],
      [{ nExperts: 4, topK: 2, scoreFunc: "relu" }, /scoreFunc must be "softmax" or "sigmoid"/],
    ];
    for (const [cfg, msg] of cases) bad("moe", () => validateGateConfig({ scoreFunc: "softmax", ...cfg } as never), msg);
  });

  it("route: rank-1 x, bad bias, NaN/Inf in the bias or the input; no leaks", async () => {
    const g = tf.randomNormal([4, 6], 0, 1, "float32", 1) as tf.Tensor2D;
    const cfg = { nExperts: 6, topK: 2, scoreFunc: "sigmoid" as const };
    const x1 = tf.ones([4]);
    const x = tf.ones([3, 4]) as tf.Tensor2D;
    const xNaN = tf.tensor2d([[1, NaN, 0, 0]]);
    const badBias = tf.tensor1d([0, 0, NaN, 0, 0, 0]);
    const infBias = tf.tensor1d([0, 0, Infinity, 0, 0, 0]);
    const shortBias = tf.zeros([5]) as tf.Tensor1D;
    try {
      await expectNoLeaks(() => bad("moe", () => route(x1 as never, g, cfg), /route: x must be \[tokens, dModel\] \(rank 2\); got shape \[4\] — for one token, pass x.reshape\(\[1, dModel\]\)/));
      await expectNoLeaks(() => bad("moe", () => route(x, g, cfg, shortBias), /route: bias must be \[nExperts = 6\]; got a tensor of shape \[5\]/));
      if (!onGpuBackend()) {
        // Synchronous reads: route checks itself on CPU backends; on WebGPU moeForward does (below).
        await expectNoLeaks(() => bad("moe", () => route(x, g, cfg, badBias), /route: bias holds NaN or ±Infinity/));
        await expectNoLeaks(() => bad("moe", () => route(x, g, cfg, infBias), /route: bias holds NaN/));
        await expectNoLeaks(() => bad("moe", () => route(xNaN, g, cfg), /route: x holds NaN/));
      }
      const w = initMoEWeights(4, 8, 6, 1, { withBias: true });
      try {
        await badAsync("moe", () => moeForward(x1 as never, w, cfg), /moeForward: x must be \[tokens, dModel\]/);
        await badAsync("moe", () => moeForward(xNaN, w, cfg), /moeForward: x holds NaN or ±Infinity/);
        (w.bias as unknown as tf.Variable).assign(badBias);
        await badAsync("moe", () => moeForward(x, w, cfg), /moeForward: bias holds NaN/);
      } finally {
        disposeMoEWeights(w);
      }
    } finally {
      tf.dispose([g, x1, x, xNaN, badBias, infBias, shortBias]);
    }
  });

  it("the sigmoid gate's weights never divide 0 by 0", () => {
    // Every score underflows: sigmoid(−200) is 0 in float32.
    const g = tf.fill([2, 4], -100) as tf.Tensor2D;
    const x = tf.ones([3, 2]) as tf.Tensor2D;
    const r = route(x, g, { nExperts: 4, topK: 2, scoreFunc: "sigmoid", routeScale: 2.5 });
    try {
      counts.moe = (counts.moe ?? 0) + 1;
      const w = r.weights.arraySync?.bind(r.weights);
      if (!onGpuBackend() && w) expect(w()).toEqual([[1.25, 1.25], [1.25, 1.25], [1.25, 1.25]]);
    } finally {
      disposeRoute(r);
      tf.dispose([g, x]);
    }
  });

  it("initMoEWeights: sizes and options checked before any tensor exists", async () => {
    const cases: [() => unknown, RegExp][] = [
      [() => initMoEWeights(0, 8, 4, 1), /initMoEWeights: dModel must be an integer in \[1, 1048576\]; got 0/],
      [() => initMoEWeights(4, 8.5, 4, 1), /initMoEWeights: ffnHidden must be an integer/],
      [() => initMoEWeights(4, 8, -1, 1), /initMoEWeights: nExperts/],
      [() => initMoEWeights(4, 8, 4, NaN), /initMoEWeights: seed must be an integer/],
      [() => initMoEWeights(4, 8, 4, 1, { nShared: -1 }), /options.nShared must be an integer in \[0, 1024\]; got -1/],
      [() => initMoEWeights(4, 8, 4, 1, { gateStd: 0 }), /options.gateStd must be a finite number > 0; got 0/],
      [() => initMoEWeights(4, 8, 4, 1, { gateStd: NaN }), /options.gateStd/],
    ];
    for (const [fn, msg] of cases) await expectNoLeaks(() => bad("moe", fn, msg));
  });
});

describe("sampling options", () => {
  it("temperature ≥ 0, maxTokens ≥ 1, topP in (0, 1], topK and n integers", async () => {
    const tok = new CharTokenizer();
    const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 8, nLayers: 1, nHeads: 2, ffnHidden: 16, maxSeqLen: 16 }, 1);
    const llm = new TinyLLM(model, tok, "t");
    try {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ temperature: NaN }, /TinyLLM.complete: options.temperature must be a finite number >= 0; got NaN/],
        [{ temperature: -1 }, /options.temperature/],
        [{ maxTokens: 0 }, /options.maxTokens must be an integer >= 1; got 0/],
        [{ maxTokens: 1.5 }, /options.maxTokens/],
        [{ topP: 0 }, /options.topP must be a finite number in \(0, 1\]; got 0/],
        [{ topP: 1.5 }, /options.topP/],
        [{ topK: -1 }, /options.topK must be an integer >= 0; got -1/],
        [{ n: 0 }, /options.n must be an integer >= 1; got 0/],
        [{ n: 2.5 }, /options.n/],
        [{ seed: NaN }, /options.seed/],
      ];
      for (const [opts, msg] of cases) await expectNoLeaks(() => badAsync("sampling", () => llm.complete("1+1=", opts as never), msg));
      await badAsync("sampling", () => generate(model, tok, ["1+1="], { temperature: NaN }), /generate: options.temperature/);
      await badAsync("sampling", () => generate(model, tok, ["1+1="], { maxNewTokens: 0 }), /generate: options.maxNewTokens must be an integer >= 1; got 0/);
      // Seeds: sample i of a request uses seed + i, whatever n is.
      const four = await llm.complete("1+1=", { n: 4, temperature: 1, seed: 7, maxTokens: 6 });
      const one = await llm.complete("1+1=", { n: 1, temperature: 1, seed: 9, maxTokens: 6 });
      expect(one[0]!.text).toBe(four[2]!.text);
    } finally {
      model.dispose();
    }
  });
});
