// Public API of lib/nn (re-exported by lib/index.ts).
export * from "./random.js";
export * from "./swiglu.js";
