// Public API of lib/model (re-exported by lib/index.ts).
//
// Quick start (also what the hardware lesson's scaling study calls, one size at a time):
//   import { trainTinyModel } from "seeklab";   // lib/reasoning/experiments.ts
//   const run = await trainTinyModel({ model: { dModel: 64, nLayers: 2, nHeads: 4, ffnHidden: 128 },
//                                      task: "mul", style: "cot", timeBudgetMs: 60_000, seed: 1 });
//   // or tokenBudget: 2e6 instead of timeBudgetMs, for a compute-matched comparison across sizes
//   run.params, run.train.tokens, run.train.finalLoss, run.train.history, run.eval?.accuracy;
//   run.model.dispose();
// Lower level: new TinyTransformer(config, seed) + trainLM(model, tokenizer, nextExample, opts).
export * from "./tokenizer.js";
export * from "./transformer.js";
export * from "./adamw.js";
export * from "./train.js";
export * from "./sample.js";
export * from "./checkpoint.js";
