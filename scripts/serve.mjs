#!/usr/bin/env node
// `npm run serve`: the tiny chain-of-thought model behind an OpenAI-compatible endpoint on
// localhost (GET /v1/models, POST /v1/chat/completions), so the lesson's client code
// (lib/reasoning/openai.ts) talks to it exactly as to vLLM, llama.cpp, Ollama or the DeepSeek API.
//
//   npm run serve                                   # datasets/cot_mul_cot_small.json on 127.0.0.1:8000
//   npm run serve -- --port 8011 --checkpoint datasets/cot_mul_direct_small.json
//   OPENAI_BASE_URL=http://127.0.0.1:8000/v1 …      # then point any client at it
//
// Needs the compiled library (`npm run build`). Listens on loopback only unless --host says otherwise.
import { join } from "node:path";
import { ROOT } from "./common.mjs";

function flag(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const checkpoint = flag("checkpoint", join(ROOT, "datasets", "cot_mul_cot_small.json"));
const port = Number(flag("port", process.env.PORT ?? "8000"));
const host = flag("host", "127.0.0.1");

let seeklab;
try {
  seeklab = await import("seeklab");
} catch (e) {
  console.log(`could not load the compiled library (run \`npm run build\` first): ${e.message}`);
  process.exit(1);
}
const { initBackend, loadCheckpoint, TinyLLM, serveOpenAI } = seeklab;
await initBackend(undefined, { quiet: true });
const { model, tokenizer, meta } = await loadCheckpoint(checkpoint);
const modelId = flag("model-id", `seeklab-tiny-${meta.task ?? "model"}-${meta.style ?? ""}`.replace(/-$/, ""));
const server = await serveOpenAI({ llm: new TinyLLM(model, tokenizer, modelId), modelId, host, port });
console.log(`Serving ${modelId} (${model.paramCount} parameters, from ${checkpoint}) at ${server.baseURL}`);
console.log(`Try: curl -s ${server.baseURL}/chat/completions -H 'content-type: application/json' \\`);
console.log(`       -d '{"messages":[{"role":"user","content":"47*83="}],"n":3,"temperature":0.8}'`);
console.log("The tiny model reads only digits and + * = ; (e.g. 47*83=). Ctrl-C stops it.");
const stop = async () => {
  await server.close();
  model.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
