/**
 * The one interface every language model in the lesson answers to: the tiny in-process model
 * (lib/reasoning/tinyLLM.ts) and any OpenAI-compatible server (lib/reasoning/openai.ts), so the
 * same prompting, voting and grading code runs on both (notebooks/03_chain_of_thought.ipynb).
 */

/** "developer" is OpenAI's newer name for "system"; models without a chat template treat them alike. */
export type ChatRole = "system" | "developer" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A prompt is a chat: one or more messages. A bare string is one user message. */
export type Prompt = ChatMessage[] | string;

export interface SampleOptions {
  /** Completions wanted for this prompt. Default 1. */
  n?: number;
  /** 0 = greedy. Default 1 for n > 1, else 0. */
  temperature?: number;
  /** Keep only the k most likely tokens before sampling (0 or undefined = all). */
  topK?: number;
  /** Nucleus sampling, where the backend supports it. */
  topP?: number;
  /** Upper bound on generated tokens per completion. */
  maxTokens?: number;
  /** Makes sampling reproducible where the backend supports it; sample i uses seed + i. */
  seed?: number;
  /** Stop strings (not included in the text). */
  stop?: string[];
  /** Cancels the work: the promise rejects at the next decode step (a server passes its client's disconnect). */
  signal?: AbortSignal;
  /**
   * Streaming: called with each new piece of completion `index`'s text as it is decoded. The pieces of
   * one completion, joined, equal its final `text`. Backends that cannot stream never call it.
   */
  onText?: (index: number, delta: string) => void;
}

export interface Completion {
  /** The visible answer text (reasoning removed when the server sends it separately or in <think> tags). */
  text: string;
  /** The reasoning, when the model produced it separately (`reasoning_content`, `thinking`, `<think>`). */
  reasoning?: string;
  /** Tokens this completion cost (the model's own count when reported; else an estimate). */
  completionTokens: number;
  /** "stop" | "length" | … as the backend reports it. */
  finishReason?: string;
}

export interface LLM {
  /** A short name for tables and charts. */
  readonly name: string;
  /** Returns `opts.n ?? 1` completions of the prompt. */
  complete(prompt: Prompt, opts?: SampleOptions): Promise<Completion[]>;
}

/** A string prompt as a chat. */
export function asMessages(prompt: Prompt): ChatMessage[] {
  return typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt;
}

/**
 * The chat flattened into one text, for models without a chat template (the tiny model):
 * a single user message is passed verbatim; longer chats are written "Role: content" per line
 * and end with "Assistant:".
 */
export function flattenPrompt(prompt: Prompt): string {
  const msgs = asMessages(prompt);
  if (msgs.length === 1 && msgs[0]!.role === "user") return msgs[0]!.content;
  const cap = (r: string): string => r[0]!.toUpperCase() + r.slice(1);
  return msgs.map((m) => `${cap(m.role)}: ${m.content}`).join("\n") + "\nAssistant:";
}

/** Rough token count for text whose tokenizer we do not have (≈ 4 characters per token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * A prompt this model cannot take (wrong characters, no user message): the caller's mistake, so a
 * server answers it with HTTP 400 rather than 500.
 */
export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PromptError";
  }
}
