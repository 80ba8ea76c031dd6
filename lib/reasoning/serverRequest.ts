/**
 * Reading a `POST /v1/chat/completions` body into what the tiny model needs, with a 400 that
 * names the field for every client mistake (lib/reasoning/server.ts). Three kinds of field:
 *
 * - HONOURED: model, messages (roles system, developer, user, assistant; content a string or an
 *   array of text parts), n, temperature, top_p, max_tokens, max_completion_tokens, stop, seed,
 *   stream, stream_options.include_usage, and vLLM's top_k.
 * - REJECTED (400 naming them; the tiny model cannot do what they ask): tools, tool_choice,
 *   functions, function_call, response_format other than {type: "text"}, logprobs: true,
 *   top_logprobs, logit_bias with entries, non-zero frequency_penalty / presence_penalty, audio,
 *   modalities other than ["text"], prediction, web_search_options, and any field OpenAI does not
 *   define (typos are caught, as OpenAI catches them).
 * - IGNORED (they change nothing about the text OpenAI returns either): user, metadata, store,
 *   service_tier, parallel_tool_calls, reasoning_effort, safety_identifier, prompt_cache_key,
 *   verbosity, and a message's `name`.
 */
import type { ChatMessage, SampleOptions } from "./llm.js";
import { ApiError, invalid } from "./serverErrors.js";

export interface RequestLimits {
  modelId: string;
  maxN: number;
  maxTokens: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  sample: SampleOptions & { n: number };
  stream: boolean;
  includeUsage: boolean;
}

const HONOURED = new Set(["model", "messages", "n", "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "stop", "seed", "stream", "stream_options"]);
const IGNORED = new Set(["user", "metadata", "store", "service_tier", "parallel_tool_calls", "reasoning_effort", "safety_identifier", "prompt_cache_key", "verbosity"]);
const UNSUPPORTED = new Set(["tools", "tool_choice", "functions", "function_call", "audio", "prediction", "web_search_options", "top_logprobs"]);

/** The fields this server ignores, for the README and tests. */
export const IGNORED_FIELDS: readonly string[] = [...IGNORED];
/** The fields it honours. */
export const HONOURED_FIELDS: readonly string[] = [...HONOURED];

export function parseChatRequest(body: Record<string, unknown>, limits: RequestLimits): ChatRequest {
  for (const key of Object.keys(body)) {
    if (HONOURED.has(key) || IGNORED.has(key)) continue;
    if (UNSUPPORTED.has(key)) {
      if (body[key] === null || (key === "tools" && Array.isArray(body[key]) && (body[key] as unknown[]).length === 0)) continue;
      throw new ApiError(400, `"${key}" is not supported by this server (the tiny model only writes text)`, key, "unsupported_parameter");
    }
    if (key === "response_format") {
      const t = (body[key] as { type?: unknown } | null)?.type;
      if (body[key] === null || t === "text") continue;
      throw new ApiError(400, `"response_format" ${JSON.stringify(t ?? body[key])} is not supported; only {"type": "text"}`, key, "unsupported_parameter");
    }
    if (key === "logprobs") {
      if (body[key] === false || body[key] === null) continue;
      throw new ApiError(400, '"logprobs" is not supported by this server', key, "unsupported_parameter");
    }
    if (key === "logit_bias") {
      const v = body[key];
      if (v === null || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0)) continue;
      throw new ApiError(400, '"logit_bias" is not supported by this server', key, "unsupported_parameter");
    }
    if (key === "frequency_penalty" || key === "presence_penalty") {
      const v = body[key];
      if (v === null || v === 0) continue;
      throw new ApiError(400, `"${key}" other than 0 is not supported by this server; got ${JSON.stringify(v)}`, key, "unsupported_parameter");
    }
    if (key === "modalities") {
      const v = body[key];
      if (v === null || (Array.isArray(v) && v.every((m) => m === "text"))) continue;
      throw new ApiError(400, '"modalities" other than ["text"] is not supported', key, "unsupported_parameter");
    }
    throw new ApiError(400, `Unrecognized request argument supplied: ${key}`, key, "unknown_parameter");
  }

  if (body.model === undefined) throw invalid("model", 'you must provide a "model" (GET /v1/models lists it)', "missing_required_parameter");
  if (typeof body.model !== "string") throw invalid("model", '"model" must be a string');
  if (body.model !== limits.modelId) {
    throw new ApiError(404, `The model ${JSON.stringify(body.model.slice(0, 100))} does not exist on this server; it serves ${JSON.stringify(limits.modelId)}`, "model", "model_not_found");
  }
  const messages = parseMessages(body.messages);
  const n = intField(body.n, "n", 1, 1, limits.maxN);
  const maxField = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? "max_completion_tokens" : "max_tokens";
  const stream = body.stream === undefined || body.stream === null ? false : body.stream;
  if (typeof stream !== "boolean") throw invalid("stream", '"stream" must be true or false');
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!stream) throw invalid("stream_options", '"stream_options" is only allowed when "stream" is true');
    const so = body.stream_options;
    if (typeof so !== "object" || Array.isArray(so)) throw invalid("stream_options", '"stream_options" must be an object');
    const iu = (so as { include_usage?: unknown }).include_usage;
    if (iu !== undefined && iu !== null && typeof iu !== "boolean") throw invalid("stream_options.include_usage", '"stream_options.include_usage" must be true or false');
    includeUsage = iu === true;
  }
  const seed = body.seed === undefined || body.seed === null ? undefined : intField(body.seed, "seed", 0, -(2 ** 53), 2 ** 53);
  const sample: ChatRequest["sample"] = {
    n,
    temperature: numField(body.temperature, "temperature", n > 1 ? 1 : 0, 0, 2),
    topP: numField(body.top_p, "top_p", 1, 0, 1, true),
    topK: intField(body.top_k, "top_k", 0, -1, 1_000_000),
    maxTokens: intField(body[maxField], maxField, limits.maxTokens, 1, limits.maxTokens),
    ...(seed !== undefined ? { seed } : {}),
    ...(body.stop !== undefined && body.stop !== null ? { stop: stopField(body.stop) } : {}),
  };
  if (sample.topK === -1) sample.topK = 0; // vLLM spells "all tokens" -1
  return { messages, sample, stream, includeUsage };
}

function parseMessages(x: unknown): ChatMessage[] {
  if (!Array.isArray(x)) throw invalid("messages", '"messages" must be an array of {role, content} objects', x === undefined ? "missing_required_parameter" : "invalid_type");
  if (x.length === 0) throw invalid("messages", '"messages" must not be empty');
  if (x.length > 1000) throw invalid("messages", `"messages" holds ${x.length} messages; at most 1000`);
  return x.map((m, i): ChatMessage => {
    const where = `messages[${i}]`;
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw invalid(where, `${where} must be an object with "role" and "content"; got ${m === null ? "null" : Array.isArray(m) ? "an array" : typeof m}`, "invalid_type");
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (role === "tool" || role === "function") throw new ApiError(400, `${where}.role ${JSON.stringify(role)} is not supported (this server has no tools)`, `${where}.role`, "unsupported_value");
    if (role !== "system" && role !== "developer" && role !== "user" && role !== "assistant") {
      throw invalid(`${where}.role`, `${where}.role must be "system", "developer", "user" or "assistant"; got ${JSON.stringify(role) ?? "nothing"}`);
    }
    return { role, content: contentText(content, where, role) };
  });
}

/** A message's text: a string, or an array of {type: "text", text} parts joined. */
function contentText(content: unknown, where: string, role: string): string {
  if (typeof content === "string") return content;
  if ((content === null || content === undefined) && role === "assistant") return "";
  if (Array.isArray(content)) {
    return content
      .map((p, j) => {
        const part = `${where}.content[${j}]`;
        if (typeof p !== "object" || p === null) throw invalid(part, `${part} must be an object like {"type": "text", "text": "…"}`, "invalid_type");
        const { type, text } = p as { type?: unknown; text?: unknown };
        if (type !== "text") throw new ApiError(400, `${part}.type ${JSON.stringify(type) ?? "(missing)"} is not supported; only "text" parts`, `${part}.type`, "unsupported_value");
        if (typeof text !== "string") throw invalid(`${part}.text`, `${part}.text must be a string`, "invalid_type");
        return text;
      })
      .join("\n");
  }
  throw invalid(`${where}.content`, `${where}.content must be a string or an array of text parts`, "invalid_type");
}

function intField(x: unknown, name: string, dflt: number, lo: number, hi: number): number {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== "number" || !Number.isInteger(x) || x < lo || x > hi) throw invalid(name, `"${name}" must be an integer in [${lo}, ${hi}]; got ${JSON.stringify(x)}`);
  return x;
}

function numField(x: unknown, name: string, dflt: number, lo: number, hi: number, openLo = false): number {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || x > hi || (openLo && x === lo)) {
    throw invalid(name, `"${name}" must be a number in ${openLo ? "(" : "["}${lo}, ${hi}]; got ${JSON.stringify(x)}`);
  }
  return x;
}

function stopField(x: unknown): string[] {
  const list = typeof x === "string" ? [x] : x;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw invalid("stop", '"stop" must be a string or an array of strings');
  if (list.length > 4) throw invalid("stop", `"stop" holds ${list.length} strings; at most 4`);
  if (list.some((s) => s.length === 0 || s.length > 100)) throw invalid("stop", 'each "stop" string must be 1 to 100 characters');
  return list as string[];
}
