// Public API of lib/reasoning (re-exported by lib/index.ts).
export * from "./problems.js";
export * from "./wordProblems.js";
export * from "./extract.js";
export * from "./llm.js";
export * from "./prompts.js";
export * from "./vote.js";
export * from "./openai.js";
export * from "./server.js";
export * from "./experiments.js";
export * from "./grpo.js";
export * from "./tinyLLM.js";
export { isLoopback } from "./server-guard.js";
export { stopCut, StopFilter } from "./stop.js";
export { numberTokens, type NumberToken } from "./numbers.js";
export * from "./digitChain.js";
