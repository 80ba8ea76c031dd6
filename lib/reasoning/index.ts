// Public API of lib/reasoning (re-exported by lib/index.ts).
export {};
