import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend, isSoftwareAdapter, describeAdapter } from "../../lib/backend/index.js";

describe("initBackend", () => {
  it("loads wasm when forced and reports it", async () => {
    const info = await initBackend("wasm", { quiet: true });
    expect(info).toEqual({ name: "wasm", accelerator: "cpu", detail: expect.stringContaining("WebAssembly") });
    expect(tf.getBackend()).toBe("wasm");
  });

  it("loads the pure-JS cpu backend when forced", async () => {
    const info = await initBackend("cpu", { quiet: true });
    expect(info.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    await initBackend("wasm", { quiet: true });
  });

  it("fails clearly when a forced backend cannot load", async () => {
    // @tensorflow/tfjs-node is optional and not installed on our machines (its install downloads libtensorflow).
    await expect(initBackend("tensorflow", { quiet: true })).rejects.toThrow(
      /backend "tensorflow" was requested but cannot load: @tensorflow\/tfjs-node-gpu: .*@tensorflow\/tfjs-node: /,
    );
  });

  it("rejects an unknown name, naming what it accepts", async () => {
    await expect(initBackend("tpu" as never, { quiet: true })).rejects.toThrow(
      'initBackend(prefer) must be one of auto, tensorflow, webgpu, wasm, cpu; got "tpu"',
    );
  });

  it("reads SEEKLAB_BACKEND and names it in errors", async () => {
    const saved = process.env.SEEKLAB_BACKEND;
    process.env.SEEKLAB_BACKEND = "quantum";
    try {
      await expect(initBackend(undefined, { quiet: true })).rejects.toThrow(/SEEKLAB_BACKEND must be one of .*"quantum"/);
    } finally {
      if (saved === undefined) delete process.env.SEEKLAB_BACKEND;
      else process.env.SEEKLAB_BACKEND = saved;
    }
  });

  it("auto picks a working backend without a GPU (never software WebGPU)", async () => {
    const saved = process.env.SEEKLAB_BACKEND;
    delete process.env.SEEKLAB_BACKEND;
    try {
      const info = await initBackend("auto", { quiet: true });
      expect(["tensorflow", "webgpu", "wasm", "cpu"]).toContain(info.name);
      if (info.name === "webgpu") expect(info.accelerator).toBe("webgpu");
    } finally {
      if (saved !== undefined) process.env.SEEKLAB_BACKEND = saved;
      await initBackend((saved ?? "wasm") as "wasm", { quiet: true });
    }
  });
});

describe("adapter classification", () => {
  it("treats SwiftShader and llvmpipe as software, an NVIDIA GPU as real", () => {
    expect(isSoftwareAdapter({ vendor: "google", architecture: "swiftshader", description: "SwiftShader driver 5.0.0" })).toBe(true);
    expect(isSoftwareAdapter({ vendor: "mesa", description: "llvmpipe (LLVM 15.0.6, 256 bits)" })).toBe(true);
    expect(isSoftwareAdapter({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" })).toBe(false);
    expect(isSoftwareAdapter({ vendor: "nvidia", isFallbackAdapter: true })).toBe(true);
    expect(describeAdapter({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" })).toBe("nvidia / hopper / NVIDIA H200");
  });
});
