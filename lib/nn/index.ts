// Public API of lib/nn (re-exported by lib/index.ts).
export * from "./swiglu.js";
export * from "./linear.js";
export * from "./rmsnorm.js";
export * from "./rope.js";
export * from "./init.js";
export * from "./attention.js";
export * from "./bmm.js";
