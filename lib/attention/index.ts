// Public API of lib/attention (re-exported by lib/index.ts).
export * from "./memory.js";
export * from "./configs.js";
export * from "./kvcache.js";
export * from "./paged.js";
export * from "./mha.js";
export * from "./mla.js";
export * from "./timing.js";
