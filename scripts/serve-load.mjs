// A bounded load test for the OpenAI-compatible server (lib/reasoning/server.ts), shared by
// tests/reasoning/load.test.ts and `npm run bench -- serve` (bench/serve.mjs). Loopback only.
//
// `concurrency` clients each send chat requests back to back until `requests` have been sent (or
// `deadlineMs` passes), while a probe asks GET /v1/models every `probeEveryMs`: how long a cheap
// call waits while generations fill the queue is the fairness figure.

/** Quantile q of an ascending array (linear interpolation); NaN when empty. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * @param {{ baseURL: string, body: object, apiKey?: string, requests: number, concurrency: number,
 *           probeEveryMs?: number, deadlineMs?: number, queued?: () => number }} o
 * @returns {Promise<{ sent: number, ok: number, errors: string[], latencyMs: number[], probeMs: number[],
 *                    probeAtFullMs: number[], maxQueued: number, wallMs: number }>}
 */
export async function loadTest(o) {
  const url = new URL(o.baseURL);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost" && url.hostname !== "[::1]") throw new Error(`loadTest: loopback only; got ${o.baseURL}`);
  const headers = { "content-type": "application/json", ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) };
  const deadline = performance.now() + (o.deadlineMs ?? 120_000);
  const latencyMs = [];
  const errors = [];
  const probeMs = [];
  const probeAtFullMs = [];
  let sent = 0;
  let maxQueued = 0;
  const t0 = performance.now();

  async function client() {
    while (sent < o.requests && performance.now() < deadline) {
      sent++;
      const t = performance.now();
      try {
        const res = await fetch(`${o.baseURL}/chat/completions`, { method: "POST", headers, body: JSON.stringify(o.body) });
        const text = await res.text();
        if (res.status !== 200) errors.push(`HTTP ${res.status}: ${text.slice(0, 200)}`);
        else latencyMs.push(performance.now() - t);
      } catch (e) {
        errors.push(String(e?.cause?.code ?? e?.message ?? e));
      }
    }
  }

  let running = true;
  let wake = () => {};
  async function probe() {
    const every = o.probeEveryMs ?? 50;
    if (every <= 0) return;
    while (running && performance.now() < deadline) {
      await new Promise((r) => {
        const timer = setTimeout(r, every);
        wake = () => { clearTimeout(timer); r(); };
      });
      if (!running) break;
      const queuedNow = o.queued ? o.queued() : -1;
      maxQueued = Math.max(maxQueued, queuedNow);
      const t = performance.now();
      try {
        const res = await fetch(`${o.baseURL}/models`, { headers });
        await res.text();
        if (res.status !== 200) errors.push(`models: HTTP ${res.status}`);
      } catch (e) {
        errors.push(`models: ${e?.message ?? e}`);
      }
      const ms = performance.now() - t;
      probeMs.push(ms);
      if (o.queued && queuedNow >= o.concurrency - 1) probeAtFullMs.push(ms);
    }
  }

  const probing = probe();
  await Promise.all(Array.from({ length: o.concurrency }, client));
  running = false;
  wake();
  await probing;
  latencyMs.sort((a, b) => a - b);
  probeMs.sort((a, b) => a - b);
  probeAtFullMs.sort((a, b) => a - b);
  return { sent, ok: latencyMs.length, errors, latencyMs, probeMs, probeAtFullMs, maxQueued, wallMs: performance.now() - t0 };
}
