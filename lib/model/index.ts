// Public API of lib/model (re-exported by lib/core.ts): the tiny decoder-only transformer.
//
// Quick start (lesson 3, notebooks/03_chain_of_thought.ipynb, teaches each step):
//   import { CharTokenizer, TinyTransformer, trainLM, generate } from "seeklab";
//   const tok = new CharTokenizer();                                       // tokenizer.ts
//   const model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 32, nLayers: 2, nHeads: 2, ffnHidden: 64 }, 1);
//   let i = 0;
//   const next = () => ({ prompt: `${i % 9}+1=`, completion: String((i++ % 9) + 1) });
//   await trainLM(model, tok, next, { steps: 200 });                       // train.ts (AdamW: adamw.ts)
//   const [g] = await generate(model, tok, ["3+1="]);                       // sample.ts
//   console.log(g.text);                                                   // "4" once trained
//   model.dispose();                                                       // saveCheckpoint: checkpoint.ts
// Whole experiments (task, budget, held-out evaluation) are lib/reasoning/experiments.ts's trainTinyModel.
// Not exported: loadWeightsInto and configDifferences (checkpoint.ts's internals).
export {
  type TokenizerJSON, PAD_ID, BOS_ID, EOS_ID, ARITHMETIC_ALPHABET, CharTokenizer,
} from "./tokenizer.js";
export {
  type TinyTransformerConfig, type ResolvedConfig, type ModelCache, resolveConfig, countParams,
  TinyTransformer,
} from "./transformer.js";
export { type AdamWOptions, AdamW } from "./adamw.js";
export {
  type SequenceExample, type EncodedBatch, type StepInfo, type TrainOptions, type TrainResult,
  encodeBatch, maskedCrossEntropy, learningRate, trainLM,
} from "./train.js";
export { type GenerateOptions, type Generation, sampleToken, generate } from "./sample.js";
export {
  type CheckpointJSON, type LoadOptions, checkpointToJSON, checkpointFromJSON, saveCheckpoint,
  loadCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
} from "./checkpoint.js";
