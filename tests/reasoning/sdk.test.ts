// The official OpenAI SDKs — the `openai` npm package (6.x) and the Python `openai` package (3.x,
// in .venv) — against SeekLab's real server (serveOpenAI, lib/reasoning/server.ts) on 127.0.0.1 at
// a random port, the committed CoT checkpoint behind it: models list and retrieve, non-streamed,
// streamed (identical text for the same seed), n > 1, and every error mapped to its SDK class.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { initBackend } from "../../lib/backend/index.js";
import { loadCheckpoint } from "../../lib/model/checkpoint.js";
import type { TinyTransformer } from "../../lib/model/transformer.js";
import { TinyLLM } from "../../lib/reasoning/tinyLLM.js";
import { serveOpenAI, type RunningServer } from "../../lib/reasoning/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KEY = "sk-seeklab-test-0123456789";
const MODEL = "seeklab-tiny-cot";
const ask = [{ role: "user" as const, content: "47*83=" }];

let server: RunningServer;
let model: TinyTransformer;
let sdk: OpenAI;
const logged: string[] = [];

beforeAll(async () => {
  await initBackend("wasm", { quiet: true });
  const loaded = await loadCheckpoint(`${ROOT}datasets/cot_mul_cot_small.json`);
  model = loaded.model;
  server = await serveOpenAI({ llm: new TinyLLM(model, loaded.tokenizer, MODEL), modelId: MODEL, apiKey: KEY, log: (l) => logged.push(l) });
  sdk = new OpenAI({ baseURL: server.baseURL, apiKey: KEY, maxRetries: 0, timeout: 60_000 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  model?.dispose();
});

/** The SDK error a call rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof OpenAI.APIError)) throw new Error(`expected an OpenAI.APIError, got ${String(e)}`);
  return e;
}

describe("the official openai npm package against the server", () => {
  it("lists and retrieves the model; an unknown one is NotFoundError", async () => {
    const list = await sdk.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    expect((await sdk.models.retrieve(MODEL)).id).toBe(MODEL);
    const e = await failure(sdk.models.retrieve("gpt-4o"));
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.code).toBe("model_not_found");
  });

  it("non-streamed: the tiny model multiplies", async () => {
    const r = await sdk.chat.completions.create({ model: MODEL, messages: ask });
    expect(r.object).toBe("chat.completion");
    expect(r.choices[0]!.message.content!.startsWith("47*3+47*80=")).toBe(true);
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it("streamed: chunks join to exactly the non-streamed text, per index, for the same seed (n = 3)", async () => {
    const body = { model: MODEL, messages: ask, n: 3, temperature: 0.9, seed: 11 };
    const plain = await sdk.chat.completions.create(body);
    const stream = await sdk.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
    const texts = ["", "", ""];
    const finish: (string | null)[] = [null, null, null];
    let chunks = 0;
    let usage: number | undefined;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("chat.completion.chunk");
      if (chunk.usage) usage = chunk.usage.total_tokens;
      for (const c of chunk.choices) {
        texts[c.index] += c.delta.content ?? "";
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    expect(chunks).toBeGreaterThan(10); // token by token, not one lump
    expect(texts).toEqual(plain.choices.map((c) => c.message.content));
    expect(finish).toEqual(plain.choices.map((c) => c.finish_reason));
    expect(usage).toBe(plain.usage!.total_tokens);
  });

  it("the .stream() helper and stop strings", async () => {
    const runner = sdk.chat.completions.stream({ model: MODEL, messages: ask, stop: ["+"] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("47*3");
    const plain = await sdk.chat.completions.create({ model: MODEL, messages: ask, stop: "+" });
    expect(plain.choices[0]!.message.content).toBe("47*3");
  });

  it("sample i uses seed + i whatever n is", async () => {
    const four = await sdk.chat.completions.create({ model: MODEL, messages: ask, n: 4, temperature: 1, seed: 20 });
    const one = await sdk.chat.completions.create({ model: MODEL, messages: ask, n: 1, temperature: 1, seed: 22 });
    expect(one.choices[0]!.message.content).toBe(four.choices[2]!.message.content);
  });

  it("content as an array of text parts, and the developer role", async () => {
    const r = await sdk.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "developer", content: "Answer step by step." },
        { role: "user", content: [{ type: "text", text: "47*83=" }] },
      ],
    });
    expect(r.choices[0]!.message.content!.startsWith("47*3+47*80=")).toBe(true);
  });

  it("client mistakes are 400 BadRequestError with the field named, never 500", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [null] }, "messages[0]"],
      [{ messages: [] }, "messages"],
      [{ messages: [{ role: "wizard", content: "1" }] }, "messages[0].role"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }, "messages[0].content[0].type"],
      [{ messages: ask, temperature: -1 }, "temperature"],
      [{ messages: ask, temperature: "hot" }, "temperature"],
      [{ messages: ask, top_p: 0 }, "top_p"],
      [{ messages: ask, n: 0 }, "n"],
      [{ messages: ask, n: 1000 }, "n"],
      [{ messages: ask, max_tokens: 0 }, "max_tokens"],
      [{ messages: ask, max_completion_tokens: 1e9 }, "max_completion_tokens"],
      [{ messages: ask, seed: 1.5 }, "seed"],
      [{ messages: ask, stop: [1] }, "stop"],
      [{ messages: ask, stream: "yes" }, "stream"],
      [{ messages: ask, stream_options: { include_usage: true } }, "stream_options"],
      [{ messages: ask, tools: [{ type: "function", function: { name: "f" } }] }, "tools"],
      [{ messages: ask, response_format: { type: "json_object" } }, "response_format"],
      [{ messages: ask, logprobs: true }, "logprobs"],
      [{ messages: ask, presence_penalty: 1 }, "presence_penalty"],
      [{ messages: ask, temprature: 0.5 }, "temprature"],
      [{ messages: [{ role: "tool", content: "x", tool_call_id: "1" }] }, "messages[0].role"],
      [{ messages: [{ role: "user", content: "What is 2+2?" }] }, "messages"],
      [{ messages: [{ role: "user", content: "1".repeat(500) }] }, "messages"],
    ];
    for (const [extra, param] of cases) {
      const e = await failure(sdk.chat.completions.create({ model: MODEL, ...extra } as never));
      expect(e, JSON.stringify(extra)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e.param, JSON.stringify(extra)).toBe(param);
    }
    // Fields OpenAI itself ignores are accepted.
    const ok = await sdk.chat.completions.create({ model: MODEL, messages: ask, user: "u1", metadata: { a: "b" }, store: false, max_tokens: 3 });
    expect(ok.choices[0]!.finish_reason).toBe("length");
    expect(logged).toEqual([]); // no client mistake reached the 500 path
  });

  it("status codes: 401 wrong key, 404 unknown model and path, 405 with Allow, 413, 415", async () => {
    const wrong = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-wrong-key-000", maxRetries: 0 });
    expect(await failure(wrong.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    const e404 = await failure(sdk.chat.completions.create({ model: "gpt-4o", messages: ask }));
    expect(e404).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e404.code).toBe("model_not_found");
    const auth = { authorization: `Bearer ${KEY}` };
    const del = await fetch(`${server.baseURL}/models`, { method: "DELETE", headers: auth });
    expect([del.status, del.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const get = await fetch(`${server.baseURL}/chat/completions`, { headers: auth });
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    expect((await fetch(`${server.baseURL}/nothing`, { headers: auth })).status).toBe(404);
    const big = await fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x".repeat(2_000_000) }] }) }).catch(() => undefined);
    if (big) expect(big.status).toBe(413); // or the connection was closed before the upload ended
    const text = await fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: JSON.stringify({ model: MODEL, messages: ask }) });
    expect(text.status).toBe(415);
    const notJson = await fetch(`${server.baseURL}/chat/completions`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{nope" });
    expect(notJson.status).toBe(400);
    const body = (await notJson.json()) as { error: { type: string } };
    expect(body.error.type).toBe("invalid_request_error");
  });

  it("Host header: a name other than loopback is refused (DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, path: "/v1/models", headers: { host: `evil.example:${server.port}`, authorization: `Bearer ${KEY}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it("a real bug is a 500 with a generic message; the details go to the log", async () => {
    const broken = await serveOpenAI({
      llm: { name: "broken", complete: async () => { throw new TypeError("secret internal detail"); } },
      log: (l) => logged.push(l),
    });
    try {
      const c = new OpenAI({ baseURL: broken.baseURL, apiKey: "x", maxRetries: 0 });
      const e = await failure(c.chat.completions.create({ model: "broken", messages: ask }));
      expect(e).toBeInstanceOf(OpenAI.InternalServerError);
      expect(e.message).not.toContain("secret internal detail");
      expect(logged.join("\n")).toContain("secret internal detail");
    } finally {
      await broken.close();
      logged.length = 0;
    }
  });
});

describe("the official openai Python package against the server", () => {
  const python = `${ROOT}.venv/bin/python`;
  it("models, non-streamed, streamed with n = 3, and errors as SDK exception classes", async () => {
    expect(existsSync(python), "run `npm run setup` to create .venv").toBe(true);
    // Asynchronously: the server answers from this same process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(python, [`${ROOT}tests/reasoning/openai_sdk_check.py`, server.baseURL, KEY, MODEL], { env: { ...process.env, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" }, timeout: 120_000 });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(out.sdk_version).toMatch(/^3\./);
    expect(out.models).toEqual([MODEL]);
    expect(out.retrieved).toBe(MODEL);
    expect(out.plain).toHaveLength(3);
    expect(out.streamed).toEqual(out.plain);
    expect(out.stream_finish).toEqual(["stop", "stop", "stop"]);
    expect(out.stream_usage).toBe(out.usage);
    expect(out.errors).toEqual({
      unknown_model: { class: "NotFoundError", status: 404, param: "model", code: "model_not_found" },
      null_message: { class: "BadRequestError", status: 400, param: "messages[0]", code: "invalid_type" },
      tools: { class: "BadRequestError", status: 400, param: "tools", code: "unsupported_parameter" },
      bad_temperature: { class: "BadRequestError", status: 400, param: "temperature", code: "invalid_value" },
      retrieve_missing: { class: "NotFoundError", status: 404, param: "model", code: "model_not_found" },
      wrong_key: { class: "AuthenticationError", status: 401, param: null, code: "invalid_api_key" },
    });
  }, 150_000);
});
