// Property: any list of battles, written as CSV with random quoting, LF or CRLF line ends, an
// optional byte-order mark and an extra column, and read back in random chunk sizes, comes back
// exactly (fast-check; the seed is fixed so a failure reproduces).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OUTCOMES, type Battle } from "../../lib/elo/battles.js";
import { parseBattles, readBattles } from "../../lib/elo/io.js";

// Names may hold commas, quotes, spaces and line breaks inside; never spaces around them (that is
// an error without trimNames) and never "\r" (a CR before LF is a line end).
const nameChar = fc.constantFrom(..."abcXYZ019-_.,\"' \n/é模");
const name = fc
  .string({ unit: nameChar, minLength: 1, maxLength: 12 })
  .filter((s) => s.trim() === s && s.trim().length > 0);
const battle = fc
  .tuple(name, name, fc.constantFrom(...OUTCOMES))
  .filter(([a, b]) => a !== b)
  .map(([modelA, modelB, winner]): Battle => ({ modelA, modelB, winner }));

const needsQuotes = (s: string) => /[",\n]/.test(s) || s.startsWith('"');
const field = (s: string, quoteAnyway: boolean) => (needsQuotes(s) || quoteAnyway ? `"${s.replace(/"/g, '""')}"` : s);

function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function* asyncChunks(text: string, size: number) {
  yield* chunks(text, size);
}

describe("CSV round trip (property)", () => {
  it("random battles → CSV (random quoting, CRLF, BOM, extra column) → the same battles", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(battle, { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 90, maxLength: 90 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        async (rows, quoteFlags, crlf, bom, extra, chunkSize) => {
          const eol = crlf ? "\r\n" : "\n";
          let q = 0;
          const f = (s: string) => field(s, quoteFlags[q++ % quoteFlags.length]!);
          const header = ["model_a", "model_b", "winner", ...(extra ? ["note"] : [])].map(f).join(",");
          const lines = rows.map((b, i) => [b.modelA, b.modelB, b.winner, ...(extra ? [`n${i},x`] : [])].map(f).join(","));
          const text = (bom ? "\ufeff" : "") + [header, ...lines].join(eol) + (quoteFlags[0] ? eol : "");
          const want = rows.map((b) => ({ ...b }));
          const inMemory = parseBattles(text);
          expect([...inMemory.battles]).toEqual(want);
          const streamed = await readBattles(asyncChunks(text, chunkSize));
          expect([...streamed.battles]).toEqual(want);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });

  it("one stray quote anywhere costs at most the rows it touches, never the rest of the file", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 0, max: 199 }), (n, at) => {
        const k = at % n;
        const lines = Array.from({ length: n }, (_, i) => (i === k ? `"m${i},x${i},model_a` : `m${i},x${i},model_b`));
        const r = parseBattles(`model_a,model_b,winner\n${lines.join("\n")}\n`, { onError: "skip" });
        expect(r.skipped).toBe(1);
        expect(r.battles.length).toBe(n - 1);
        expect(r.problems[0]!.line).toBe(k + 2);
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});
