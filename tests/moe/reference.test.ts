/**
 * lib/moe against the NumPy reference (tests/reference/moe_reference.py → fixtures/moe.json).
 * Indices must be identical; scores, weights and outputs agree to float32 rounding (rtol 1e-5 on
 * wasm/cpu, 1e-3 on WebGPU, plus a small atol for values near zero).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, rtolFor, expectNoLeaks } from "../helpers/backend.js";
import { route, disposeRoute, type GateConfig } from "../../lib/moe/gate.js";
import { moeForward, moeForwardDense, moeForwardWithStats, type MoEWeights } from "../../lib/moe/moe.js";
import { expertLoad, maxVio, sequenceBalanceLoss, switchAuxLoss, updateRoutingBias } from "../../lib/moe/balance.js";
import { moeModelShape, moeParamCounts } from "../../lib/moe/params.js";
import { loadDeepSeekConfigs } from "../../lib/attention/configs.js";
import { assertClose } from "../helpers/close.js";

type M = number[][];
interface Ffn { w1: M; w3: M; w2: M }
interface Case {
  name: string; cfg: GateConfig; x: M; gate: M; bias: number[] | null; experts: Ffn[]; shared: Ffn | null;
  scores: M; indices: M; weights: M; y: M; load: number[]; maxVio: number; switchAux: number;
  seqBatch: number; seqBalance: number; gamma: number; newBias: number[];
}
const fixture = JSON.parse(readFileSync(new URL("../reference/fixtures/moe.json", import.meta.url), "utf8")) as {
  cases: Case[]; params: Record<string, { total: number; active: number }>;
};

beforeAll(async () => {
  await useTestBackend();
});

function load(c: Case): { x: tf.Tensor2D; w: MoEWeights } {
  const ffn = (f: Ffn) => ({ w1: tf.tensor2d(f.w1), w3: tf.tensor2d(f.w3), w2: tf.tensor2d(f.w2) });
  return {
    x: tf.tensor2d(c.x),
    w: {
      gate: tf.tensor2d(c.gate),
      experts: c.experts.map(ffn),
      ...(c.bias ? { bias: tf.tensor1d(c.bias) } : {}),
      ...(c.shared ? { shared: ffn(c.shared) } : {}),
    },
  };
}

function free(x: tf.Tensor, w: MoEWeights) {
  tf.dispose([x, w.gate, ...(w.bias ? [w.bias] : []), ...w.experts.flatMap((e) => [e.w1, e.w2, e.w3]), ...(w.shared ? [w.shared.w1, w.shared.w2, w.shared.w3] : [])]);
}

describe.each(fixture.cases.map((c) => [c.name, c] as const))("reference case: %s", (_name, c) => {
  const rtol = rtolFor(1e-5);

  it("route: indices identical, scores and weights within float32 tolerance", async () => {
    const { x, w } = load(c);
    const r = route(x, w.gate, c.cfg, w.bias);
    expect(r.indices.dtype).toBe("int32");
    expect(await r.indices.array()).toEqual(c.indices);
    assertClose((await r.scores.array()) as M, c.scores, { rtol: rtol, atol: 1e-6, what: "scores" });
    assertClose((await r.weights.array()) as M, c.weights, { rtol: rtol, atol: 1e-6, what: "weights" });
    disposeRoute(r);
    free(x, w);
  });

  it("moeForward (sparse dispatch) and the dense reference both match NumPy", async () => {
    const { x, w } = load(c);
    const ySparse = await moeForward(x, w, c.cfg);
    assertClose((await ySparse.array()) as M, c.y, { rtol: rtol, atol: 1e-5, what: "sparse y" });
    const yDense = moeForwardDense(x, w, c.cfg);
    assertClose((await yDense.array()) as M, c.y, { rtol: rtol, atol: 1e-5, what: "dense y" });
    tf.dispose([ySparse, yDense]);
    await expectNoLeaks(async () => (await moeForward(x, w, c.cfg)).dispose());
    free(x, w);
  });

  it("load, MaxVio, Switch loss, sequence-wise loss and bias update match NumPy", async () => {
    const { x, w } = load(c);
    const out = await moeForwardWithStats(x, w, c.cfg);
    expect(out.plan.load).toEqual(c.load);
    const lt = expertLoad(out.indices, c.cfg.nExperts);
    expect(Array.from(await lt.data())).toEqual(c.load);
    expect(maxVio(c.load)).toBeCloseTo(c.maxVio, 12);
    const aux = switchAuxLoss(out.scores, out.indices, c.cfg.nExperts);
    assertClose([await aux.array()], [c.switchAux], { rtol: rtol, atol: 0, what: "switchAux" });
    const T = c.x.length;
    const s3 = out.scores.reshape([c.seqBatch, T / c.seqBatch, c.cfg.nExperts]) as tf.Tensor3D;
    const i3 = out.indices.reshape([c.seqBatch, T / c.seqBatch, c.cfg.topK]) as tf.Tensor3D;
    const seq = sequenceBalanceLoss(s3, i3, c.cfg.nExperts);
    assertClose([await seq.array()], [c.seqBalance], { rtol: rtol, atol: 0, what: "seqBalance" });
    const b0 = w.bias ?? tf.zeros([c.cfg.nExperts]);
    const nb = updateRoutingBias(b0 as tf.Tensor1D, lt, c.gamma);
    assertClose(Array.from(await nb.data()), c.newBias, { rtol: rtol, atol: 1e-7, what: "newBias" });
    tf.dispose([out.y, out.weights, out.indices, out.scores, lt, aux, s3, i3, seq, nb]);
    if (!w.bias) b0.dispose();
    free(x, w);
  });
});

describe("parameter counts", () => {
  it("match the NumPy count from the published configs (V3 ≈ 671B / 37B, V2 ≈ 236B / 21B)", async () => {
    const configs = await loadDeepSeekConfigs();
    const v3 = moeParamCounts(moeModelShape("DeepSeek-V3", configs["DeepSeek-V3"]!));
    const v2 = moeParamCounts(moeModelShape("DeepSeek-V2", configs["DeepSeek-V2"]!));
    expect({ total: v3.total, active: v3.active }).toEqual(fixture.params["DeepSeek-V3"]);
    expect({ total: v2.total, active: v2.active }).toEqual(fixture.params["DeepSeek-V2"]);
    expect(Math.round(v3.total / 1e9)).toBe(671);
    expect(Math.round(v3.active / 1e9)).toBe(38); // the paper rounds 37.55B down to "37B"
    expect(Math.round(v2.total / 1e9)).toBe(236);
    expect(Math.round(v2.active / 1e9)).toBe(21);
  });
});
