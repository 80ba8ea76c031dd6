// The public API of `seeklab`: a barrel, nothing else. Each room's own index.ts lists its exports.
export * from "./backend/index.js";
export * from "./random.js";
export * from "./nn/index.js";
export * from "./attention/index.js";
export * from "./moe/index.js";
export * from "./model/index.js";
export * from "./reasoning/index.js";
export { OptionError } from "./validate.js";
export * from "./elo/index.js";
export * from "./hardware/index.js";
export * from "./plot/index.js";
export * from "./notebook/index.js";
export { type DeepSeekRelease, datasetPath, findDataset, loadDatasetJson, loadDeepSeekTimeline } from "./data.js";
