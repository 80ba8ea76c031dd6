import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectNoLeaks, rtolFor, useTestBackend } from "../helpers/backend.js";
import { ARITHMETIC_ALPHABET, BOS_ID, CharTokenizer, EOS_ID, PAD_ID } from "../../lib/model/tokenizer.js";
import { TinyTransformer, countParams, resolveConfig } from "../../lib/model/transformer.js";
import { AdamW } from "../../lib/model/adamw.js";
import { encodeBatch, learningRate, maskedCrossEntropy, trainLM } from "../../lib/model/train.js";
import { generate, sampleToken } from "../../lib/model/sample.js";
import { checkpointFromJSON, checkpointToJSON, loadCheckpoint, saveCheckpoint } from "../../lib/model/checkpoint.js";
import { restoreMatMulGrad, useExplicitTransposeMatMulGrad } from "../../lib/backend/matmulGrad.js";
import { applyRope, applyRopeMatmul, ropeTables } from "../../lib/nn/rope.js";
import { createMHACache, initMHAWeights, mhaForward } from "../../lib/attention/mha.js";
import { Rng } from "../../lib/random.js";
import { expectClose } from "../helpers/close.js";

const REF = JSON.parse(readFileSync(new URL("../reference/fixtures/model_reference.json", import.meta.url), "utf8"));
const tok = new CharTokenizer();
const SMALL = { vocabSize: tok.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, ffnHidden: 32, maxSeqLen: 24 };

beforeAll(async () => {
  await useTestBackend();
});

describe("CharTokenizer", () => {
  it("round-trips text and knows its specials", () => {
    for (const s of ["47*83=47*3+47*80=141+3760=3901", "7+8+0=15;825", ""]) {
      expect(tok.decode(tok.encode(s))).toBe(s);
      expect(tok.decode(tok.encode(s, { bos: true, eos: true }))).toBe(s);
    }
    expect(tok.vocabSize).toBe(3 + ARITHMETIC_ALPHABET.length);
    expect(tok.encode("1", { bos: true, eos: true })).toEqual([BOS_ID, 4, EOS_ID]);
    expect(tok.decode([BOS_ID, 4, EOS_ID, 5])).toBe("1");
    expect(tok.decode([4, EOS_ID, 5], { stopAtEos: false })).toBe("12");
    expect(tok.decode([PAD_ID, 4])).toBe("1");
    expect(CharTokenizer.fromJSON(tok.toJSON()).alphabet).toBe(tok.alphabet);
  });
  it("names an unknown character", () => {
    expect(() => tok.encode("12x")).toThrow(/"x" at position 2/);
    expect(() => new CharTokenizer("aa")).toThrow(/twice/);
  });
});

describe("TinyTransformer", () => {
  it("fills defaults, counts parameters and rejects a bad config", () => {
    const c = resolveConfig(SMALL);
    expect(c.headDim).toBe(8);
    expect(c.attention).toBe("mha");
    // embed + head + final norm + per layer (2 norms, 4 attention matrices, 3 FFN matrices)
    const perLayer = 2 * 16 + 4 * 16 * 16 + 3 * 16 * 32;
    expect(countParams(SMALL)).toBe(2 * 17 * 16 + 16 + 2 * perLayer);
    expect(() => resolveConfig({ ...SMALL, nHeads: 3 })).toThrow(/headDim/);
    expect(() => resolveConfig({ ...SMALL, ffn: "moe" })).toThrow(/moe/);
  });

  it("matmul RoPE equals lib/nn's applyRope, and MHA with it equals mhaForward with the readable RoPE (with and without a cache)", async () => {
    const x = tf.tensor(new Rng(1).normals(2 * 5 * 3 * 8), [2, 5, 3, 8]);
    const a = applyRope(x, ropeTables(8, 16), 3);
    const b = applyRopeMatmul(x, ropeTables(8, 16), 3);
    await expectClose(a, b, { atol: 1e-5 });
    // GQA (2 KV heads for 4 query heads) equals MHA whose key/value columns are repeated per group;
    // the MHA reference is lib/attention's mhaForward.
    const cfg = { dModel: 12, nHeads: 4, nKvHeads: 2, headDim: 6, maxSeqLen: 16 };
    const w = initMHAWeights(cfg, 5);
    const repeatHeads = (m: tf.Tensor) => tf.tidy(() => {
      const [a, b] = tf.split(m, 2, 1); // kv head 0, kv head 1: [12, 6] each
      return tf.concat([a!, a!, b!, b!], 1); // query heads 0,1 read kv 0; 2,3 read kv 1
    });
    const mhaCfg = { ...cfg, nKvHeads: 4 };
    const wMha = { wq: w.wq, wk: repeatHeads(w.wk), wv: repeatHeads(w.wv), wo: w.wo };
    const h = tf.tensor(new Rng(2).normals(2 * 7 * 12), [2, 7, 12]);
    const ref = mhaForward(h, wMha, mhaCfg);
    const fast = mhaForward(h, w, cfg, { ropeImpl: "matmul" });
    await expectClose(ref, fast, { atol: 1e-5 * rtolFor(1) * 10 });
    tf.dispose([wMha.wk, wMha.wv]);
    // Chunked prefill through the cache agrees too.
    const cache = createMHACache(cfg, 2);
    const p1 = mhaForward(h.slice([0, 0, 0], [2, 4, 12]), w, cfg, { cache, startPos: 0, ropeImpl: "matmul" });
    const p2 = mhaForward(h.slice([0, 4, 0], [2, 3, 12]), w, cfg, { cache, startPos: 4, ropeImpl: "matmul" });
    const cat = tf.concat([p1, p2], 1);
    await expectClose(ref, cat, { atol: 1e-4 });
    cache.dispose();
    tf.dispose([x, a, b, h, ref, fast, p1, p2, cat, ...Object.values(w)]);
  });

  it("KV-cached forward equals the full forward, token by token", async () => {
    const model = new TinyTransformer(SMALL, 3);
    const ids = tf.tensor2d([[1, 5, 6, 13, 7, 8, 15, 9], [1, 9, 9, 14, 4, 4, 15, 3]], [2, 8], "int32");
    const full = model.forward(ids);
    const cache = model.createCache(2);
    const parts = [model.forward(ids.slice([0, 0], [2, 5]), { cache })];
    for (let t = 5; t < 8; t++) parts.push(model.forward(ids.slice([0, t], [2, 1]), { cache }));
    expect(cache.length).toBe(8);
    const stitched = tf.concat(parts, 1);
    await expectClose(full, stitched, { atol: 1e-4 });
    // The reference attention gives the same logits.
    model.ropeImpl = "split";
    const ref = model.forward(ids);
    await expectClose(full, ref, { atol: 1e-4 });
    cache.dispose();
    tf.dispose([ids, full, stitched, ref, ...parts]);
    model.dispose();
  });

  it("also runs with MLA attention and an MoE FFN", async () => {
    const model = new TinyTransformer({ ...SMALL, attention: "mla", ffn: "moe", moe: { nExperts: 4, topK: 2 } }, 4);
    const ids = tf.tensor2d([[1, 5, 6, 13, 7, 8]], [1, 6], "int32");
    const full = model.forward(ids);
    expect(full.shape).toEqual([1, 6, tok.vocabSize]);
    const cache = model.createCache(1);
    const a = model.forward(ids.slice([0, 0], [1, 4]), { cache });
    const b = model.forward(ids.slice([0, 4], [1, 2]), { cache });
    const cat = tf.concat([a, b], 1);
    await expectClose(full, cat, { atol: 1e-4 });
    cache.dispose();
    tf.dispose([ids, full, a, b, cat]);
    model.dispose();
  });

  it("leaks nothing in forward, and disposes every weight", async () => {
    const before = tf.memory().numTensors;
    const model = new TinyTransformer(SMALL, 3);
    const ids = tf.tensor2d([[1, 5, 6]], [1, 3], "int32");
    await expectNoLeaks(() => tf.tidy(() => void model.forward(ids)));
    ids.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("training pieces", () => {
  it("AdamW matches the NumPy reference (decoupled decay, bias correction, clipping)", async () => {
    const r = REF.adamw;
    const w = tf.variable(tf.tensor2d(r.w0), true, "adamw_w");
    const g = tf.variable(tf.tensor1d(r.g0), true, "adamw_g");
    const opt = new AdamW([w, g], { beta1: r.beta1, beta2: r.beta2, eps: r.eps, weightDecay: r.weightDecay, clipNorm: r.clipNorm });
    for (const [dw, dg] of r.grads) {
      const grads = { adamw_w: tf.tensor2d(dw), adamw_g: tf.tensor1d(dg) };
      opt.step(grads, r.lr);
      tf.dispose(Object.values(grads));
    }
    const wGot = (await w.array()) as number[][];
    const gGot = (await g.array()) as number[];
    wGot.flat().forEach((v, i) => expect(v).toBeCloseTo(r.w2.flat()[i], 5));
    gGot.forEach((v, i) => expect(v).toBeCloseTo(r.g2[i], 5));
    opt.dispose();
    w.dispose();
    g.dispose();
  });

  it("masked cross-entropy matches NumPy", async () => {
    const r = REF.crossEntropy;
    const loss = maskedCrossEntropy(tf.tensor3d(r.logits), tf.tensor2d(r.targets, undefined, "int32"), tf.tensor2d(r.mask));
    expect((await loss.data())[0]).toBeCloseTo(r.loss, 5);
  });

  it("masks the prompt: the loss is on completion tokens and <eos> only", () => {
    const enc = encodeBatch(tok, [{ prompt: "12*3=", completion: "36" }, { prompt: "1*1=", completion: "1" }]);
    // Row 0: <bos> 1 2 * 3 = 3 6 <eos> → 8 inputs; targets "3", "6", <eos> count.
    expect(enc.seq).toBe(8);
    expect(Array.from(enc.mask.slice(0, 8))).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(tok.decode(Array.from(enc.targets.slice(5, 8)), { stopAtEos: false })).toBe("36");
    expect(enc.targets[7]).toBe(EOS_ID);
    // Row 1 is shorter: padded positions carry no loss.
    expect(Array.from(enc.mask.slice(8, 16))).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
    expect(enc.inputs[8 + 6]).toBe(PAD_ID);
    expect(encodeBatch(tok, [{ prompt: "1=", completion: "1" }], "all").mask[0]).toBe(1);
  });

  it("the explicit-transpose matmul gradient equals tfjs's own", async () => {
    const a = tf.tensor(new Rng(7).normals(2 * 3 * 4), [2, 3, 4]);
    const b = tf.tensor(new Rng(8).normals(2 * 5 * 4), [2, 5, 4]);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, y, false, true)));
    restoreMatMulGrad();
    const g1 = tf.grads(f)([a, b]);
    useExplicitTransposeMatMulGrad();
    const g2 = tf.grads(f)([a, b]);
    await expectClose(g1[0]!, g2[0]!, { atol: 1e-5 });
    await expectClose(g1[1]!, g2[1]!, { atol: 1e-5 });
    tf.dispose([a, b, ...g1, ...g2]);
  });

  it("learning rate warms up linearly then decays by cosine to the floor", () => {
    const o = { lr: 1, warmupSteps: 10, minLrRatio: 0.1 };
    expect(learningRate(0, 0, o)).toBeCloseTo(0.1);
    expect(learningRate(9, 0.1, o)).toBeCloseTo(1);
    expect(learningRate(50, 0.5, o)).toBeCloseTo(0.55);
    expect(learningRate(99, 1, o)).toBeCloseTo(0.1);
  });

  it("smoke: the loss falls within a few seconds of training, leaving no tensors behind", async () => {
    const rng = new Rng(1);
    const next = () => {
      const a = rng.intBetween(1, 9);
      const b = rng.intBetween(1, 9);
      return { prompt: `${a}+${b}=`, completion: String(a + b) };
    };
    const model = new TinyTransformer(SMALL, 1);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await trainLM(model, tok, next, { steps: 60, batchSize: 16, lr: 1e-2, logEvery: 20, onStep: (i) => void seen.push(i.loss) });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.steps).toBe(60);
    expect(r.history[0]!.loss).toBeGreaterThan(2);
    expect(r.finalLoss).toBeLessThan(r.history[0]!.loss * 0.6);
    expect(seen.length).toBe(r.history.length);
    expect(r.tokens).toBeGreaterThanOrEqual(60 * 16 * 5); // "a+b=" + at least one digit, <bos> in, <eos> out
    model.dispose();
  }, 240_000); // 60 steps on software WebGPU (SwiftShader) took over 60 s on a loaded 2-core machine
});

describe("sampling", () => {
  it("greedy picks the arg-max (first on ties); top-k never leaves the k best", () => {
    const rng = new Rng(1);
    expect(sampleToken([0.1, 3, 3, -1], 0, 0, rng)).toBe(1);
    for (let i = 0; i < 200; i++) expect([1, 2]).toContain(sampleToken([0.1, 3, 2.9, -1], 1, 2, rng));
  });

  it("KV-cached generation equals uncached, greedy and sampled; sampling is seeded; no leaks", async () => {
    const model = new TinyTransformer(SMALL, 9);
    const prompts = ["12*34=", "5+6=", "99*11=", "7+7="];
    const before = tf.memory().numTensors;
    const a = await generate(model, tok, prompts, { maxNewTokens: 10 });
    const b = await generate(model, tok, prompts, { maxNewTokens: 10, useCache: false });
    expect(a.map((g) => g.ids)).toEqual(b.map((g) => g.ids));
    const s1 = await generate(model, tok, prompts, { maxNewTokens: 10, temperature: 1, topK: 5, seed: 3 });
    const s2 = await generate(model, tok, prompts, { maxNewTokens: 10, temperature: 1, topK: 5, seed: 3, useCache: false });
    expect(s1.map((g) => g.ids)).toEqual(s2.map((g) => g.ids));
    expect(tf.memory().numTensors).toBe(before);
    for (const g of a) {
      expect(g.ids.length).toBeLessThanOrEqual(10);
      expect(g.finished).toBe(g.ids[g.ids.length - 1] === EOS_ID);
    }
    expect(a[0]!.prompt).toBe("12*34=");
    model.dispose();
  });
});

describe("checkpoints", () => {
  it("round-trip exactly (same logits) through a file", async () => {
    const model = new TinyTransformer(SMALL, 11);
    const dir = mkdtempSync(join(tmpdir(), "seeklab-ckpt-"));
    const path = join(dir, "m.json");
    await saveCheckpoint(path, model, tok, { task: "test" });
    const loaded = await loadCheckpoint(path, { expectConfig: SMALL });
    expect(loaded.meta).toEqual({ task: "test" });
    expect(loaded.tokenizer.alphabet).toBe(tok.alphabet);
    const ids = tf.tensor2d([[1, 5, 6, 7]], [1, 4], "int32");
    const y1 = model.forward(ids);
    const y2 = loaded.model.forward(ids);
    await expectClose(y1, y2, { atol: 0 });
    tf.dispose([ids, y1, y2]);
    loaded.model.dispose();
    model.dispose();
    rmSync(dir, { recursive: true });
  });

  it("a mismatched checkpoint is a clear error", async () => {
    const model = new TinyTransformer(SMALL, 11);
    const json = await checkpointToJSON(model, tok);
    model.dispose();
    expect(() => checkpointFromJSON(json, { expectConfig: { ...SMALL, dModel: 32 } })).toThrow(/dModel: 16 ≠ 32/);
    expect(() => checkpointFromJSON({ ...json, version: 99 })).toThrow(/version 99/);
    expect(() => checkpointFromJSON({ format: "other" })).toThrow(/not a SeekLab checkpoint/);
    const bad = { ...json, weights: { ...json.weights, head: { shape: [16, 3], data: json.weights.head!.data } } };
    expect(() => checkpointFromJSON(bad)).toThrow(/head has shape \[16,3\]/);
    const missing = { ...json, weights: { ...json.weights } };
    delete missing.weights.embed;
    expect(() => checkpointFromJSON(missing)).toThrow(/missing: embed/);
    await expect(loadCheckpoint("/nonexistent/x.json")).rejects.toThrow(/cannot read/);
  });
});
