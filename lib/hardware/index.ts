// Public API of lib/hardware (re-exported by lib/index.ts).
export * from "./gpus.js";
export * from "./roofline.js";
export * from "./serving.js";
export * from "./training.js";
export * from "./scaling.js";
export * from "./jevons.js";
export * from "./claims.js";
export * from "./claimFigures.js";
export * from "./scalingStudy.js";
