/**
 * An incremental CSV record reader (RFC 4180: fields may be quoted, `""` is a quote inside quotes,
 * a quoted field may span lines) that stays linear on any input and recovers from a stray quote.
 * Used by lib/elo/io.ts for battle files (notebooks/04_elo_rankings.ipynb).
 *
 * Lines come in one at a time (terminators removed). A quoted field that spans lines is allowed
 * while its record stays within `maxChars` (64 KB); past that, or at the end of the input, the
 * record is reported as a problem *at the line where it began*, and the lines it swallowed are
 * read again as records of their own. Re-read lines may not open a multi-line field (that is
 * what just failed), so every character is scanned at most twice: linear time, and with
 * `onError: "skip"` a stray `"` costs exactly one row.
 */

/** Longest record (and line) accepted, in characters. */
export const MAX_RECORD_CHARS = 64 * 1024;

export class CsvRecordReader {
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;
  private fieldStart = true;
  private startLine = 0;
  private held: { text: string; line: number }[] = [];
  private heldChars = 0;
  /** Lines up to this one are being re-read and may not open a multi-line field. */
  private rereadUntil = 0;

  constructor(
    private readonly onRecord: (fields: string[], line: number) => void,
    private readonly onProblem: (line: number, message: string) => void,
    readonly maxChars = MAX_RECORD_CHARS,
  ) {}

  /** True while a quoted field is open (its record continues on the next line). */
  get open(): boolean {
    return this.inQuotes;
  }

  /** One line of text (no terminator) and its 1-based number. */
  line(text: string, line: number): void {
    if (this.inQuotes) {
      this.held.push({ text, line });
      this.heldChars += text.length + 1;
      if (this.heldChars > this.maxChars) {
        this.fail(`a quoted field opened on this line is still open after ${this.maxChars} characters (${this.held.length} lines): a stray " ?`);
        return;
      }
      this.field += "\n";
    } else {
      if (text.trim() === "") return;
      this.startLine = line;
      this.fields = [];
      this.field = "";
      this.fieldStart = true;
      this.held = [];
      this.heldChars = text.length;
    }
    this.scan(text);
    if (!this.inQuotes) {
      this.fields.push(this.field);
      const fields = this.fields;
      this.fields = [];
      this.field = "";
      this.held = [];
      this.onRecord(fields, this.startLine);
    } else if (line <= this.rereadUntil) {
      this.inQuotes = false;
      this.fields = [];
      this.field = "";
      this.onProblem(line, "unterminated quoted field");
    }
  }

  /** End of input: an open quoted field is a problem at its first line; its lines are re-read. */
  end(): void {
    if (this.inQuotes) this.fail("unterminated quoted field at end of input");
  }

  private scan(text: string): void {
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (this.inQuotes) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.field += text.slice(i);
          return;
        }
        this.field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      if (this.fieldStart && text.charCodeAt(i) === 34) {
        this.inQuotes = true;
        this.fieldStart = false;
        i++;
        continue;
      }
      const comma = text.indexOf(",", i);
      if (comma < 0) {
        this.field += text.slice(i); // a quote inside an unquoted field is kept as text
        this.fieldStart = false;
        return;
      }
      this.fields.push(this.field + text.slice(i, comma));
      this.field = "";
      this.fieldStart = true;
      i = comma + 1;
    }
  }

  private fail(message: string): void {
    const lines = this.held;
    const at = this.startLine;
    this.inQuotes = false;
    this.fields = [];
    this.field = "";
    this.held = [];
    this.onProblem(at, message);
    if (lines.length === 0) return;
    this.rereadUntil = lines[lines.length - 1]!.line;
    for (const l of lines) this.line(l.text, l.line);
  }
}

/**
 * Splits one CSV record held in memory (same rules, no line limit).
 * @returns the fields, or null when a quoted field is still open at the end.
 */
export function splitCsv(record: string): string[] | null {
  let out: string[] | null = null;
  const reader = new CsvRecordReader((fields) => (out = fields), () => undefined, Infinity);
  const lines = record.split("\n");
  lines.forEach((l, i) => reader.line(l, i + 1));
  if (reader.open) return null;
  return out ?? (record.trim() === "" ? [record] : null);
}
