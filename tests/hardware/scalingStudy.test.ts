import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SCALING_STUDY, heldOutLoss, runScalingStudy, writeScalingStudy } from "../../lib/hardware/scalingStudy.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { encodeBatch } from "../../lib/model/train.js";
import { expectNoLeaks, rtolFor, useTestBackend } from "../helpers/backend.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("the mini scaling study (lib/hardware/scalingStudy.ts)", () => {
  it("heldOutLoss is the mean cross-entropy over answer tokens, across batches (checked by a plain log-softmax)", async () => {
    const tok = new CharTokenizer("0123456789+*=;");
    const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 32, maxSeqLen: 16 }, 3);
    // 130 examples: two batches (128 + 2), so the per-batch means must be re-weighted by token counts
    const examples = Array.from({ length: 130 }, (_, i) => ({ prompt: `${i % 10}+${(i * 7) % 10}=`, completion: String((i % 10) + ((i * 7) % 10)) }));
    const got = await heldOutLoss(model, tok, examples);
    let total = 0;
    let count = 0;
    const enc = encodeBatch(tok, examples);
    const logits = tf.tidy(() => model.forward(tf.tensor2d(enc.inputs, [enc.batch, enc.seq], "int32")));
    const L = (await logits.array()) as number[][][];
    logits.dispose();
    for (let b = 0; b < enc.batch; b++) {
      for (let t = 0; t < enc.seq; t++) {
        if (enc.mask[b * enc.seq + t] === 0) continue;
        const row = L[b]![t]!;
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        total += lse - row[enc.targets[b * enc.seq + t]!]!;
        count++;
      }
    }
    expect(Math.abs(got - total / count)).toBeLessThan(rtolFor(1e-5) * (total / count));
    model.dispose();
  });

  it("a 2-step run of the smallest width returns one row per width, leaks nothing, and writes JSON", async () => {
    let study: Awaited<ReturnType<typeof runScalingStudy>> | undefined;
    const calls: number[] = [];
    await expectNoLeaks(async () => {
      study = await runScalingStudy({ ...DEFAULT_SCALING_STUDY, dModels: [8], steps: 2, seeds: [1], evalProblems: 16 }, { onRun: (d) => calls.push(d) });
    });
    const run = study!.runs[0]!;
    expect(study!.runs).toHaveLength(1);
    expect(calls).toEqual([1]);
    expect(run.params - run.nonEmbeddingParams).toBe(2 * 17 * 8); // embedding + head, vocab 17 (the committed checkpoints record vocabSize 17)
    expect(run.evalLoss).toBeGreaterThan(0);
    expect(run.steps).toBe(2);
    const path = await writeScalingStudy(study!, join(mkdtempSync(join(tmpdir(), "scaling-")), "study.json"));
    expect(JSON.parse(readFileSync(path, "utf8")).runs[0].name).toBe("d8");
  }, 60_000);

  it("rejects an impossible recipe, naming the field", async () => {
    await expect(runScalingStudy({ ...DEFAULT_SCALING_STUDY, steps: 0 })).rejects.toThrow("runScalingStudy(spec.steps): expected a positive integer; got 0");
    await expect(runScalingStudy({ ...DEFAULT_SCALING_STUDY, dModels: [] })).rejects.toThrow("runScalingStudy(spec): expected at least one width and one seed; got 0 and 2");
  });
});
