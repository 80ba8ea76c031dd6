// Public API of lib/notebook (re-exported by lib/index.ts).
export * from "./display.js";
export * from "./banner.js";
export * from "./check.js";
export * from "./progress.js";
export * from "./exercise.js";
export * from "./measure.js";
export * from "./tensors.js";
