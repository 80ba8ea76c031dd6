// `npm run serve` itself: scripts/serve.mjs as a child process on a random loopback port, the
// committed CoT checkpoint behind it, the library's client in front. Needs the compiled library
// (`npm test` builds it first); skipped with a note when lib/dist is missing.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
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
