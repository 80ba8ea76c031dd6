/**
 * An `LLM` that talks to any OpenAI-compatible `/v1/chat/completions` endpoint: vLLM, llama.cpp's
 * server, Ollama, the DeepSeek API, or SeekLab's own tiny model behind `npm run serve`
 * (notebooks/03_chain_of_thought.ipynb, the optional "real model" section).
 *
 * What differs between servers, and how it is handled here:
 * - k samples: `n` where the server honours it; a server that returns fewer choices (Ollama,
 *   DeepSeek's API) is asked again with seeds seed+1, seed+2, … and remembered as not supporting n.
 * - reasoning: `message.reasoning_content` (DeepSeek, vLLM), `message.reasoning` (newer vLLM,
 *   OpenRouter), `message.thinking` (Ollama) or `<think>…</think>` inside the content (llama.cpp,
 *   raw R1 distills).
 * - failures: a timeout per request; 429, 5xx, timeouts and network errors retried a bounded
 *   number of times with exponential backoff (honouring Retry-After, capped); any other 4xx is the
 *   caller's mistake and never retried; anything malformed is a clear error.
 * - streaming: `stream()` is an async iterator of deltas (Server-Sent Events, `stream: true`);
 *   it retries only before the first byte of the answer, never in the middle of one.
 * The API key is held in a private field, sent only in the Authorization header, and never
 * appears in errors, `console.log(client)` or `JSON.stringify(client)`.
 */
import { checkOptions } from "../validate.js";
import { checkSampleOptions } from "../model/sampleOptions.js";
import { splitThinking } from "./extract.js";
import { asMessages, estimateTokens, type Completion, type LLM, type Prompt, type SampleOptions } from "./llm.js";

export interface OpenAIClientOptions {
  /** e.g. "http://127.0.0.1:8000/v1". Default: env OPENAI_BASE_URL. A trailing "/" is ignored. */
  baseURL?: string;
  /** Default: env OPENAI_MODEL, else the first model the server lists. */
  model?: string;
  /** Default: env OPENAI_API_KEY (may be empty for local servers). */
  apiKey?: string;
  /** Per-request timeout. Default 60 000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a 429/5xx/timeout/network failure. Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles per retry. Default 500 ms. */
  backoffMs?: number;
  /** Longest single wait (also caps Retry-After). Default 10 000 ms. */
  maxBackoffMs?: number;
  /** Whether the server honours `n`: "auto" (default) learns it from the first reply. */
  supportsN?: boolean | "auto";
  /** Extra fields merged into every request body (e.g. { top_k: 20 } for vLLM). */
  extraBody?: Record<string, unknown>;
}

/** The error every failure becomes: says what was asked, what came back, and never the key. */
export class LLMRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "LLMRequestError";
  }
}

/** True when OPENAI_BASE_URL is set, i.e. the notebook's real-model section can run. */
export function openAIConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.OPENAI_BASE_URL && env.OPENAI_BASE_URL.trim());
}

/** One piece of a streamed answer: new text (or reasoning) for choice `index`, or its end. */
export interface StreamDelta {
  index: number;
  text?: string;
  reasoning?: string;
  finishReason?: string;
}

interface ChoiceJSON {
  message?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; thinking?: unknown };
  finish_reason?: unknown;
}

export class OpenAIClient implements LLM {
  readonly baseURL: string;
  private modelName: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly extraBody: Record<string, unknown>;
  private supportsN: boolean | "auto";
  #apiKey: string;
  /** Requests sent, retries included (for token/cost tables and tests). */
  requests = 0;

  constructor(opts: OpenAIClientOptions = {}) {
    const base = opts.baseURL ?? process.env.OPENAI_BASE_URL;
    if (!base || !base.trim()) {
      throw new LLMRequestError("OpenAIClient: no base URL (pass { baseURL } or set OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1)");
    }
    let url: URL;
    try {
      url = new URL(base.trim());
    } catch {
      throw new LLMRequestError(`OpenAIClient: base URL ${JSON.stringify(base)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new LLMRequestError(`OpenAIClient: base URL must be http(s); got ${url.protocol}`);
    }
    this.baseURL = url.toString().replace(/\/+$/, "");
    this.modelName = opts.model ?? (process.env.OPENAI_MODEL || undefined);
    this.#apiKey = opts.apiKey ?? process.env.OPENAI_API_KEY ?? "";
    checkOptions("OpenAIClient", opts, { timeoutMs: { gt: 0 }, maxRetries: { integer: true, min: 0, max: 100 }, backoffMs: { min: 0 }, maxBackoffMs: { min: 0 } });
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.supportsN = opts.supportsN ?? "auto";
    this.extraBody = opts.extraBody ?? {};
  }

  get name(): string {
    return this.modelName ?? "(server default)";
  }

  /** Whether a key is set (the key itself is never exposed). */
  get hasKey(): boolean {
    return this.#apiKey.length > 0;
  }

  toJSON(): Record<string, unknown> {
    return { baseURL: this.baseURL, model: this.modelName, hasKey: this.hasKey, timeoutMs: this.timeoutMs, maxRetries: this.maxRetries };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `OpenAIClient ${JSON.stringify(this.toJSON())}`;
  }

  /** GET /models: the ids the server serves. */
  async listModels(): Promise<string[]> {
    const json = await this.request("GET", "/models");
    const data = (json as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new LLMRequestError(`${this.baseURL}/models: malformed reply (no "data" array)`);
    return data.map((m, i) => {
      const id = (m as { id?: unknown }).id;
      if (typeof id !== "string") throw new LLMRequestError(`${this.baseURL}/models: malformed reply (data[${i}].id is not a string)`);
      return id;
    });
  }

  /** The model to ask: the configured one, else the server's first. */
  async model(): Promise<string> {
    if (!this.modelName) {
      const ids = await this.listModels();
      if (ids.length === 0) throw new LLMRequestError(`${this.baseURL}/models lists no models; set OPENAI_MODEL`);
      this.modelName = ids[0]!;
    }
    return this.modelName;
  }

  /** The request body for `prompt` (without n and seed). */
  private async body(prompt: Prompt, opts: SampleOptions): Promise<Record<string, unknown>> {
    checkSampleOptions("OpenAIClient.complete", opts);
    const n = opts.n ?? 1;
    return {
      model: await this.model(),
      messages: asMessages(prompt),
      temperature: opts.temperature ?? (n > 1 ? 1 : 0),
      ...(opts.maxTokens !== undefined ? { max_tokens: opts.maxTokens } : {}),
      ...(opts.topP !== undefined ? { top_p: opts.topP } : {}),
      ...(opts.topK ? { top_k: opts.topK } : {}),
      ...(opts.stop ? { stop: opts.stop } : {}),
      ...this.extraBody,
    };
  }

  /**
   * Streams the answer(s) as deltas (`stream: true`); sample i of n has `index` i.
   * @example for await (const d of client.stream("47*83=")) process.stdout.write(d.text ?? "");
   */
  async *stream(prompt: Prompt, opts: SampleOptions = {}): AsyncGenerator<StreamDelta> {
    const n = opts.n ?? 1;
    const body = { ...(await this.body(prompt, opts)), ...(n > 1 ? { n } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), stream: true };
    const url = `${this.baseURL}/chat/completions`;
    const res = await this.withRetries("POST", url, body, opts.signal, true);
    yield* readEvents(res as EventSource, url, this.timeoutMs, (t) => this.redact(t));
  }

  async complete(prompt: Prompt, opts: SampleOptions = {}): Promise<Completion[]> {
    const n = opts.n ?? 1;
    const base = await this.body(prompt, opts);
    if (opts.onText) return this.completeStreamed(prompt, opts);
    const out: Completion[] = [];
    if (n > 1 && this.supportsN !== false) {
      const got = await this.chat({ ...base, n, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }, opts.signal);
      if (this.supportsN === "auto") this.supportsN = got.length >= n;
      out.push(...got.slice(0, n));
    }
    // One request per missing sample, each with its own seed so that they differ reproducibly.
    while (out.length < n) {
      const i = out.length;
      const seed = opts.seed !== undefined ? opts.seed + i : undefined;
      const got = await this.chat({ ...base, ...(seed !== undefined ? { seed } : {}) }, opts.signal);
      out.push(got[0]!);
    }
    return out;
  }

  /** complete() through stream(), passing every delta to opts.onText. */
  private async completeStreamed(prompt: Prompt, opts: SampleOptions): Promise<Completion[]> {
    const n = opts.n ?? 1;
    const texts = new Array<string>(n).fill("");
    const reasons = new Array<string | undefined>(n);
    const reasoning = new Array<string | undefined>(n);
    for await (const d of this.stream(prompt, opts)) {
      if (d.index < 0 || d.index >= n) continue;
      if (d.text) {
        texts[d.index] += d.text;
        opts.onText!(d.index, d.text);
      }
      if (d.reasoning) reasoning[d.index] = (reasoning[d.index] ?? "") + d.reasoning;
      if (d.finishReason) reasons[d.index] = d.finishReason;
    }
    return texts.map((text, i) => ({
      text,
      ...(reasoning[i] !== undefined ? { reasoning: reasoning[i] } : {}),
      completionTokens: estimateTokens(text + (reasoning[i] ?? "")),
      ...(reasons[i] !== undefined ? { finishReason: reasons[i] } : {}),
    }));
  }

  private async chat(body: Record<string, unknown>, signal?: AbortSignal): Promise<Completion[]> {
    const json = (await this.request("POST", "/chat/completions", body, signal)) as { choices?: unknown; usage?: unknown };
    const where = `${this.baseURL}/chat/completions`;
    if (!Array.isArray(json.choices) || json.choices.length === 0) {
      throw new LLMRequestError(`${where}: malformed reply (no "choices"): ${preview(json)}`);
    }
    const usage = json.usage as { completion_tokens?: unknown } | undefined;
    const total = typeof usage?.completion_tokens === "number" ? usage.completion_tokens : undefined;
    const choices = json.choices as ChoiceJSON[];
    return choices.map((c, i) => {
      const msg = c?.message;
      if (!msg || (typeof msg.content !== "string" && msg.content !== null)) {
        throw new LLMRequestError(`${where}: malformed reply (choices[${i}].message.content is missing)`);
      }
      let text = typeof msg.content === "string" ? msg.content : "";
      let reasoning = [msg.reasoning_content, msg.reasoning, msg.thinking].find((r): r is string => typeof r === "string" && r.length > 0);
      if (reasoning === undefined) {
        const split = splitThinking(text);
        if (split.reasoning !== null) {
          reasoning = split.reasoning;
          text = split.answer;
        }
      }
      // The server's usage covers all choices together; share it out, else estimate.
      const tokens = total !== undefined ? Math.round(total / choices.length) : estimateTokens(text + (reasoning ?? ""));
      return {
        text,
        ...(reasoning !== undefined ? { reasoning } : {}),
        completionTokens: tokens,
        ...(typeof c.finish_reason === "string" ? { finishReason: c.finish_reason } : {}),
      };
    });
  }

  /** One JSON request with timeout and bounded retries. */
  private async request(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.withRetries(method, `${this.baseURL}${path}`, body, signal, false);
  }

  /**
   * Sends the request until it succeeds or a failure is not worth retrying: 429, 5xx, timeouts and
   * network errors are retried (at most maxRetries times, with backoff); other 4xx never are.
   * Returns the parsed JSON, or (stream) the open response whose body is an event stream.
   */
  private async withRetries(method: "GET" | "POST", url: string, body: unknown, signal: AbortSignal | undefined, stream: boolean): Promise<unknown> {
    let lastError: LLMRequestError | undefined;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0) await sleep(this.retryDelay(attempt, lastError), signal);
      try {
        return await this.once(method, url, body, signal, stream);
      } catch (e) {
        if (signal?.aborted) throw new LLMRequestError(`${method} ${url}: cancelled by the caller`, undefined, false);
        const err = e instanceof LLMRequestError ? e : new LLMRequestError(`${method} ${url}: ${(e as Error).message}`, undefined, true);
        if (!err.retryable) throw err;
        lastError = err;
      }
    }
    throw new LLMRequestError(`${lastError!.message} (gave up after ${this.maxRetries + 1} attempts)`, lastError!.status, false);
  }

  private retryAfterMs: number | undefined;

  private retryDelay(attempt: number, err: LLMRequestError | undefined): number {
    const exp = this.backoffMs * 2 ** (attempt - 1);
    const wanted = err?.status === 429 && this.retryAfterMs !== undefined ? Math.max(this.retryAfterMs, exp) : exp;
    return Math.min(wanted, this.maxBackoffMs);
  }

  private async once(method: string, url: string, body: unknown, signal: AbortSignal | undefined, stream: boolean): Promise<unknown> {
    this.requests++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const both = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    const headers: Record<string, string> = { accept: stream ? "text/event-stream" : "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: both });
      status = res.status;
      const ra = res.headers.get("retry-after");
      this.retryAfterMs = ra !== null && Number.isFinite(Number(ra)) ? Number(ra) * 1000 : undefined;
      if (stream && status >= 200 && status < 300) {
        if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
          throw new LLMRequestError(`${method} ${url}: asked for a stream, got ${res.headers.get("content-type")} (does the server support "stream": true?)`, status, false);
        }
        clearTimeout(timer);
        return { body: res.body, signal } satisfies EventSource;
      }
      text = await res.text();
    } catch (e) {
      if (e instanceof LLMRequestError) throw e;
      if (controller.signal.aborted) {
        throw new LLMRequestError(`${method} ${url}: no reply within ${this.timeoutMs} ms (timeout)`, undefined, true);
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new LLMRequestError(`${method} ${url}: network error: ${cause?.code ?? cause?.message ?? (e as Error).message}`, undefined, true);
    } finally {
      clearTimeout(timer);
    }
    if (status === 429 || status >= 500) {
      throw new LLMRequestError(`${method} ${url}: HTTP ${status}: ${this.redact(text).slice(0, 200)}`, status, true);
    }
    if (status < 200 || status >= 300) {
      throw new LLMRequestError(`${method} ${url}: HTTP ${status}: ${this.redact(text).slice(0, 300)}`, status, false);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new LLMRequestError(`${method} ${url}: malformed reply (not JSON): ${JSON.stringify(this.redact(text).slice(0, 120))}`, status, false);
    }
  }

  /** Servers sometimes echo the Authorization header in errors; never pass the key on. */
  private redact(text: string): string {
    return this.#apiKey ? text.split(this.#apiKey).join("[key]") : text;
  }
}

function preview(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

interface EventSource {
  body: ReadableStream<Uint8Array> | null;
  signal: AbortSignal | undefined;
}

/**
 * Reads Server-Sent Events (`data: {...}` blocks, `data: [DONE]` last) into deltas. Ends at [DONE]
 * or the end of the body; an `error` event, a malformed chunk or `idleMs` of silence is an error.
 */
async function* readEvents(src: EventSource, url: string, idleMs: number, redact: (t: string) => string): AsyncGenerator<StreamDelta> {
  if (!src.body) throw new LLMRequestError(`POST ${url}: the stream has no body`);
  const reader = src.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LLMRequestError(`POST ${url}: the stream went silent for ${idleMs} ms (timeout)`)), idleMs);
      });
      const { done, value } = await Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        if (data === "[DONE]") return;
        let chunk: { choices?: unknown; error?: { message?: unknown } };
        try {
          chunk = JSON.parse(data);
        } catch {
          throw new LLMRequestError(`POST ${url}: malformed stream chunk (not JSON): ${JSON.stringify(redact(data).slice(0, 120))}`);
        }
        if (chunk.error) throw new LLMRequestError(`POST ${url}: the server failed mid-stream: ${redact(String(chunk.error.message ?? JSON.stringify(chunk.error))).slice(0, 300)}`);
        for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
          const { index, delta, finish_reason } = c as { index?: unknown; delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: unknown };
          const d: StreamDelta = { index: typeof index === "number" ? index : 0 };
          if (typeof delta?.content === "string" && delta.content) d.text = delta.content;
          const r = delta?.reasoning_content ?? delta?.reasoning;
          if (typeof r === "string" && r) d.reasoning = r;
          if (typeof finish_reason === "string") d.finishReason = finish_reason;
          if (d.text !== undefined || d.reasoning !== undefined || d.finishReason !== undefined) yield d;
        }
      }
      if (buffer.length > 1_000_000) throw new LLMRequestError(`POST ${url}: a stream event over 1 MB`);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
