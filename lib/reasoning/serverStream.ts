/**
 * Server-Sent Events for `stream: true` (lib/reasoning/server.ts), in the shape OpenAI's SDKs
 * read: one `chat.completion.chunk` per event, a first chunk per choice with the role, content
 * deltas with the choice's `index`, a last chunk per choice with `finish_reason`, an optional
 * usage chunk (`stream_options.include_usage`: empty `choices`), then `data: [DONE]`.
 */
import type { ServerResponse } from "node:http";

export interface ChunkHead {
  id: string;
  created: number;
  model: string;
}

export class ChunkWriter {
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly head: ChunkHead,
    private readonly includeUsage: boolean,
  ) {}

  get headersSent(): boolean {
    return this.started;
  }

  /** Sends the headers and each choice's role chunk (once). */
  start(n: number): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    for (let index = 0; index < n; index++) this.chunk([{ index, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  }

  content(index: number, text: string): void {
    if (text) this.chunk([{ index, delta: { content: text }, finish_reason: null }]);
  }

  reasoning(index: number, text: string): void {
    if (text) this.chunk([{ index, delta: { reasoning_content: text }, finish_reason: null }]);
  }

  finish(index: number, reason: string): void {
    this.chunk([{ index, delta: {}, finish_reason: reason }]);
  }

  /** The usage chunk (when asked for) and the [DONE] line; ends the response. */
  done(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): void {
    if (this.includeUsage) this.event({ ...this.base(), choices: [], usage });
    this.res.end("data: [DONE]\n\n");
  }

  /** An error after the stream began: one `error` event, then the end. */
  fail(error: unknown): void {
    this.event({ error });
    this.res.end();
  }

  private base(): Record<string, unknown> {
    return { id: this.head.id, object: "chat.completion.chunk", created: this.head.created, model: this.head.model };
  }

  private chunk(choices: unknown[]): void {
    this.event({ ...this.base(), choices, ...(this.includeUsage ? { usage: null } : {}) });
  }

  private event(obj: unknown): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(`data: ${JSON.stringify(obj)}\n\n`);
  }
}
