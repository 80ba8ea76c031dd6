// Public API of lib/notebook (re-exported by lib/index.ts).
export {};
