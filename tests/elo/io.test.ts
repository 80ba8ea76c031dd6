// The streaming battle reader: formats, line numbers, fail/skip, chunk boundaries, edge cases.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BattleReadError, parseBattles, readBattles, splitCsv, streamBattles } from "../../lib/elo/io.js";

const CSV = "model_a,model_b,winner,prompt\nx,y,model_a,1\n\"y\",x,tie,\"a, quoted\"\"prompt\"\"\"\nx,z,tie (bothbad),3\n";
const JSONL = '{"model_a":"x","model_b":"y","winner":"model_b"}\n\n{"model_a":"y","model_b":"z","winner":"tie","tstamp":1}\n';
const ARENA_JSON = `[
  {
    "model_a": "x",
    "model_b": "y",
    "winner": "model_a",
    "anony": true,
    "conv_metadata": {"turns": [1, 2], "note": "a } and a \\" inside"}
  },
  {
    "model_a": "y",
    "model_b": "z",
    "winner": "tie (bothbad)",
    "anony": false
  }
]
`;

/** Feeds `text` as chunks of `size` characters, like a file stream. */
async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe("reading battles", () => {
  it("CSV with quotes, extra columns and both tie codes", () => {
    const r = parseBattles(CSV);
    expect(r.format).toBe("csv");
    expect([...r.battles]).toEqual([
      { modelA: "x", modelB: "y", winner: "model_a" },
      { modelA: "y", modelB: "x", winner: "tie" },
      { modelA: "x", modelB: "z", winner: "tie (bothbad)" },
    ]);
    expect(splitCsv('a,"b,""c""",,d')).toEqual(["a", 'b,"c"', "", "d"]);
    expect(splitCsv('a,"open')).toBeNull();
  });

  it("JSON Lines and Arena's JSON list, sniffed from the first character", () => {
    const l = parseBattles(JSONL);
    expect(l.format).toBe("jsonl");
    expect(l.battles.length).toBe(2);
    const j = parseBattles(ARENA_JSON);
    expect(j.format).toBe("json");
    expect([...j.battles].map((b) => b.winner)).toEqual(["model_a", "tie (bothbad)"]);
    const anon = parseBattles(ARENA_JSON, { where: (row) => row.anony === true });
    expect(anon.battles.length).toBe(1);
    expect(anon.filtered).toBe(1);
  });

  it("gives the same result whatever the chunk size (1, 2, 7, 64 characters)", async () => {
    for (const text of [CSV, JSONL, ARENA_JSON]) {
      const whole = [...parseBattles(text).battles];
      for (const size of [1, 2, 7, 64]) {
        const r = await readBattles(chunks(text, size));
        expect([...r.battles], `${text.slice(0, 10)} @${size}`).toEqual(whole);
      }
    }
  });

  it("reports the line of a bad row: unknown outcome, missing model, self-play", () => {
    const bad = "model_a,model_b,winner\nx,y,model_a\nx,y,draw\n,y,tie\nq,q,tie\nx,z,model_b\n";
    expect(() => parseBattles(bad)).toThrow(BattleReadError);
    expect(() => parseBattles(bad)).toThrow(/line 3: unknown outcome "draw"/);
    const r = parseBattles(bad, { onError: "skip" });
    expect(r.battles.length).toBe(2);
    expect(r.skipped).toBe(3);
    expect(r.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(r.problems[1]!.message).toMatch(/missing model_a/);
    expect(r.problems[2]!.message).toMatch(/"q" against itself/);
  });

  it("a malformed CSV line (wrong field count) and an unterminated quote", () => {
    expect(() => parseBattles("model_a,model_b,winner\nx,y\n")).toThrow(/line 2: malformed CSV row: expected 3 fields, got 2/);
    expect(() => parseBattles('model_a,model_b,winner\nx,y,tie\n"x,y,tie\n')).toThrow(/line 3: unterminated quoted field/);
    expect(() => parseBattles("a,b,c\nx,y,tie\n")).toThrow(/line 1: CSV header lacks column\(s\) model_a, model_b, winner/);
  });

  it("a quoted field may span lines; the row keeps its first line number", () => {
    const r = parseBattles('model_a,model_b,winner,prompt\nx,y,tie,"two\nlines"\nx,y,nope,p\n', { onError: "skip" });
    expect(r.battles.length).toBe(1);
    expect(r.problems).toEqual([{ line: 4, message: expect.stringMatching(/unknown outcome "nope"/) }]);
  });

  it("line numbers in JSON Lines and in the JSON list", () => {
    expect(() => parseBattles('{"model_a":"x","model_b":"y","winner":"tie"}\n{"model_a":"x",\n')).toThrow(/line 2: malformed JSON/);
    const list = '[\n {"model_a":"x","model_b":"y","winner":"tie"},\n {"model_a":"x",\n  "model_b":"y","winner":"?"}\n]';
    expect(() => parseBattles(list)).toThrow(/line 3: unknown outcome "\?"/);
    expect(() => parseBattles('[\n {"model_a":"x"')).toThrow(/line 2: unexpected end of input inside the JSON list/);
  });

  it("an empty file is an error in fail mode and a reported problem in skip mode; [] is fine", () => {
    expect(() => parseBattles("")).toThrow(/line 1: empty input/);
    expect(() => parseBattles("\n  \n")).toThrow(/empty input/);
    const skip = parseBattles("", { onError: "skip" });
    expect(skip.battles.length).toBe(0);
    expect(skip.problems[0]!.message).toMatch(/empty input/);
    expect(parseBattles("[]").battles.length).toBe(0);
    expect(parseBattles("model_a,model_b,winner\n").battles.length).toBe(0);
  });

  it("reads files by path (format from the extension) and streams one battle at a time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "seeklab-elo-"));
    writeFileSync(join(dir, "b.csv"), "\ufeff" + CSV.replace(/\n/g, "\r\n"));
    writeFileSync(join(dir, "b.json"), ARENA_JSON);
    writeFileSync(join(dir, "b.jsonl"), JSONL);
    expect((await readBattles(join(dir, "b.csv"))).battles.length).toBe(3);
    expect((await readBattles(join(dir, "b.json"))).battles.length).toBe(2);
    const lines: number[] = [];
    for await (const b of streamBattles(join(dir, "b.jsonl"))) lines.push(b.line);
    expect(lines).toEqual([1, 3]);
    await expect(readBattles(join(dir, "missing.csv"))).rejects.toThrow(/ENOENT/);
  });

  it("custom column names", () => {
    const r = parseBattles("left,right,result\nx,y,model_b\n", { columns: { modelA: "left", modelB: "right", winner: "result" } });
    expect([...r.battles]).toEqual([{ modelA: "x", modelB: "y", winner: "model_b" }]);
  });
});
