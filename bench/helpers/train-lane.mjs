// One "lane" for bench/train.mjs's both-cores row (issue 13, item 4): a fresh lesson-3 model trained
// for `steps` AdamW steps on batches of 32 CoT examples with its own seed, in this process (wasm, one
// thread), the way scripts/cot-experiments.mjs and scripts/capstone.mjs run independent runs side by
// side. Prints one JSON line: { tokens, ms, cpuMs } of the timed steps (after one warm-up step):
// wall clock and this process's CPU time.
//   node bench/helpers/train-lane.mjs <steps> <seed>
import * as tf from "@tensorflow/tfjs";
import { AdamW, TinyTransformer, completionFor, encodeBatch, initBackend, loadCotCheckpoint, maskedCrossEntropy, problemStream } from "seeklab";

const [steps, seed] = process.argv.slice(2).map(Number);
await initBackend("wasm", { quiet: true });
const { model: trained, tokenizer } = await loadCotCheckpoint("cot_mul_cot_small.json");
const model = new TinyTransformer(trained.config, seed);
trained.dispose();
const vars = model.trainableVariables();
const opt = new AdamW(vars);
const stream = problemStream("*", seed);
let tokens = 0;
const step = async () => {
  const enc = encodeBatch(tokenizer, Array.from({ length: 32 }, () => {
    const p = stream.next();
    return { prompt: p.question, completion: completionFor(p, "cot") };
  }));
  const inputs = tf.tensor2d(enc.inputs, [enc.batch, enc.seq], "int32");
  const targets = tf.tensor2d(enc.targets, [enc.batch, enc.seq], "int32");
  const mask = tf.tensor2d(enc.mask, [enc.batch, enc.seq]);
  const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(model.forward(inputs), targets, mask), vars);
  opt.step(grads, 1e-3);
  await value.data();
  tf.dispose([value, grads, inputs, targets, mask]);
  return enc.tokens;
};
await step(); // warm-up
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < steps; i++) tokens += await step();
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ tokens, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
