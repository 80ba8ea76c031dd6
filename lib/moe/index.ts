// Public API of lib/moe (re-exported by lib/index.ts).
export * from "./gate.js";
export * from "./moe.js";
export * from "./balance.js";
export * from "./params.js";
export * from "./experiment.js";
