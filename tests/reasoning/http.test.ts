// The OpenAI-compatible client against the real server that `npm run serve` runs (serveOpenAI,
// lib/reasoning/server.ts), on 127.0.0.1 with a random port, with the tiny model behind it.
// Failures (slow replies, 500s, 429s, malformed bodies) are the server's own fault-injection options.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { useTestBackend } from "../helpers/backend.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { TinyLLM } from "../../lib/reasoning/tinyLLM.js";
import { serveOpenAI, type RunningServer } from "../../lib/reasoning/server.js";
import { OpenAIClient, openAIConfigured } from "../../lib/reasoning/openai.js";
import { selfConsistency } from "../../lib/reasoning/vote.js";
import type { Completion, LLM } from "../../lib/reasoning/llm.js";

let server: RunningServer;
let model: TinyTransformer;
let tiny: TinyLLM;

beforeAll(async () => {
  await useTestBackend();
  const tok = new CharTokenizer();
  model = new TinyTransformer({ vocabSize: tok.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 32, maxSeqLen: 32 }, 1);
  tiny = new TinyLLM(model, tok, "tiny-test");
  server = await serveOpenAI({ llm: tiny, port: 0 });
});

afterAll(async () => {
  await server?.close();
  model?.dispose();
});

const client = (opts: ConstructorParameters<typeof OpenAIClient>[0] = {}) =>
  new OpenAIClient({ baseURL: server.baseURL, apiKey: "", timeoutMs: 60_000, maxRetries: 0, backoffMs: 5, ...opts }); // generous: software WebGPU is slow

describe("OpenAI-compatible client ↔ tiny-model server", () => {
  it("listens on loopback and lists its model", async () => {
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const c = client();
    expect(await c.listModels()).toEqual(["tiny-test"]);
    expect(await c.model()).toBe("tiny-test");
  });

  it("success: a greedy completion equals the in-process model's", async () => {
    const [viaHttp] = await client().complete("12*34=", { maxTokens: 12 });
    const [direct] = await tiny.complete("12*34=", { maxTokens: 12, temperature: 0 });
    expect(viaHttp!.text).toBe(direct!.text);
    expect(viaHttp!.completionTokens).toBe(direct!.completionTokens);
    expect(["stop", "length"]).toContain(viaHttp!.finishReason);
  });

  it("n > 1 in one request, and seeded sampling is reproducible", async () => {
    const c = client();
    const before = server.requests;
    const a = await c.complete("12*34=", { n: 4, temperature: 1, maxTokens: 8, seed: 3 });
    expect(a).toHaveLength(4);
    expect(server.requests - before).toBe(1);
    const b = await c.complete("12*34=", { n: 4, temperature: 1, maxTokens: 8, seed: 3 });
    expect(b.map((x) => x.text)).toEqual(a.map((x) => x.text));
  });

  it("a server that ignores n gets k seeded requests instead", async () => {
    server.faults.ignoreN = true;
    try {
      const c = client();
      const before = server.requests;
      const got = await c.complete("5+6=", { n: 3, temperature: 1, maxTokens: 6, seed: 1 });
      expect(got).toHaveLength(3);
      expect(server.requests - before).toBe(3); // one asking for n=3 (got 1), then two more
      const again = await c.complete("5+6=", { n: 3, temperature: 1, maxTokens: 6, seed: 1 });
      expect(server.requests - before).toBe(6); // it remembered: no n request this time
      expect(again).toHaveLength(3);
    } finally {
      server.faults.ignoreN = false;
    }
  });

  it("timeout: a slow reply is a clear error", async () => {
    server.faults.delayMs = 400;
    try {
      await expect(client({ timeoutMs: 100 }).complete("1+1=", { maxTokens: 2 })).rejects.toThrow(/no reply within 100 ms \(timeout\)/);
    } finally {
      server.faults.delayMs = 0;
    }
  });

  it("500 then success: retried with backoff", async () => {
    server.faults.fail500 = 2;
    const before = server.requests;
    const got = await client({ maxRetries: 3 }).complete("1+1=", { maxTokens: 2 });
    expect(got).toHaveLength(1);
    expect(server.requests - before).toBe(3);
  });

  it("429 with Retry-After, then success", async () => {
    server.faults.fail429 = 1;
    const got = await client({ maxRetries: 1 }).complete("1+1=", { maxTokens: 2 });
    expect(got).toHaveLength(1);
  });

  it("gives up after the bounded retries", async () => {
    server.faults.fail500 = 5;
    const before = server.requests;
    await expect(client({ maxRetries: 2 }).complete("1+1=", { maxTokens: 2 })).rejects.toThrow(/HTTP 500.*gave up after 3 attempts/);
    expect(server.requests - before).toBe(3);
    server.faults.fail500 = 0;
  });

  it("malformed JSON: a clear error, not retried", async () => {
    server.faults.malformed = 1;
    const before = server.requests;
    await expect(client({ maxRetries: 3 }).complete("1+1=", { maxTokens: 2 })).rejects.toThrow(/malformed reply \(not JSON\)/);
    expect(server.requests - before).toBe(1);
  });

  it("a bad request is a 400 with the server's reason, not retried", async () => {
    await expect(client({ maxRetries: 3 }).complete("1+1=", { maxTokens: 100_000 })).rejects.toThrow(/HTTP 400.*max_tokens/);
    // The tiny model refuses text outside its alphabet with a message that says so: the
    // client's mistake, so a 400, and not retried.
    const before = server.requests;
    await expect(client({ maxRetries: 3 }).complete("What is 2+2?")).rejects.toThrow(/HTTP 400.*reads only/);
    expect(server.requests - before).toBe(1);
  });

  it("self-consistency over HTTP", async () => {
    const r = await selfConsistency(client(), "12*34=", { k: 5, maxTokens: 8, seed: 2 });
    expect(r.samples).toHaveLength(5);
    expect(r.answers).toHaveLength(5);
    expect(r.tokens).toBeGreaterThan(0);
  });

  it("never shows the API key", async () => {
    const secret = "sk-test-DO-NOT-PRINT-1234";
    const c = client({ apiKey: secret });
    expect(c.hasKey).toBe(true);
    expect(inspect(c)).not.toContain(secret);
    expect(JSON.stringify(c)).not.toContain(secret);
    expect(String(Object.values(c))).not.toContain(secret);
    server.faults.malformed = 1;
    const err = await c.complete("1+1=").catch((e: Error) => e);
    expect(String(err)).not.toContain(secret);
  });

  it("stream(): an async iterator of deltas that joins to complete()'s text, per index", async () => {
    const c = client();
    const body = { n: 3, temperature: 1, maxTokens: 8, seed: 5 };
    const whole = await c.complete("12*34=", body);
    const texts = ["", "", ""];
    const finish: (string | undefined)[] = [];
    let deltas = 0;
    for await (const d of c.stream("12*34=", body)) {
      deltas++;
      if (d.text) texts[d.index] += d.text;
      if (d.finishReason) finish[d.index] = d.finishReason;
    }
    expect(texts).toEqual(whole.map((w) => w.text));
    expect(finish).toEqual(whole.map((w) => w.finishReason));
    expect(deltas).toBeGreaterThan(3);
    // complete() with onText streams too, and gives the same answers.
    const seen: string[] = ["", "", ""];
    const viaCallback = await c.complete("12*34=", { ...body, onText: (i, t) => (seen[i] += t) });
    expect(viaCallback.map((x) => x.text)).toEqual(whole.map((w) => w.text));
    expect(seen).toEqual(whole.map((w) => w.text));
  });

  it("stream(): a 4xx is not retried; a 5xx before the first byte is", async () => {
    const before = server.requests;
    await expect(async () => {
      for await (const _ of client({ maxRetries: 3 }).stream("What is 2+2?")) void _;
    }).rejects.toThrow(/HTTP 400.*reads only/);
    expect(server.requests - before).toBe(1);
    server.faults.fail500 = 1;
    const ends: string[] = [];
    for await (const d of client({ maxRetries: 2, backoffMs: 1 }).stream("1+1=", { maxTokens: 3 })) if (d.finishReason) ends.push(d.finishReason);
    expect(server.requests - before).toBe(3);
    expect(ends).toHaveLength(1); // the retried request streamed to its end
  });

  it("bad sampling options never reach the server", async () => {
    const before = server.requests;
    await expect(client().complete("1+1=", { temperature: NaN })).rejects.toThrow(/OpenAIClient.complete: options.temperature must be a finite number >= 0; got NaN/);
    await expect(client().complete("1+1=", { maxTokens: 0 })).rejects.toThrow(/options.maxTokens must be an integer >= 1; got 0/);
    await expect(client().complete("1+1=", { topP: 0 })).rejects.toThrow(/options.topP/);
    expect(server.requests - before).toBe(0);
    expect(() => client({ maxRetries: -1 })).toThrow(/OpenAIClient: options.maxRetries/);
  });

  it("configuration errors are clear", () => {
    expect(() => new OpenAIClient({ baseURL: "" })).toThrow(/no base URL/);
    expect(() => new OpenAIClient({ baseURL: "not a url" })).toThrow(/not a URL/);
    expect(openAIConfigured({})).toBe(false);
    expect(openAIConfigured({ OPENAI_BASE_URL: "http://127.0.0.1:1/v1" })).toBe(true);
  });
});

describe("reasoning fields, through the real server", () => {
  it("reads reasoning_content, and splits <think> tags out of the content", async () => {
    const scripted: LLM = {
      name: "scripted",
      async complete(prompt, opts = {}): Promise<Completion[]> {
        const think = String(typeof prompt === "string" ? prompt : prompt.at(-1)!.content).includes("tags");
        return Array.from({ length: opts.n ?? 1 }, () =>
          think
            ? { text: "<think>3 × 4 = 12</think>The answer is \\boxed{12}.", completionTokens: 9 }
            : { text: "The answer is 12.", reasoning: "3 × 4 = 12", completionTokens: 9 },
        );
      },
    };
    const s = await serveOpenAI({ llm: scripted });
    try {
      const c = new OpenAIClient({ baseURL: s.baseURL, maxRetries: 0 });
      const [a] = await c.complete("plain");
      expect(a).toMatchObject({ text: "The answer is 12.", reasoning: "3 × 4 = 12", completionTokens: 9 });
      const [b] = await c.complete("tags");
      expect(b).toMatchObject({ text: "The answer is \\boxed{12}.", reasoning: "3 × 4 = 12" });
    } finally {
      await s.close();
    }
  });
});
