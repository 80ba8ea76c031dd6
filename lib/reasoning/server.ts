/**
 * A small OpenAI-compatible HTTP server around any `LLM` (normally the tiny trained model), so the
 * lesson's client code talks to the tiny model exactly as it would to vLLM or the DeepSeek API
 * (notebooks/03_chain_of_thought.ipynb). `npm run serve` (scripts/serve.mjs) starts it.
 *
 *   GET  /v1/models              the one model it serves
 *   GET  /v1/models/{id}         that model, or 404 model_not_found
 *   POST /v1/chat/completions    JSON, or Server-Sent Events with "stream": true
 *
 * Fields: lib/reasoning/serverRequest.ts (honoured / rejected with 400 / ignored). Errors are
 * OpenAI-shaped (lib/reasoning/serverErrors.ts). Generations run one at a time from a bounded
 * queue (serverQueue.ts) and yield to the event loop between decode steps, so a models call is
 * answered in milliseconds while they run; a client that disconnects cancels its work.
 * Security (serverGuard.ts): 127.0.0.1 by default, an optional Bearer key, a non-loopback bind
 * refused without one, the Host header checked on loopback, JSON bodies only by content type.
 *
 * `faults` lets tests provoke what real servers do on a bad day: slow replies, 500s, 429s and
 * malformed bodies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkNumber, checkOptionsObject } from "../validate.js";
import { PromptError, type Completion, type LLM } from "./llm.js";
import { ApiError, internalError, sendError, sendJSON } from "./serverErrors.js";
import { checkHost, checkKey, isLoopback } from "./serverGuard.js";
import { WorkQueue } from "./serverQueue.js";
import { parseChatRequest } from "./serverRequest.js";
import { ChunkWriter } from "./serverStream.js";

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
  /** The model id reported by /v1/models and required in requests. Default llm.name. */
  modelId?: string;
  /** Default "127.0.0.1". Any other than loopback needs `apiKey`. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Largest `n` accepted. Default 64. */
  maxN?: number;
  /** Largest `max_tokens` accepted (and the default). Default 512. */
  maxTokens?: number;
  /** Requests that may wait behind the running one; more get 429 + Retry-After. Default 32. */
  maxQueue?: number;
  /** Require `Authorization: Bearer <apiKey>` on every request. Default: none (loopback only). */
  apiKey?: string;
  /** Largest request body. Default 1 MB. */
  maxBodyBytes?: number;
  /** Where errors (500s with their stack) are written. Default console.error. */
  log?: (line: string) => void;
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
  /** Generations cancelled because their client disconnected. */
  cancelled: number;
  /** Requests waiting in the queue now. */
  readonly queued: number;
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens. */
export async function serveOpenAI(opts: ServeOptions): Promise<RunningServer> {
  checkServeOptions(opts);
  const modelId = opts.modelId ?? opts.llm.name;
  const host = opts.host ?? "127.0.0.1";
  const loopback = isLoopback(host);
  if (!loopback && !opts.apiKey) {
    throw new Error(`serveOpenAI: refusing to listen on ${host} without an API key: anyone who can reach it could use it. Pass { apiKey } (npm run serve -- --api-key …, or SEEKLAB_API_KEY), or keep host 127.0.0.1`);
  }
  const maxN = opts.maxN ?? 64;
  const maxTokens = opts.maxTokens ?? 512;
  const maxBody = opts.maxBodyBytes ?? 1_000_000;
  const log = opts.log ?? ((line: string) => console.error(line));
  const queue = new WorkQueue(opts.maxQueue ?? 32);
  const model = { id: modelId, object: "model", created: 0, owned_by: "seeklab" };
  let counter = 0;
  const state: RunningServer = {
    baseURL: "",
    port: 0,
    faults: opts.faults ?? {},
    requests: 0,
    cancelled: 0,
    get queued() {
      return queue.depth;
    },
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    checkHost(req, loopback);
    checkKey(req, opts.apiKey);
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/\/+$/, "").replace(/^\/v1(?=\/)/, "");
    if (path === "/models") {
      allow(req, "GET");
      return sendJSON(res, 200, { object: "list", data: [model] });
    }
    if (path.startsWith("/models/")) {
      allow(req, "GET");
      const id = decodeURIComponent(path.slice("/models/".length));
      if (id !== modelId) throw new ApiError(404, `The model ${JSON.stringify(id.slice(0, 100))} does not exist on this server; it serves ${JSON.stringify(modelId)}`, "model", "model_not_found");
      return sendJSON(res, 200, model);
    }
    if (path !== "/chat/completions") throw new ApiError(404, `Unknown path ${req.method} ${url.pathname.slice(0, 100)}; this server answers /v1/models and /v1/chat/completions`, null, "unknown_url");
    allow(req, "POST");
    const body = await readJSON(req, maxBody);
    state.requests++;
    const f = state.faults;
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.fail500 && f.fail500 > 0) {
      f.fail500--;
      throw new ApiError(500, "injected failure (faults.fail500)", null, "injected");
    }
    if (f.fail429 && f.fail429 > 0) {
      f.fail429--;
      throw new ApiError(429, "injected rate limit (faults.fail429)", null, "injected", { "retry-after": "0" });
    }
    if (f.malformed && f.malformed > 0) {
      f.malformed--;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"choices": [ this is not json');
      return;
    }
    const chat = parseChatRequest(body, { modelId, maxN, maxTokens });
    if (f.ignoreN) chat.sample.n = 1;
    const n = chat.sample.n;

    // A client that goes away cancels its work: dropped from the queue, or stopped mid-generation.
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) {
        state.cancelled++;
        abort.abort(new Error("client disconnected"));
      }
    });
    const head = { id: `chatcmpl-seeklab-${++counter}`, created: Math.floor(Date.now() / 1000), model: modelId };
    const writer = chat.stream ? new ChunkWriter(res, head, chat.includeUsage) : undefined;
    const sent = new Array<string>(n).fill("");
    const onText = writer
      ? (index: number, delta: string): void => {
          writer.start(n);
          sent[index] += delta;
          writer.content(index, delta);
        }
      : undefined;
    let completions: Completion[];
    try {
      completions = await queue.run(() => opts.llm.complete(chat.messages, { ...chat.sample, signal: abort.signal, onText }), abort.signal);
    } catch (e) {
      if (abort.signal.aborted) return; // nobody is listening
      if (writer?.headersSent) {
        writer.fail(toApiError(e, log).body().error);
        return;
      }
      throw e;
    }
    const promptTokens = chat.messages.reduce((s, m) => s + m.content.length, 0);
    const completionTokens = completions.reduce((s, c) => s + c.completionTokens, 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    if (writer) {
      writer.start(n);
      completions.forEach((c, index) => {
        // Backends that cannot stream send their whole text here; streamed ones only what is left.
        if (c.text.startsWith(sent[index]!)) writer.content(index, c.text.slice(sent[index]!.length));
        else log(`serveOpenAI: the streamed text of choice ${index} is not a prefix of its final text (a bug in ${opts.llm.name})`);
        if (c.reasoning !== undefined) writer.reasoning(index, c.reasoning);
        writer.finish(index, c.finishReason ?? "stop");
      });
      writer.done(usage);
      return;
    }
    sendJSON(res, 200, {
      id: head.id,
      object: "chat.completion",
      created: head.created,
      model: modelId,
      choices: completions.map((c, index) => ({
        index,
        message: { role: "assistant", content: c.text, refusal: null, ...(c.reasoning !== undefined ? { reasoning_content: c.reasoning } : {}) },
        logprobs: null,
        finish_reason: c.finishReason ?? "stop",
      })),
      usage,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = toApiError(e, log);
      if (!res.headersSent) sendError(res, err);
      else res.end();
      // The body of a refused upload need not be read: close instead of draining it.
      if (!req.complete) res.once("finish", () => req.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (e) => log(`serveOpenAI: ${(e as Error).message}`));
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

function checkServeOptions(opts: ServeOptions): void {
  checkOptionsObject("serveOpenAI", opts);
  if (!opts || typeof opts.llm?.complete !== "function") throw new Error("serveOpenAI: options.llm must be an LLM (an object with complete())");
  const rules = { port: { integer: true, min: 0, max: 65535 }, maxN: { integer: true, min: 1 }, maxTokens: { integer: true, min: 1 }, maxQueue: { integer: true, min: 0 }, maxBodyBytes: { integer: true, min: 1 } };
  for (const [name, rule] of Object.entries(rules)) {
    const v = (opts as unknown as Record<string, unknown>)[name];
    if (v !== undefined) checkNumber(`serveOpenAI: options.${name}`, v, rule);
  }
  if (opts.apiKey !== undefined && (typeof opts.apiKey !== "string" || opts.apiKey.length < 8)) {
    throw new Error("serveOpenAI: options.apiKey must be a string of at least 8 characters");
  }
}

/** 405 with an Allow header unless the method is the one this path takes. */
function allow(req: IncomingMessage, method: "GET" | "POST"): void {
  if (req.method === method || (method === "GET" && req.method === "HEAD")) return;
  throw new ApiError(405, `Method ${req.method} is not allowed here; use ${method}`, null, "method_not_allowed", { allow: method === "GET" ? "GET, HEAD" : "POST" });
}

/** Client mistakes keep their status; anything unexpected becomes a generic 500 and is logged. */
function toApiError(e: unknown, log: (line: string) => void): ApiError {
  if (e instanceof ApiError) {
    if (e.status >= 500 && e.code !== "injected") log(`serveOpenAI: ${e.stack ?? e.message}`);
    return e;
  }
  if (e instanceof PromptError) return new ApiError(400, e.message, "messages", "invalid_prompt");
  log(`serveOpenAI: internal error: ${(e as Error)?.stack ?? String(e)}`);
  return internalError();
}

async function readJSON(req: IncomingMessage, maxBody: number): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, `the body must be JSON with the header Content-Type: application/json; got ${JSON.stringify(type || "(none)")}`, null, "unsupported_media_type");
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBody) throw new ApiError(413, `request body of ${declared} bytes is over the limit of ${maxBody}`, null, "request_too_large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new ApiError(413, `request body over the limit of ${maxBody} bytes`, null, "request_too_large");
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new ApiError(400, `request body is not valid JSON (${(e as Error).message.slice(0, 100)})`, null, "invalid_json");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ApiError(400, "request body must be a JSON object", null, "invalid_json");
  return json as Record<string, unknown>;
}
