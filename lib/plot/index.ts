// Public API of lib/plot (re-exported by lib/index.ts).
export {};
