// Public API of lib/hardware (re-exported by lib/index.ts).
export {};
