// The core entry (lib/core.ts: tensor math, Elo, hardware arithmetic, plot builders) bundles for a
// browser and runs there: esbuild --platform=browser must resolve no Node module, and headless
// Chromium runs an MLA forward and a Bradley–Terry fit from the bundle on the wasm backend. The
// numbers must equal the same calls made here in Node.
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { build } from "esbuild";
import { initBackend } from "../../lib/backend/index.js";
import { bradleyTerry, initMLAWeights, mlaForward, simulateBattles, ladderSkills, type MLAConfig } from "../../lib/core.js";
import { assertClose } from "../helpers/close.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// The scripts are plain JavaScript (no declarations for the strict typecheck): imported by URL.
const common = (await import(new URL("../../scripts/common.mjs", import.meta.url).href)) as { findChromium(): string | undefined };
const browserCheck = (await import(new URL("../../scripts/browser-check.mjs", import.meta.url).href)) as { CHROMIUM_FLAGS: string[] };
const chromium = common.findChromium();
type PageState = { seeklabResult?: unknown; seeklabError?: string };

async function bundle(entry: string): Promise<string> {
  const r = await build({ entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent" });
  return r.outputFiles[0]!.text;
}

describe("the core entry in a browser", () => {
  let server: Server;
  let base = "";
  let page = "";

  beforeAll(async () => {
    page = await bundle(join(ROOT, "tests/scripts/browser/page.ts"));
    const wasmDir = join(ROOT, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
    server = createServer((req, res) => {
      const url = req.url ?? "/";
      if (url === "/") {
        res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module" src="/page.js"></script>');
      } else if (url === "/page.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(page);
      } else if (url.startsWith("/wasm/") && /^[\w.-]+\.wasm$/.test(url.slice(6))) {
        res.writeHead(200, { "content-type": "application/wasm" }).end(readFileSync(join(wasmDir, url.slice(6))));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it("esbuild --platform=browser bundles lib/core.ts with no Node module", async () => {
    const text = await bundle(join(ROOT, "lib/core.ts"));
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it.skipIf(!chromium)("runs an MLA forward and a Bradley–Terry fit in headless Chromium, equal to Node's", async () => {
    const { chromium: pw } = await import("playwright-core");
    const browser = await pw.launch({ executablePath: chromium!, args: browserCheck.CHROMIUM_FLAGS, headless: true });
    try {
      const tab = await browser.newPage();
      const problems: string[] = [];
      tab.on("pageerror", (e) => problems.push(e.message));
      await tab.goto(`${base}/`);
      await tab.waitForFunction(() => (globalThis as PageState).seeklabResult !== undefined || (globalThis as PageState).seeklabError !== undefined, undefined, { timeout: 60_000 });
      const error = await tab.evaluate(() => (globalThis as PageState).seeklabError);
      expect(error ?? problems.join("; ")).toBe("");
      const got = (await tab.evaluate(() => (globalThis as PageState).seeklabResult)) as {
        backend: string; shape: number[]; mla: number[]; absorbed: number[]; ratings: [string, number][];
      };
      expect(got.backend).toBe("wasm");
      expect(got.shape).toEqual([2, 3, 16]);
      assertClose(got.absorbed, got.mla, { rtol: 1e-4, atol: 1e-5, what: "absorbed vs naive in the browser" });

      // The same calls in Node (wasm backend here too).
      await initBackend("wasm", { quiet: true });
      const cfg: MLAConfig = { dModel: 16, nHeads: 2, qLoraRank: 0, kvLoraRank: 8, qkNopeHeadDim: 4, qkRopeHeadDim: 4, vHeadDim: 4, maxSeqLen: 8 };
      const w = initMLAWeights(cfg, 3);
      const x = tf.tensor3d(Array.from({ length: 2 * 3 * 16 }, (_, i) => Math.sin(i)), [2, 3, 16]);
      const y = mlaForward(x, w, cfg, { mode: "naive" });
      assertClose(got.mla, Array.from(await y.data()), { rtol: 1e-5, atol: 1e-6, what: "MLA output, browser vs Node" });
      tf.dispose([x, y, ...Object.values(w)]);
      const ratings = bradleyTerry(simulateBattles(ladderSkills(4), 2000, { seed: 2 }));
      expect(got.ratings.map(([m]) => m)).toEqual([...ratings.keys()]);
      assertClose(got.ratings.map(([, r]) => r), [...ratings.values()], { atol: 1e-9, what: "Bradley–Terry ratings, browser vs Node" });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
