// The OpenAI-compatible server under load (lib/reasoning/server.ts), on 127.0.0.1: chat requests
// for the committed CoT model, first one at a time (the service time), then 16 at a time against
// a full queue (--max-queue 15), while GET /v1/models is asked every 50 ms. Reports chat latency
// p50/p95 and the models call's latency under load, as times and as ratios to the one-at-a-time
// service time measured in the same run. The same driver backs tests/reasoning/load.test.ts.
//
//   npm run bench -- serve          (SEEKLAB_SERVE_REQUESTS=320 by default)
import { join } from "node:path";
import { loadavg } from "node:os";
import { loadCheckpoint, serveOpenAI, TinyLLM } from "seeklab";
import { ROOT } from "../scripts/common.mjs";
import { loadTest, quantile } from "../scripts/serve-load.mjs";

const REQUESTS = Number(process.env.SEEKLAB_SERVE_REQUESTS ?? 320);
const MODEL = "seeklab-tiny-cot";

export default {
  name: "serve",
  description: `${REQUESTS} chat requests (greedy, max_tokens 8) to the tiny model over HTTP on 127.0.0.1: 1 and 16 at a time; GET /v1/models every 50 ms meanwhile`,
  async run(ctx) {
    const { model, tokenizer } = await loadCheckpoint(join(ROOT, "datasets", "cot_mul_cot_small.json"));
    const server = await serveOpenAI({ llm: new TinyLLM(model, tokenizer, MODEL), modelId: MODEL, maxQueue: 15 });
    const body = { model: MODEL, messages: [{ role: "user", content: "47*83=" }], max_tokens: 8 };
    const rows = [];
    try {
      ctx.log(`load average ${loadavg()[0].toFixed(1)}; warming up`);
      await loadTest({ baseURL: server.baseURL, body, requests: 8, concurrency: 1, probeEveryMs: 0 });
      let service;
      for (const concurrency of [1, 16]) {
        const r = await loadTest({ baseURL: server.baseURL, body, requests: concurrency === 1 ? Math.min(64, REQUESTS) : REQUESTS, concurrency, probeEveryMs: 50, deadlineMs: 600_000, queued: () => server.queued });
        if (r.errors.length) throw new Error(`bench serve: ${r.errors.length} errors, first: ${r.errors[0]}`);
        const p50 = quantile(r.latencyMs, 0.5);
        service ??= p50;
        const probes = concurrency === 16 ? r.probeAtFullMs : r.probeMs;
        rows.push({
          concurrency,
          requests: r.ok,
          "chat p50 ms": p50,
          "chat p95 ms": quantile(r.latencyMs, 0.95),
          "req/s": r.ok / (r.wallMs / 1000),
          "p50 / service": p50 / service,
          "queue max": r.maxQueued,
          "models calls": probes.length,
          "models p50 ms": quantile(probes, 0.5),
          "models p95 ms": quantile(probes, 0.95),
          "models max ms": probes.at(-1),
          "models p95 / service": quantile(probes, 0.95) / service,
        });
      }
    } finally {
      await server.close();
      model.dispose();
    }
    ctx.log("models figures for concurrency 16 are the calls made while the queue was full (15 waiting)");
    return rows;
  },
};
