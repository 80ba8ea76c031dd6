// Public API of lib/elo (re-exported by lib/index.ts).
export {};
