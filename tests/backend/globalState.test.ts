// Only lib/backend changes TensorFlow.js's global state (kernel and gradient registries), and only
// when initBackend runs: training, GRPO and every other call leave it alone.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend, restoreMatMulGrad } from "../../lib/backend/index.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { trainLM } from "../../lib/model/train.js";

const LIB = new URL("../../lib/", import.meta.url);

function libSources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== "dist" && e.name !== "node_modules") out.push(...libSources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("TensorFlow.js's global state", () => {
  beforeAll(async () => {
    // wasm only: this file switches backends, which the webgpu leg of the test matrix must not do.
    await initBackend("wasm", { quiet: true });
  });

  it("no file outside lib/backend/ touches the kernel or gradient registry", () => {
    const root = LIB.pathname;
    const offenders = libSources(root)
      .filter((f) => !f.startsWith(join(root, "backend")))
      .filter((f) => /\b(registerKernel|registerGradient|unregisterKernel|unregisterGradient|removeBackend|registerBackend)\s*\(/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("trainLM leaves the matmul gradient as it found it", async () => {
    restoreMatMulGrad();
    const before = tf.getGradient("BatchMatMul");
    const tok = new CharTokenizer();
    const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 8, nLayers: 1, nHeads: 2, ffnHidden: 16, maxSeqLen: 12 }, 1);
    await trainLM(model, tok, () => ({ prompt: "1+2=", completion: "3" }), { steps: 1, batchSize: 2 });
    model.dispose();
    expect(tf.getGradient("BatchMatMul")).toBe(before);
  });

  it("initBackend installs the explicit-transpose matmul gradient on wasm and removes it elsewhere", async () => {
    restoreMatMulGrad();
    const tfjsOwn = tf.getGradient("BatchMatMul");
    await initBackend("cpu", { quiet: true });
    expect(tf.getGradient("BatchMatMul")).toBe(tfjsOwn);
    await initBackend("wasm", { quiet: true });
    expect(tf.getGradient("BatchMatMul")).not.toBe(tfjsOwn);
  });
});
