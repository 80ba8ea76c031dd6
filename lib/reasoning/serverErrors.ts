/**
 * OpenAI-shaped errors for the tiny-model server (lib/reasoning/server.ts): every failure is
 * `{ error: { message, type, param, code } }` with the status an OpenAI SDK maps to its exception
 * classes (400 BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError, 404
 * NotFoundError, 413/415 APIError, 429 RateLimitError, 5xx InternalServerError). Only 5xx is
 * worth retrying, and a 500 never carries the internal exception text (that goes to the log).
 */
import type { ServerResponse } from "node:http";

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "invalid_request_error",
  405: "invalid_request_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  429: "rate_limit_error",
  500: "server_error",
  503: "server_error",
};

/** A failure with the HTTP status and OpenAI error fields it is answered with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  get type(): string {
    return TYPES[this.status] ?? (this.status >= 500 ? "server_error" : "invalid_request_error");
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a client mistake in one field. */
export function invalid(param: string | null, message: string, code: string | null = "invalid_value"): ApiError {
  return new ApiError(400, message, param, code);
}

/** The generic 500: the details stay in the server log. */
export function internalError(): ApiError {
  return new ApiError(500, "The server had an error while processing your request (details are in the server log).", null, "internal_error");
}

export function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  sendJSON(res, e.status, e.body(), e.headers);
}
