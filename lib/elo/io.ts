/**
 * Reading battles from CSV, JSON Lines, or the JSON list that Chatbot Arena publishes
 * (`[{"model_a": …, "model_b": …, "winner": …, "tstamp": …, "anony": …, "language": …}, …]`),
 * streaming: text arrives in chunks, each row becomes three numbers in a BattleTable, and no file
 * is ever held as one string or as millions of objects.
 *
 * Taught in notebooks/04_elo_rankings.ipynb (loading real votes). Every bad row (unknown outcome,
 * missing model, a model against itself, broken CSV/JSON) is reported with its line number. With
 * `onError: "fail"` (the default) the first one throws a `BattleReadError`; with "skip" the row is
 * left out and listed in `problems`. Nothing silently becomes NaN.
 *
 * Any input is read in linear time: no line, CSV record or JSON object may exceed 64 KB (an error
 * naming its line), a stray quote costs one row and the reader resyncs at the next line
 * (lib/elo/csv.ts), and `streamBattles` keeps nothing of the rows it has yielded. A duplicate
 * header column is an error, and so is a model name with spaces around it (" gpt-4" would be a
 * different model from "gpt-4") unless `trimNames: true` trims them.
 */
import { readChunks } from "../data.js";
import { checkNumber, checkOneOf, checkOptionsObject } from "../validate.js";
import { type Battle, BattleTable, BattleTableBuilder, battleProblem } from "./battles.js";
import { CsvRecordReader, MAX_RECORD_CHARS } from "./csv.js";

export { splitCsv } from "./csv.js";

export type BattleFormat = "csv" | "jsonl" | "json";

export interface ReadBattlesOptions {
  /** Default: from the file extension (.csv, .jsonl/.ndjson, .json), else sniffed from the first character. */
  format?: BattleFormat;
  /** "fail" (default): throw at the first bad row. "skip": leave bad rows out and report them. */
  onError?: "fail" | "skip";
  /** Column / field names. Default model_a, model_b, winner (Arena's). */
  columns?: { modelA?: string; modelB?: string; winner?: string };
  /** Keep only rows for which this returns true (e.g. `(r) => r.anony === true`); CSV values are strings. */
  where?: (row: Readonly<Record<string, unknown>>) => boolean;
  /** At most this many problems are kept in `problems` (all are counted). Default 1000. */
  maxProblems?: number;
  /** Trim spaces around model names (default false: a name with surrounding spaces is a bad row). */
  trimNames?: boolean;
}

const FORMATS: readonly BattleFormat[] = ["csv", "jsonl", "json"];

/** Checks the options every reader takes; `fn` names the caller in the error. */
function checkReadOptions(fn: string, opts: ReadBattlesOptions): void {
  checkOptionsObject(fn, opts);
  checkOneOf(`${fn}: options.format`, opts.format, FORMATS);
  checkOneOf(`${fn}: options.onError`, opts.onError, ["fail", "skip"] as const);
  if (opts.maxProblems !== undefined) checkNumber(`${fn}: options.maxProblems`, opts.maxProblems, { integer: true, min: 0 });
  if (opts.where !== undefined && typeof opts.where !== "function") throw new Error(`${fn}: options.where must be a function (row) => boolean`);
  for (const k of ["modelA", "modelB", "winner"] as const) {
    const c = opts.columns?.[k];
    if (c !== undefined && (typeof c !== "string" || c.trim() === "")) throw new Error(`${fn}: options.columns.${k} must be a non-empty string; got ${JSON.stringify(c)}`);
  }
}

export interface RowProblem {
  /** 1-based line where the row starts. */
  line: number;
  message: string;
}

export interface ReadBattlesResult {
  battles: BattleTable;
  /** Bad rows that were skipped (only with onError "skip"), up to `maxProblems`. */
  problems: RowProblem[];
  /** Number of bad rows skipped (may exceed problems.length). */
  skipped: number;
  /** Rows left out by `where`. */
  filtered: number;
  format: BattleFormat;
}

export class BattleReadError extends Error {
  constructor(readonly line: number, readonly detail: string, readonly source = "input") {
    super(`${source}, line ${line}: ${detail}`);
    this.name = "BattleReadError";
  }
}

type Source = string | AsyncIterable<string | Uint8Array>;

/**
 * Reads battles from a file path or any async iterable of text chunks (a Node readable stream).
 */
export async function readBattles(source: Source, opts: ReadBattlesOptions = {}): Promise<ReadBattlesResult> {
  checkReadOptions("readBattles", opts);
  const name = typeof source === "string" ? source : "input";
  const format = opts.format ?? (typeof source === "string" ? formatFromExtension(source) : undefined);
  const parser = new BattleParser({ ...opts, format }, name);
  const stream = typeof source === "string" ? await readChunks(source) : source;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for await (const chunk of stream) parser.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
  parser.push(decoder.decode());
  return parser.end();
}

/** Parses battles from text already in memory (same rules as readBattles). */
export function parseBattles(text: string, opts: ReadBattlesOptions = {}): ReadBattlesResult {
  checkReadOptions("parseBattles", opts);
  if (typeof text !== "string") throw new Error(`parseBattles: text must be a string; got ${typeof text}`);
  const parser = new BattleParser(opts, "input");
  parser.push(text);
  return parser.end();
}

/**
 * Battles one at a time from a file or stream, each with its line number; bad rows as in
 * readBattles. Memory stays flat: only the battles of the chunk being read are held.
 */
export async function* streamBattles(source: Source, opts: ReadBattlesOptions = {}): AsyncGenerator<Battle & { line: number }> {
  checkReadOptions("streamBattles", opts);
  const name = typeof source === "string" ? source : "input";
  const format = opts.format ?? (typeof source === "string" ? formatFromExtension(source) : undefined);
  const pending: (Battle & { line: number })[] = [];
  const parser = new BattleParser({ ...opts, format }, name, (battle) => pending.push(battle));
  const stream = typeof source === "string" ? await readChunks(source) : source;
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    parser.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    for (const battle of pending.splice(0)) yield battle;
  }
  parser.push(decoder.decode());
  parser.end();
  for (const battle of pending.splice(0)) yield battle;
}

function formatFromExtension(path: string): BattleFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return undefined; // .json may be a list or JSON Lines: sniff
}

/** Push-based parser: text chunks in, battles out; keeps only an unfinished line between chunks. */
class BattleParser {
  private format: BattleFormat | undefined;
  private readonly builder = new BattleTableBuilder();
  private readonly problems: RowProblem[] = [];
  private skipped = 0;
  private filtered = 0;
  private line = 1; // line of the next character to be consumed
  private carry = ""; // unfinished line (csv/jsonl) or unfinished object text (json)
  private tooLong = false; // the current line passed the limit: skip to its end
  private started = false;
  // csv
  private header: string[] | null = null;
  private readonly csv = new CsvRecordReader((fields, line) => this.takeCsvRecord(fields, line), (line, message) => this.problem(line, message));
  // json list
  private discarding = false; // the current object passed the limit: scan to its end, keep nothing
  private pieces: string[] = []; // the current object's text from earlier chunks
  private objectChars = 0;
  private jsonState: "before" | "list" | "object" | "done" = "before";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private objectLine = 0;
  private readonly cols: { modelA: string; modelB: string; winner: string };

  constructor(private readonly opts: ReadBattlesOptions, private readonly sourceName: string, private readonly onBattle?: (b: Battle & { line: number }) => void) {
    this.format = opts.format;
    this.cols = { modelA: opts.columns?.modelA ?? "model_a", modelB: opts.columns?.modelB ?? "model_b", winner: opts.columns?.winner ?? "winner" };
  }

  push(chunk: string): void {
    if (chunk.length === 0) return;
    if (!this.started) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // byte-order mark
      const first = chunk.search(/\S/);
      if (first < 0) { this.countLines(chunk); return; } // only whitespace so far
      this.started = true;
      if (!this.format) this.format = chunk[first] === "[" ? "json" : chunk[first] === "{" ? "jsonl" : "csv";
    }
    if (this.format === "json") this.pushJson(chunk);
    else this.pushLines(chunk);
  }

  end(): ReadBattlesResult {
    if (this.format === "json") {
      if (this.jsonState !== "done") this.problem(this.jsonState === "object" ? this.objectLine : this.line, "unexpected end of input inside the JSON list");
    } else if (this.started) {
      if (this.carry.length > 0 && !this.tooLong) this.takeLine(this.carry);
      this.carry = "";
      if (this.format === "csv") this.csv.end();
    }
    if (!this.started) this.problem(1, "empty input: no header and no battles");
    return { battles: this.builder.build(), problems: this.problems, skipped: this.skipped, filtered: this.filtered, format: this.format ?? "csv" };
  }

  private countLines(s: string): void {
    for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) this.line++;
  }

  private problem(line: number, message: string): void {
    if ((this.opts.onError ?? "fail") === "fail") throw new BattleReadError(line, message, this.sourceName);
    this.skipped++;
    if (this.problems.length < (this.opts.maxProblems ?? 1000)) this.problems.push({ line, message });
  }

  private accept(row: Record<string, unknown>, line: number): void {
    if (this.opts.where && !this.opts.where(row)) { this.filtered++; return; }
    let a = row[this.cols.modelA], b = row[this.cols.modelB];
    const w = row[this.cols.winner];
    for (const [col, v] of [[this.cols.modelA, a], [this.cols.modelB, b]] as const) {
      if (typeof v === "string" && v !== v.trim() && v.trim() !== "" && !this.opts.trimNames) {
        this.problem(line, `${col} ${JSON.stringify(v)} has spaces around it (a different model from ${JSON.stringify(v.trim())}); pass { trimNames: true } to trim names`);
        return;
      }
    }
    if (this.opts.trimNames) {
      if (typeof a === "string") a = a.trim();
      if (typeof b === "string") b = b.trim();
    }
    // A stream only checks the row and hands it on; only readBattles/parseBattles build a table.
    const bad = this.onBattle ? battleProblem(a, b, w) : this.builder.add(a, b, w);
    if (bad) this.problem(line, bad);
    else if (this.onBattle) this.onBattle({ modelA: a as string, modelB: b as string, winner: w as Battle["winner"], line });
  }

  // ---- line formats (csv, jsonl)

  /** Cuts lines out of the chunk; only the chunk is searched, so tiny chunks stay linear. */
  private pushLines(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      const piece = chunk.slice(start, nl);
      if (this.tooLong) {
        this.tooLong = false;
        this.line++;
      } else if (this.carry.length + piece.length > MAX_RECORD_CHARS) {
        this.problem(this.line++, `line longer than ${MAX_RECORD_CHARS} characters`);
      } else {
        this.takeLine(this.carry + piece);
      }
      this.carry = "";
      start = nl + 1;
    }
    if (this.tooLong) return;
    this.carry += chunk.slice(start);
    if (this.carry.length > MAX_RECORD_CHARS) {
      this.problem(this.line, `line longer than ${MAX_RECORD_CHARS} characters`);
      this.carry = "";
      this.tooLong = true;
    }
  }

  private takeLine(raw: string): void {
    const line = this.line++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (this.format === "jsonl") return this.takeJsonLine(text, line);
    this.csv.line(text, line);
  }

  private takeCsvRecord(fields: string[], line: number): void {
    if (!this.header) {
      this.header = fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const h of this.header) {
        if (seen.has(h)) throw new BattleReadError(line, `CSV header names column ${JSON.stringify(h)} twice (header: ${this.header.join(",")})`, this.sourceName);
        seen.add(h);
      }
      const missing = [this.cols.modelA, this.cols.modelB, this.cols.winner].filter((c) => !this.header!.includes(c));
      if (missing.length > 0) {
        throw new BattleReadError(line, `CSV header lacks column(s) ${missing.join(", ")} (header: ${this.header.join(",")})`, this.sourceName);
      }
      return;
    }
    if (fields.length !== this.header.length) {
      this.problem(line, `malformed CSV row: expected ${this.header.length} fields, got ${fields.length}`);
      return;
    }
    const row: Record<string, unknown> = {};
    this.header.forEach((h, i) => (row[h] = fields[i]));
    this.accept(row, line);
  }

  private takeJsonLine(text: string, line: number): void {
    if (text.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (e) {
      this.problem(line, `malformed JSON: ${(e as Error).message}`);
      return;
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) { this.problem(line, "expected a JSON object per line"); return; }
    this.accept(row as Record<string, unknown>, line);
  }

  // ---- JSON list: scan characters, cut out each top-level object, parse it alone

  private pushJson(chunk: string): void {
    // Only the new chunk is scanned; an object that spans chunks is kept as pieces (at most
    // MAX_RECORD_CHARS in all) and joined once, when it closes.
    let objectStart = -1; // where the current object starts in this chunk (-1: earlier, or none)
    for (let p = 0; p < chunk.length; p++) {
      const c = chunk.charCodeAt(p);
      if (c === 10) this.line++;
      switch (this.jsonState) {
        case "before":
          if (c === 91 /* [ */) this.jsonState = "list";
          else if (!isSpace(c)) { this.problem(this.line, "expected a JSON list starting with ["); this.jsonState = "done"; }
          break;
        case "list":
          if (c === 123 /* { */) {
            this.jsonState = "object"; this.depth = 1; objectStart = p; this.objectLine = this.line;
            this.inString = false; this.escaped = false; this.discarding = false; this.pieces = []; this.objectChars = 0;
          } else if (c === 93 /* ] */) this.jsonState = "done";
          else if (!isSpace(c) && c !== 44 /* , */) {
            this.problem(this.line, `expected an object in the JSON list, found ${JSON.stringify(chunk[p])}`);
            this.jsonState = "done";
          }
          break;
        case "object":
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 92 /* \ */) this.escaped = true;
            else if (c === 34 /* " */) this.inString = false;
          } else if (c === 34) this.inString = true;
          else if (c === 123 || c === 91) this.depth++;
          else if (c === 125 || c === 93) {
            if (--this.depth === 0) {
              if (!this.discarding) this.takeJsonObject(this.pieces.join("") + chunk.slice(Math.max(objectStart, 0), p + 1), this.objectLine);
              this.discarding = false;
              this.pieces = [];
              this.jsonState = "list";
              objectStart = -1;
              break;
            }
          }
          if (!this.discarding && this.objectChars + (p - Math.max(objectStart, 0)) + 1 > MAX_RECORD_CHARS) {
            // Too big to be a battle: report it, scan on to its end, keep none of it.
            this.problem(this.objectLine, `JSON object longer than ${MAX_RECORD_CHARS} characters`);
            this.discarding = true;
            this.pieces = [];
          }
          break;
        case "done":
          if (!isSpace(c)) { this.problem(this.line, "unexpected text after the end of the JSON list"); return; }
      }
    }
    if (this.jsonState === "object" && !this.discarding) {
      const rest = chunk.slice(Math.max(objectStart, 0));
      this.pieces.push(rest);
      this.objectChars += rest.length;
    }
  }

  private takeJsonObject(text: string, line: number): void {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (e) {
      this.problem(line, `malformed JSON object: ${(e as Error).message}`);
      return;
    }
    this.accept(row as Record<string, unknown>, line);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
