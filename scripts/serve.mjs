#!/usr/bin/env node
// `npm run serve`: the tiny chain-of-thought model behind an OpenAI-compatible endpoint
// (GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, streaming included), so the
// lesson's client code and the official OpenAI SDKs talk to it exactly as to vLLM or the DeepSeek API.
//
//   npm run serve                                   # datasets/cot_mul_cot_small.json on 127.0.0.1:8000
//   npm run serve -- --port 8011 --checkpoint datasets/cot_mul_direct_small.json
//   npm run serve -- --host 0.0.0.0 --api-key "$(openssl rand -hex 16)"   # reachable from the network
//   OPENAI_BASE_URL=http://127.0.0.1:8000/v1 …      # then point any client at it
//
// Every mistake on the command line (a bad flag, a port in use, a missing checkpoint) is one line
// saying what to do, and exit code 2. Needs the compiled library (`npm run build`).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./common.mjs";

const USAGE = `usage: npm run serve -- [--port N] [--host ADDR] [--checkpoint FILE] [--model-id ID]
                          [--api-key KEY] [--max-queue N] [--max-n N] [--max-tokens N]
  --port        TCP port, 0 = any free one (default: env PORT, else 8000)
  --host        address to bind (default 127.0.0.1); any other than loopback needs --api-key
  --checkpoint  a tiny-model checkpoint (default datasets/cot_mul_cot_small.json)
  --model-id    the model name clients must send (default from the checkpoint)
  --api-key     require "Authorization: Bearer KEY" (default: env SEEKLAB_API_KEY; at least 8 characters)
  --max-queue   requests that may wait behind the running one; more get 429 (default 32)
  --max-n       largest n per request (default 64)
  --max-tokens  largest max_tokens per request (default 512)`;

/** One line, exit 2: the contract for every command-line mistake. */
function die(message) {
  console.error(`serve: ${message}`);
  process.exit(2);
}

const FLAGS = new Set(["port", "host", "checkpoint", "model-id", "api-key", "max-queue", "max-n", "max-tokens"]);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) die(`unexpected argument ${JSON.stringify(arg)}; flags look like --port 8000 (see --help)`);
    const name = m[1];
    if (!FLAGS.has(name)) die(`unknown flag --${name}; known: ${[...FLAGS].map((f) => `--${f}`).join(", ")} (see --help)`);
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) die(`--${name} needs a value, e.g. --${name} ${name === "port" ? "8000" : name === "host" ? "127.0.0.1" : "…"}`);
      i++;
    }
    if (name in out) die(`--${name} is given twice`);
    out[name] = value;
  }
  return out;
}

function integer(name, text, lo, hi) {
  const v = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || !Number.isInteger(v) || v < lo || v > hi) die(`--${name} must be an integer from ${lo} to ${hi}; got ${JSON.stringify(text)}`);
  return v;
}

const args = parseArgs(process.argv.slice(2));
const port = integer("port", args.port ?? process.env.PORT ?? "8000", 0, 65535);
const host = args.host ?? "127.0.0.1";
const maxQueue = integer("max-queue", args["max-queue"] ?? "32", 0, 100_000);
const maxN = integer("max-n", args["max-n"] ?? "64", 1, 1024);
const maxTokens = integer("max-tokens", args["max-tokens"] ?? "512", 1, 100_000);
const apiKey = args["api-key"] ?? (process.env.SEEKLAB_API_KEY || undefined);
if (apiKey !== undefined && apiKey.length < 8) die("the API key must be at least 8 characters (e.g. --api-key \"$(openssl rand -hex 16)\")");
const checkpoint = args.checkpoint ?? join(ROOT, "datasets", "cot_mul_cot_small.json");
if (!existsSync(checkpoint)) die(`no checkpoint at ${checkpoint}; pass --checkpoint with a file from datasets/ (e.g. datasets/cot_mul_cot_small.json)`);

let seeklab;
try {
  seeklab = await import("seeklab");
} catch (e) {
  die(`could not load the compiled library; run \`npm run build\` first (${e.message.split("\n")[0]})`);
}
const { initBackend, loadCheckpoint, TinyLLM, serveOpenAI, isLoopback } = seeklab;
if (!isLoopback(host) && !apiKey) die(`refusing to listen on ${host} without an API key; add --api-key KEY (or set SEEKLAB_API_KEY), or keep --host 127.0.0.1`);
await initBackend(undefined, { quiet: true });
let loaded;
try {
  loaded = await loadCheckpoint(checkpoint);
} catch (e) {
  die(`${checkpoint} is not a usable checkpoint (${e.message.split("\n")[0]}); pass --checkpoint with a file written by saveCheckpoint, e.g. datasets/cot_mul_cot_small.json`);
}
const { model, tokenizer, meta } = loaded;
const modelId = args["model-id"] ?? `seeklab-tiny-${meta.task ?? "model"}-${meta.style ?? ""}`.replace(/-$/, "");
let server;
try {
  server = await serveOpenAI({ llm: new TinyLLM(model, tokenizer, modelId), modelId, host, port, maxQueue, maxN, maxTokens, apiKey });
} catch (e) {
  if (e.code === "EADDRINUSE") die(`port ${port} on ${host} is in use; stop what uses it or pass another --port (0 picks a free one)`);
  if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") die(`cannot bind ${host}: no such address on this machine; use --host 127.0.0.1`);
  if (e.code === "EACCES") die(`not allowed to bind port ${port}; use a port above 1023`);
  die(e.message.split("\n")[0]);
}
console.log(`Serving ${modelId} (${model.paramCount} parameters, from ${checkpoint}) at ${server.baseURL}${apiKey ? " (API key required)" : ""}`);
console.log(`Try: curl -s ${server.baseURL}/chat/completions -H 'content-type: application/json'${apiKey ? " -H \"authorization: Bearer $SEEKLAB_API_KEY\"" : ""} \\`);
console.log(`       -d '{"model":"${modelId}","messages":[{"role":"user","content":"47*83="}],"n":3,"temperature":0.8}'`);
console.log("The tiny model reads only digits and + * = ; (e.g. 47*83=). Ctrl-C stops it.");
const stop = async () => {
  await server.close();
  model.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
