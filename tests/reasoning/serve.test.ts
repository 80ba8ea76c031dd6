// `npm run serve` itself: scripts/serve.mjs as a child process on a random loopback port, the
// committed CoT checkpoint behind it, the library's client in front. Needs the compiled library
// (`npm test` builds it first); skipped with a note when lib/dist is missing.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OpenAIClient } from "../../lib/reasoning/openai.js";
import { extractAnswer } from "../../lib/reasoning/extract.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const built = existsSync(`${ROOT}lib/dist/index.js`);

describe("npm run serve", () => {
  it.skipIf(!built)("serves the committed tiny model over HTTP and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["scripts/serve.mjs", "--port", "0"], {
      cwd: ROOT,
      env: { ...process.env, SEEKLAB_BACKEND: "wasm" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const baseURL = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`serve.mjs did not start in 60 s; output: ${out}`)), 60_000);
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on("exit", (code) => reject(new Error(`serve.mjs exited with ${code}: ${out}`)));
      });
      const client = new OpenAIClient({ baseURL, maxRetries: 0, timeoutMs: 30_000 });
      expect(await client.listModels()).toEqual(["seeklab-tiny-mul-cot"]);
      const [c] = await client.complete("47*83=");
      expect(c!.text.startsWith("47*3+47*80=")).toBe(true);
      expect(extractAnswer(c!.text)).not.toBeNull();
    } finally {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    }
  }, 90_000);
});

/** Runs serve.mjs with `args`; resolves with its exit code and output (it must exit by itself). */
function runServe(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/serve.mjs", ...args], { cwd: ROOT, env: { ...process.env, SEEKLAB_BACKEND: "wasm", SEEKLAB_API_KEY: "", ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run serve: every command-line mistake is one line and exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["an unknown flag", ["--prot", "8000"], /^serve: unknown flag --prot; known: --port, --host/],
    ["a flag without its value", ["--port"], /^serve: --port needs a value, e\.g\. --port 8000/],
    ["a flag followed by another flag", ["--port", "--host", "127.0.0.1"], /^serve: --port needs a value/],
    ["a port that is not a number", ["--port", "http"], /^serve: --port must be an integer from 0 to 65535; got "http"/],
    ["a port out of range", ["--port", "70000"], /^serve: --port must be an integer from 0 to 65535; got "70000"/],
    ["a negative queue", ["--max-queue=-1"], /^serve: --max-queue must be an integer/],
    ["a stray argument", ["8000"], /^serve: unexpected argument "8000"/],
    ["a flag given twice", ["--port", "1", "--port", "2"], /^serve: --port is given twice/],
    ["a short API key", ["--api-key", "abc"], /^serve: the API key must be at least 8 characters/],
    ["a missing checkpoint", ["--checkpoint", "datasets/nope.json"], /^serve: no checkpoint at datasets\/nope\.json; pass --checkpoint/],
    ["a non-loopback bind without a key", ["--host", "0.0.0.0"], /^serve: refusing to listen on 0\.0\.0\.0 without an API key; add --api-key KEY/],
  ];
  it.each(cases)("%s", async (_what, args, message) => {
    const r = await runServe(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1); // one line, no stack trace
    expect(r.stdout).toBe("");
  }, 60_000);

  it.skipIf(!built)("a port in use and a file that is not a checkpoint: one line each, exit 2", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const inUse = await runServe(["--port", String(port)]);
      expect(inUse.code).toBe(2);
      expect(inUse.stderr.trim().split("\n").filter((l) => l.startsWith("serve:"))).toEqual([`serve: port ${port} on 127.0.0.1 is in use; stop what uses it or pass another --port (0 picks a free one)`]);
      expect(inUse.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      blocker.close();
    }
    const notCheckpoint = await runServe(["--checkpoint", "package.json", "--port", "0"]);
    expect(notCheckpoint.code).toBe(2);
    expect(notCheckpoint.stderr).toMatch(/serve: package\.json is not a usable checkpoint \(.*\); pass --checkpoint with a file written by saveCheckpoint/);
    expect(notCheckpoint.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
