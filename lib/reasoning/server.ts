/**
 * A minimal OpenAI-compatible HTTP server around any `LLM` (normally the tiny trained model):
 * `GET /v1/models` and `POST /v1/chat/completions`. `npm run serve` (scripts/serve.mjs) starts it,
 * so the lesson's client code talks to the tiny model exactly as it would to vLLM or the DeepSeek
 * API (notebooks/03_chain_of_thought.ipynb). It listens on 127.0.0.1 unless told otherwise.
 *
 * `faults` lets tests provoke what real servers do on a bad day, on the real server:
 * slow replies, 500s and malformed bodies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PromptError, type ChatMessage, type LLM, type SampleOptions } from "./llm.js";

/** Failure injection for tests; mutate it between requests. Each counter counts down per request. */
export interface ServerFaults {
  /** Answer the next N chat requests with HTTP 500. */
  fail500?: number;
  /** Answer the next N chat requests with HTTP 429 (and Retry-After: 0). */
  fail429?: number;
  /** Answer the next N chat requests with a body that is not JSON. */
  malformed?: number;
  /** Wait this long before answering every chat request. */
  delayMs?: number;
  /** Ignore `n` and return one choice (like Ollama or the DeepSeek API). */
  ignoreN?: boolean;
}

export interface ServeOptions {
  llm: LLM;
  /** The model id reported by /v1/models. Default llm.name. */
  modelId?: string;
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Largest `n` accepted. Default 64. */
  maxN?: number;
  /** Largest `max_tokens` accepted. Default 512. */
  maxTokens?: number;
  faults?: ServerFaults;
}

export interface RunningServer {
  /** e.g. "http://127.0.0.1:40123/v1" — what OPENAI_BASE_URL should be. */
  baseURL: string;
  port: number;
  /** Mutable failure injection. */
  faults: ServerFaults;
  /** Chat requests received. */
  requests: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the server and resolves once it listens. */
export async function serveOpenAI(opts: ServeOptions): Promise<RunningServer> {
  const modelId = opts.modelId ?? opts.llm.name;
  const host = opts.host ?? "127.0.0.1";
  const maxN = opts.maxN ?? 64;
  const maxTokens = opts.maxTokens ?? 512;
  const state: RunningServer = { baseURL: "", port: 0, faults: opts.faults ?? {}, requests: 0, close: async () => {} };
  let counter = 0;
  // Requests are answered one at a time: the tiny model shares one tensor engine.
  let queue: Promise<unknown> = Promise.resolve();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      return send(res, 200, { object: "list", data: [{ id: modelId, object: "model", created: 0, owned_by: "seeklab" }] });
    }
    if (path !== "/v1/chat/completions" && path !== "/chat/completions") throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const body = await readJSON(req);
    state.requests++;
    const f = state.faults;
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.fail500 && f.fail500 > 0) {
      f.fail500--;
      throw new HttpError(500, "injected failure (faults.fail500)");
    }
    if (f.fail429 && f.fail429 > 0) {
      f.fail429--;
      res.setHeader("retry-after", "0");
      throw new HttpError(429, "injected rate limit (faults.fail429)");
    }
    if (f.malformed && f.malformed > 0) {
      f.malformed--;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"choices": [ this is not json');
      return;
    }
    const messages = parseMessages(body.messages);
    const n = intField(body.n, "n", 1, 1, maxN);
    const sample: SampleOptions = {
      n: f.ignoreN ? 1 : n,
      temperature: numField(body.temperature, "temperature", n > 1 ? 1 : 0, 0, 5),
      maxTokens: intField(body.max_tokens ?? body.max_completion_tokens, "max_tokens", maxTokens, 1, maxTokens),
      topK: intField(body.top_k, "top_k", 0, 0, 1_000_000),
      ...(body.seed !== undefined ? { seed: intField(body.seed, "seed", 0, -(2 ** 31), 2 ** 32) } : {}),
      ...(body.stop !== undefined ? { stop: stopField(body.stop) } : {}),
    };
    const run = queue.then(() => opts.llm.complete(messages, sample));
    queue = run.catch(() => undefined);
    const completions = await run;
    const promptTokens = messages.reduce((s, m) => s + m.content.length, 0);
    const completionTokens = completions.reduce((s, c) => s + c.completionTokens, 0);
    send(res, 200, {
      id: `chatcmpl-seeklab-${++counter}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: modelId,
      choices: completions.map((c, index) => ({
        index,
        message: { role: "assistant", content: c.text, ...(c.reasoning !== undefined ? { reasoning_content: c.reasoning } : {}) },
        finish_reason: c.finishReason ?? "stop",
      })),
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof PromptError ? 400 : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) send(res, status, { error: { message, type: status < 500 ? "invalid_request_error" : "server_error" } });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  state.port = addr.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  state.baseURL = `http://${shownHost}:${addr.port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJSON(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpError(413, "request body over 1 MB");
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new HttpError(400, "request body must be a JSON object");
  return json as Record<string, unknown>;
}

function parseMessages(x: unknown): ChatMessage[] {
  if (!Array.isArray(x) || x.length === 0) throw new HttpError(400, '"messages" must be a non-empty array');
  return x.map((m, i) => {
    const role = (m as { role?: unknown }).role;
    const content = (m as { content?: unknown }).content;
    if (role !== "system" && role !== "user" && role !== "assistant") throw new HttpError(400, `messages[${i}].role must be system, user or assistant`);
    if (typeof content !== "string") throw new HttpError(400, `messages[${i}].content must be a string`);
    return { role, content };
  });
}

function intField(x: unknown, name: string, dflt: number, lo: number, hi: number): number {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== "number" || !Number.isInteger(x) || x < lo || x > hi) throw new HttpError(400, `"${name}" must be an integer in [${lo}, ${hi}]`);
  return x;
}

function numField(x: unknown, name: string, dflt: number, lo: number, hi: number): number {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || x > hi) throw new HttpError(400, `"${name}" must be a number in [${lo}, ${hi}]`);
  return x;
}

function stopField(x: unknown): string[] {
  if (typeof x === "string") return [x];
  if (Array.isArray(x) && x.every((s) => typeof s === "string")) return x as string[];
  throw new HttpError(400, '"stop" must be a string or an array of strings');
}
