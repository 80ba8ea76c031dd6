// Public API of lib/plot (re-exported by lib/index.ts).
export * from "./figure.js";
export * from "./charts.js";
export * from "./ticks.js";
export * from "./band.js";
export * from "./labelled.js";
export * from "./show.js";
