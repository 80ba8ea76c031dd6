// The browser-safe core of `seeklab` (import "seeklab/core"): the tensor math, Elo, the hardware
// arithmetic and the plot builders. Nothing here imports a Node module: the loaders in it reach
// the filesystem only through lib/data.ts when called. tests/scripts/browserBundle.test.ts bundles
// this entry for a browser and runs an MLA forward and a Bradley–Terry fit from it in Chromium.
export * from "./random.js";
export * from "./nn/index.js";
export * from "./attention/index.js";
export * from "./moe/index.js";
export * from "./model/index.js";
export * from "./elo/index.js";
export * from "./hardware/index.js";
export * from "./plot/index.js";
export * from "./capstone/index.js";
