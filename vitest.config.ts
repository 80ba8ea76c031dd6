import { defineConfig } from "vitest/config";

// One worker process at a time: the machines this runs on have two cores, TensorFlow.js's wasm
// backend is single-threaded, and SwiftShader (the WebGPU leg) is itself multi-threaded.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
