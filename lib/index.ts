// The public API of `seeklab`: a barrel, nothing else. Each room's own index.ts lists its exports
// by name; core.ts is the part that also runs in a browser, the rest needs Node.
export * from "./core.js";
export * from "./backend/index.js";
export { type DeepSeekRelease, datasetPath, findDataset, loadDatasetJson, loadDeepSeekTimeline } from "./data.js";
export * from "./reasoning/index.js";
export { OptionError } from "./validate.js";
export {
  type BattleFormat, type ReadBattlesOptions, type ReadBattlesResult, type RowProblem, BattleReadError,
  readBattles, parseBattles, streamBattles, splitCsv,
} from "./elo/io.js";
export { plotlyBundle, figureHtml, figureBundle, show, saveHtml } from "./plot/show.js";
export * from "./notebook/index.js";
