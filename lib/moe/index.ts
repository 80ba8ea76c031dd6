// Public API of lib/moe (re-exported by lib/index.ts).
export {};
