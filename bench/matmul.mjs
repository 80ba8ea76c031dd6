// Matmul throughput (GFLOP/s) of every backend that can load here, at n = 256, 512, 1024, with
// the ratio to wasm (the CPU default) measured in the same run.
import { availableBackends, initBackend, matmulGflops, currentBackend } from "seeklab";

export default {
  name: "matmul",
  description: "n×n float32 matmul GFLOP/s per loadable backend, ratio to wasm",
  async run(ctx) {
    const start = currentBackend()?.name ?? "wasm";
    const sizes = [256, 512, 1024];
    const rows = [];
    const wasm = {};
    const backends = await availableBackends();
    for (const name of backends) {
      await initBackend(name, { quiet: true });
      for (const n of sizes) {
        // The pure-JS backend needs ~3 s per 1024³ product; one timed run is enough there.
        const r = await matmulGflops(n, { minMs: name === "cpu" && n >= 1024 ? 0 : 400 });
        if (name === "wasm") wasm[n] = r.gflops;
        ctx.log(`${name} n=${n}: ${r.gflops.toFixed(2)} GFLOP/s`);
        rows.push({ backend: name, n, medianMs: r.medianMs, gflops: r.gflops });
      }
    }
    for (const r of rows) r.vsWasm = wasm[r.n] ? r.gflops / wasm[r.n] : "n/a";
    await initBackend(start, { quiet: true });
    return rows;
  },
};
