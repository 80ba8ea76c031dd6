// Public API of lib/attention (re-exported by lib/index.ts).
export * from "./memory.js";
