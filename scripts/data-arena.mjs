// `npm run data:arena`: download Chatbot Arena's public battle log, check every row with seeklab's
// streaming reader, and write datasets/arena/battles.csv (model_a,model_b,winner), which lesson 4
// (notebooks/04_elo_rankings.ipynb) uses when it exists. Needs internet; nothing in the tests does.
//
//   node scripts/data-arena.mjs [--url URL] [--from FILE] [--all] [--out FILE]
//
// --url   another published file (default: the 2024-08-14 snapshot)
// --from  convert a copy already on disk instead of downloading
// --all   keep non-anonymous battles too (the leaderboard uses anonymous ones only)
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT, say } from "./common.mjs";
import { setup } from "./setup.mjs";

const DEFAULT_URL = "https://storage.googleapis.com/arena_external_data/public/clean_battle_20240814_public.json";

const LICENCE = `Source: LMSYS / LMArena, Chatbot Arena's public battle log (clean_battle_*_public.json), published
with the analysis notebook of the Chatbot Arena paper. No licence file accompanies this file; LMSYS's
released Arena datasets carry their own terms (e.g. lmsys/chatbot_arena_conversations on Hugging Face).
Use it for analysis, do not redistribute it from this repository (datasets/arena/ is git-ignored), and cite:
  Wei-Lin Chiang, Lianmin Zheng, Ying Sheng, et al. "Chatbot Arena: An Open Platform for Evaluating
  LLMs by Human Preference". ICML 2024. arXiv:2403.04132.`;

function args(argv) {
  const out = { url: DEFAULT_URL, from: null, all: false, out: join(ROOT, "datasets", "arena", "battles.csv") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--url") out.url = argv[++i];
    else if (a === "--from") out.from = argv[++i];
    else if (a === "--out") out.out = argv[++i];
    else if (a === "--all") out.all = true;
    else throw new Error(`unknown argument ${a} (use --url URL, --from FILE, --all, --out FILE)`);
  }
  return out;
}

/** Passes chunks through, reporting progress every 50 MB. */
async function* withProgress(stream) {
  let bytes = 0, next = 50e6;
  for await (const chunk of stream) {
    bytes += chunk.length;
    if (bytes >= next) { say(`  ${(bytes / 1e6).toFixed(0)} MB read`); next += 50e6; }
    yield chunk;
  }
}

function csvField(s) {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function main() {
  const opts = args(process.argv.slice(2));
  await setup({ python: false }); // builds the library the reader comes from
  const { readBattles, OUTCOMES } = await import("seeklab");
  let source;
  if (opts.from) {
    say(`reading ${opts.from}`);
    source = createReadStream(opts.from);
  } else {
    say(`downloading ${opts.url}`);
    const response = await fetch(opts.url);
    if (!response.ok || !response.body) throw new Error(`download failed: HTTP ${response.status} ${response.statusText}`);
    source = response.body;
  }
  const result = await readBattles(withProgress(source), {
    format: "json",
    onError: "skip",
    where: opts.all ? undefined : (row) => row.anony === true,
  });
  const t = result.battles;
  mkdirSync(dirname(opts.out), { recursive: true });
  const out = createWriteStream(opts.out);
  const names = t.models.map(csvField);
  out.write("model_a,model_b,winner\n");
  for (let i = 0; i < t.length; i++) {
    const line = `${names[t.a[i]]},${names[t.b[i]]},${csvField(OUTCOMES[t.outcome[i]])}\n`;
    if (!out.write(line)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  say(`wrote ${relative(ROOT, opts.out)}: ${t.length.toLocaleString("en")} battles among ${t.models.length} models`);
  if (!opts.all) say(`left out ${result.filtered.toLocaleString("en")} non-anonymous battles (use --all to keep them)`);
  if (result.skipped > 0) {
    say(`skipped ${result.skipped} bad rows; the first ones:`);
    for (const p of result.problems.slice(0, 10)) say(`  line ${p.line}: ${p.message}`);
  }
  console.log(`\n${LICENCE}\n`);
}

main().catch((e) => {
  console.log(`data:arena failed: ${e.message}`);
  process.exit(1);
});
