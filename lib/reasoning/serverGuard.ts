/**
 * Who may talk to the server (lib/reasoning/server.ts): an optional API key compared in constant
 * time, a Host-header check while bound to loopback (so a web page on another origin cannot reach
 * it through DNS rebinding), and the rule that a non-loopback address needs a key.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { ApiError } from "./serverErrors.js";

/** 127.0.0.0/8, ::1, ::ffff:127.x, "localhost". */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/** Equal strings in time that does not depend on where they differ (both are hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** 401 unless the request carries `Authorization: Bearer <key>` with the right key. */
export function checkKey(req: IncomingMessage, key: string | undefined): void {
  if (!key) return;
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m || !sameSecret(m[1]!.trim(), key)) {
    throw new ApiError(401, m ? "Incorrect API key provided." : "Missing API key: send the header 'Authorization: Bearer <key>'.", null, "invalid_api_key");
  }
}

/**
 * On a loopback bind, the Host header must name a loopback host (any port): a browser that was
 * led to this port by a rebinding DNS name sends that name, and is refused with 403.
 */
export function checkHost(req: IncomingMessage, boundToLoopback: boolean): void {
  if (!boundToLoopback) return;
  const host = req.headers.host;
  if (!host) throw new ApiError(403, "missing Host header", null, "host_not_allowed");
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");
  if (!isLoopback(name)) {
    throw new ApiError(403, `Host ${JSON.stringify(host.slice(0, 100))} is not allowed: this server answers only requests addressed to 127.0.0.1, localhost or [::1]`, null, "host_not_allowed");
  }
}
