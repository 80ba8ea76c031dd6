// The server under load, on 127.0.0.1: a few hundred chat requests, 16 at a time, against a queue
// that is then full (1 running + 15 waiting, --max-queue 15): none may fail, and GET /v1/models,
// asked every 50 ms meanwhile, must be answered well before a chat request is (generation yields
// to the event loop between decode steps). Also: a full queue answers 429 + Retry-After at once,
// and a client that disconnects cancels its work. Latency figures: `npm run bench -- serve`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { initBackend } from "../../lib/backend/index.js";
import { loadCheckpoint } from "../../lib/model/checkpoint.js";
import type { TinyTransformer } from "../../lib/model/transformer.js";
import { TinyLLM } from "../../lib/reasoning/tinyLLM.js";
import { serveOpenAI } from "../../lib/reasoning/server.js";
// @ts-expect-error plain .mjs module without types
import { loadTest, quantile } from "../../scripts/serve-load.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const MODEL = "seeklab-tiny-cot";
let model: TinyTransformer;
let llm: TinyLLM;

beforeAll(async () => {
  await initBackend("wasm", { quiet: true });
  const loaded = await loadCheckpoint(`${ROOT}datasets/cot_mul_cot_small.json`);
  model = loaded.model;
  llm = new TinyLLM(model, loaded.tokenizer, MODEL);
}, 60_000);

afterAll(() => model?.dispose());

describe("the server under load", () => {
  it("256 requests, 16 at a time, queue full: no error; a models call answers meanwhile", async () => {
    const server = await serveOpenAI({ llm, modelId: MODEL, maxQueue: 15 });
    try {
      const r = await loadTest({
        baseURL: server.baseURL,
        body: { model: MODEL, messages: [{ role: "user", content: "47*83=" }], max_tokens: 8 },
        requests: 256,
        concurrency: 16,
        probeEveryMs: 50,
        deadlineMs: 240_000,
        queued: () => server.queued,
      });
      expect(r.errors).toEqual([]);
      expect(r.ok).toBe(256);
      expect(r.maxQueued).toBe(15); // the queue really was full
      expect(r.probeAtFullMs.length).toBeGreaterThan(0);
      // A models call waits about one decode step; a chat request waits for the 15 before it.
      // (Without yielding between steps, the models call waited for the whole queue: ≈ chat p50.)
      const chatP50 = quantile(r.latencyMs, 0.5);
      const probeP50 = quantile(r.probeAtFullMs, 0.5);
      const probeP95 = quantile(r.probeAtFullMs, 0.95);
      const figures = `models p50 ${probeP50.toFixed(1)} ms, p95 ${probeP95.toFixed(1)} ms; chat p50 ${chatP50.toFixed(1)} ms`;
      expect(probeP50, figures).toBeLessThan(chatP50 / 4);
      expect(probeP95, figures).toBeLessThan(chatP50 / 2);
    } finally {
      await server.close();
    }
  }, 300_000);

  it("a full queue answers 429 with Retry-After at once (RateLimitError in the SDK)", async () => {
    const server = await serveOpenAI({ llm, modelId: MODEL, maxQueue: 1 });
    try {
      const sdk = new OpenAI({ baseURL: server.baseURL, apiKey: "x", maxRetries: 0 });
      const body = { model: MODEL, messages: [{ role: "user" as const, content: "47*83=" }], n: 8 };
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => sdk.chat.completions.create(body)));
      const ok = results.filter((x) => x.status === "fulfilled");
      const limited = results.flatMap((x) => (x.status === "rejected" ? [x.reason] : []));
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const e of limited) {
        expect(e).toBeInstanceOf(OpenAI.RateLimitError);
        expect((e as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
      }
    } finally {
      await server.close();
    }
  }, 120_000);

  it("a client that disconnects cancels its generation; the next request is served", async () => {
    const server = await serveOpenAI({ llm, modelId: MODEL });
    try {
      const controller = new AbortController();
      const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "47*83=" }], n: 64, temperature: 1, stream: true });
      const res = await fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read(); // the first chunk: generation has started
      controller.abort();
      for (let i = 0; i < 100 && server.cancelled === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(server.cancelled).toBe(1);
      const sdk = new OpenAI({ baseURL: server.baseURL, apiKey: "x", maxRetries: 0 });
      const r = await sdk.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "47*83=" }] });
      expect(r.choices[0]!.message.content!.startsWith("47*3+47*80=")).toBe(true);
    } finally {
      await server.close();
    }
  }, 120_000);
});
