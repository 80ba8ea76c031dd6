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

describe("reading battles: hostile input", () => {
  const HEAD = "model_a,model_b,winner\n";

  it("a stray quote costs one row: the rest is kept, in linear time (issue 12's example)", () => {
    const text = HEAD + '"m1,m2,model_a\n' + "m1,m2,model_b\n".repeat(10000);
    const t0 = performance.now();
    const r = parseBattles(text, { onError: "skip" });
    const ms = performance.now() - t0;
    expect(r.battles.length).toBe(10000);
    expect(r.skipped).toBe(1);
    expect(r.problems[0]).toMatchObject({ line: 2 });
    expect(r.problems[0]!.message).toMatch(/quoted field .* still open after 65536 characters.*stray "/);
    // Linear: 4× the rows costs about 4× the time, not 16× (generous bound for a loaded machine).
    const t1 = performance.now();
    expect(parseBattles(HEAD + '"m1,m2,model_a\n' + "m1,m2,model_b\n".repeat(40000), { onError: "skip" }).battles.length).toBe(40000);
    expect(performance.now() - t1).toBeLessThan(Math.max(12 * ms, 400));
    expect(() => parseBattles(text)).toThrow(/input, line 2: a quoted field opened on this line/);
  });

  it("an unterminated quote at the end of input names its line; later lines are read again", () => {
    const r = parseBattles(HEAD + "a,b,tie\n" + '"c,d,tie\n' + "e,f,model_a\n", { onError: "skip" });
    expect(r.battles.length).toBe(2);
    expect(r.problems).toEqual([{ line: 3, message: "unterminated quoted field at end of input" }]);
  });

  it("no line, record or JSON object may pass 64 KB; the error names the line and reading goes on", async () => {
    const long = "x".repeat(70_000);
    const r = parseBattles(HEAD + `${long},b,tie\n` + "a,b,tie\n", { onError: "skip" });
    expect(r.problems).toEqual([{ line: 2, message: "line longer than 65536 characters" }]);
    expect(r.battles.length).toBe(1);
    expect(() => parseBattles(HEAD + `${long},b,tie\n`)).toThrow(/line 2: line longer than 65536/);
    const jl = parseBattles(`{"model_a":"a","model_b":"b","winner":"tie"}\n{"model_a":"${long}"}\n{"model_a":"c","model_b":"d","winner":"tie"}\n`, { onError: "skip" });
    expect([jl.battles.length, jl.problems[0]?.line]).toEqual([2, 2]);
    // One character per chunk: still linear, and the object after the huge one is kept.
    async function* oneByOne(s: string) {
      for (let i = 0; i < s.length; i++) yield s[i]!;
    }
    const json = `[{"model_a":"${long}"},\n{"model_a":"a","model_b":"b","winner":"tie"}]`;
    const viaStream = await readBattles(oneByOne(json), { onError: "skip" });
    expect(viaStream.battles.length).toBe(1);
    expect(viaStream.problems).toEqual([{ line: 1, message: "JSON object longer than 65536 characters" }]);
  });

  it("a duplicate header column, an unknown format and bad options are errors", () => {
    expect(() => parseBattles("model_a,model_b,winner,model_a\nx,y,tie,z\n")).toThrow(/header names column "model_a" twice/);
    expect(() => parseBattles(HEAD, { format: "xml" as never })).toThrow(/parseBattles: options.format must be one of "csv", "jsonl", "json"; got "xml"/);
    expect(() => parseBattles(HEAD, { onError: "ignore" as never })).toThrow(/options.onError/);
    expect(() => parseBattles(HEAD, { maxProblems: -1 })).toThrow(/options.maxProblems must be an integer >= 0; got -1/);
    expect(() => parseBattles(HEAD, { where: "yes" as never })).toThrow(/options.where must be a function/);
    expect(() => parseBattles(HEAD, { columns: { modelA: "" } })).toThrow(/options.columns.modelA/);
    expect(() => parseBattles(42 as never)).toThrow(/text must be a string/);
  });

  it("model names with spaces around them are errors unless trimNames is set", () => {
    const text = HEAD + "gpt-4,claude,model_a\n gpt-4,claude,model_b\n";
    expect(() => parseBattles(text)).toThrow(/line 3: model_a " gpt-4" has spaces around it .*trimNames: true/);
    const r = parseBattles(text, { trimNames: true });
    expect(r.battles.models).toEqual(["gpt-4", "claude"]);
  });

  it("streamBattles keeps nothing of the rows it has yielded", async () => {
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const rows = 400_000;
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers; // a table's typed arrays live outside the heap
    async function* source() {
      yield HEAD;
      for (let i = 0; i < rows / 1000; i++) yield "m1,m2,model_a\nm2,m3,tie\n".repeat(500);
    }
    let n = 0;
    let at50k = 0;
    let atEnd = 0;
    for await (const b of streamBattles(source())) {
      n++;
      if (n === 50_000) { gc(); at50k = used(); }
      if (n === rows) { gc(); atEnd = used(); }
      expect(b.modelA.length).toBe(2);
    }
    expect(n).toBe(rows);
    // 350k more rows held would be megabytes; allow 2 MB of noise.
    expect(atEnd - at50k).toBeLessThan(2_000_000);
  }, 60_000);
});
