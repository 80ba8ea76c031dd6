/**
 * What the SeekLab kernel says that plain tslab cannot: which cells ran, which failed, and, for a
 * cell that needs cells that have not run, one line saying so.
 *
 * Introduced in notebooks/00_welcome.ipynb. `scripts/tslab-kernel.cjs` (the kernel spec's
 * program) calls `installKernelHooks` before tslab starts, so the hooks work in every cell of every
 * notebook without the cells doing anything:
 * 1. After *Kernel → Restart*, a cell run alone used to print one `Cannot find name 'wS'` line per
 *    name it borrows from earlier cells (44 lines in lesson 1). It now prints one line: run the
 *    cells above first (*Run → Run All Above*).
 * 2. Every cell's outcome is logged, so the exercise checker (lib/notebook/exercise.ts) can say
 *    "the cell that defines your answer did not compile" instead of "not attempted yet": tslab keeps
 *    the declarations of a cell's last good run, so a failed edit leaves the old value in place.
 * Outside that kernel (vitest, plain node, another tslab kernel) nothing is installed and the
 * checker works as before, without the log.
 */

/** A compile error as tslab's converter reports it (`tslab/dist/converter.d.ts`). */
export interface CellDiagnostic {
  start: { offset: number; line: number; character: number };
  end: { offset: number; line: number; character: number };
  messageText: string;
  category: number;
  /** TypeScript's error code: 2304 "Cannot find name", 2503 "Cannot find namespace", … */
  code: number;
  fileName?: string;
}

/** One execution of one cell. */
export interface CellRun {
  /** 1, 2, … since the kernel started. */
  n: number;
  source: string;
  status: "running" | "ok" | "compile-error" | "runtime-error";
  /** The first compile error, as tslab prints it ("2:14 - ';' expected."). */
  error?: string;
  /** Names the cell declares (let/const/var/function/class at any depth; see declaredNames). */
  declares: string[];
}

const LOG_KEY = Symbol.for("seeklab.kernel.log");
const MAX_RUNS = 500;

type Global = { [LOG_KEY]?: CellRun[] };

/** The kernel's log of cell runs, oldest first; undefined outside the SeekLab kernel. */
export function kernelLog(): CellRun[] | undefined {
  return (globalThis as Global)[LOG_KEY];
}

/** Start (or restart) the log: what the kernel hook does once; tests call it too. */
export function startKernelLog(): CellRun[] {
  const log: CellRun[] = [];
  (globalThis as Global)[LOG_KEY] = log;
  return log;
}

/** Forget the log (tests). */
export function stopKernelLog(): void {
  delete (globalThis as Global)[LOG_KEY];
}

const IDENT = /[A-Za-z_$][\w$]*/g;

/** Strip comments and string literals, so names inside them do not count. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\/\/[^\n]*/g, " ")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""')
    .replace(/`(?:[^`\\]|\\.)*`/g, "``");
}

/**
 * The names a cell declares: `let/const/var x`, destructured `const [a, b]` / `const { a, b: c }`,
 * `function f`, `class C`, `enum E`. Found by pattern, not by parsing: good enough to tell which
 * cell an answer comes from.
 */
export function declaredNames(source: string): string[] {
  const code = codeOnly(source);
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(?:let|const|var)\s+([A-Za-z_$][\w$]*|\[[^\]]*\]|\{[^}]*\})/g)) {
    const target = m[1]!;
    if (target.startsWith("[")) {
      for (const id of target.slice(1, -1).match(IDENT) ?? []) names.add(id);
    } else if (target.startsWith("{")) {
      // `{ a, b: c, ...rest }` declares a, c and rest
      for (const part of target.slice(1, -1).split(",")) {
        const ids = part.replace(/=.*$/s, "").match(IDENT) ?? [];
        if (ids.length) names.add(ids[ids.length - 1]!);
      }
    } else {
      names.add(target);
    }
  }
  for (const m of code.matchAll(/\b(?:async\s+)?(?:function\*?|class|enum)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  return [...names];
}

/** Every identifier a cell's code mentions (comments and strings left out). */
export function usedNames(source: string): Set<string> {
  return new Set(codeOnly(source).match(IDENT) ?? []);
}

/**
 * The latest earlier run that failed and declares a name `source` uses — the cell an exercise
 * checker depends on, if its last run went wrong. Only runs before the one in progress count.
 */
export function failedRunFor(source: string, log: CellRun[] | undefined = kernelLog()): CellRun | undefined {
  if (!log) return undefined;
  const used = usedNames(source);
  const latest = new Map<string, CellRun>();
  for (const run of log) {
    if (run.status === "running") continue;
    for (const name of run.declares) if (used.has(name)) latest.set(name, run);
  }
  let failed: CellRun | undefined;
  for (const run of latest.values()) if (run.status !== "ok" && (!failed || run.n > failed.n)) failed = run;
  return failed;
}

/** How tslab prints a diagnostic (without a file name): "line:column - message". */
export function formatDiagnostic(d: CellDiagnostic): string {
  return `${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`;
}

// "Cannot find name 'x'", "Cannot find namespace 'x'", "Cannot find name 'x'. Did you mean 'y'?"
const MISSING_CODES = new Set([2304, 2503, 2552]);

function listNames(names: string[]): string {
  const shown = names.slice(0, 4).join(", ");
  return names.length > 4 ? `${shown} and ${names.length - 4} more` : shown;
}

/**
 * Replace the one-error-per-name wall that a cell gets when it uses names it cannot find with one
 * line that says what to do. Other errors are kept as they are; declaration-emit errors that only
 * repeat a missing name ("Exported variable 't' has or is using private name 'tf'") are dropped.
 * A single "Did you mean …?" stays as TypeScript wrote it: that is a typo, not a missing cell.
 */
export function summarizeDiagnostics(diags: CellDiagnostic[], log: CellRun[] | undefined = kernelLog()): CellDiagnostic[] {
  const missing: string[] = [];
  let first: CellDiagnostic | undefined;
  for (const d of diags) {
    if (!MISSING_CODES.has(d.code)) continue;
    const name = /'([^']+)'/.exec(d.messageText)?.[1];
    if (!name) continue;
    if (!missing.includes(name)) missing.push(name);
    first ??= d;
  }
  if (!first) return diags;
  if (missing.length === 1 && first.code === 2552) return diags;
  const mentionsMissing = (d: CellDiagnostic) => missing.some((n) => d.messageText.includes(`'${n}'`));
  const rest = diags.filter((d) => !MISSING_CODES.has(d.code) && !(d.code >= 4000 && d.code < 5000 && mentionsMissing(d)));

  // Names declared by an earlier run that failed: that cell, not "the cells above", is the fix.
  const failedByName = new Map<string, CellRun>();
  for (const run of log ?? []) {
    for (const n of run.declares) {
      if (!missing.includes(n)) continue;
      if (run.status === "ok") failedByName.delete(n);
      else if (run.status !== "running") failedByName.set(n, run);
    }
  }
  let text: string;
  const failedRun = [...failedByName.values()].sort((a, b) => b.n - a.n)[0];
  if (failedRun) {
    const names = missing.filter((n) => failedByName.get(n) === failedRun);
    const how = failedRun.status === "compile-error" ? `did not compile (${failedRun.error})` : "stopped with an error";
    text = `${listNames(names)} ${names.length === 1 ? "is" : "are"} defined in a cell that ${how}: fix that cell and run it, then run this one.`;
  } else if (missing.length === 1) {
    text = `Cannot find '${missing[0]}': if a cell above defines it, run the cells above first (Run → Run All Above); otherwise check the spelling.`;
  } else {
    text = `This cell uses ${listNames(missing)} from cells above that have not run since the kernel started: choose Run → Run All Above, then run this cell again.`;
  }
  return [...rest, { ...first, code: 0, messageText: text }];
}

interface Converter {
  convert(prevDecl: string, src: string): { diagnostics: CellDiagnostic[] } & Record<string, unknown>;
}
interface Executor {
  execute(src: string): Promise<boolean>;
}
interface ExecutorModule {
  createExecutor: (rootDir: string, convs: { node: Converter }, console: unknown) => Executor;
}

/**
 * Wrap tslab's executor (the module `tslab/dist/executor.js`) so that every cell is logged and
 * missing-name walls are summarised. tslab's `main.js` looks `createExecutor` up on the module
 * when the kernel starts, so this must run first.
 * @returns false when the module does not look like the tslab it was written for (1.0.x).
 */
export function installKernelHooks(executorModule: unknown): boolean {
  const mod = executorModule as ExecutorModule;
  if (typeof mod?.createExecutor !== "function") return false;
  const original = mod.createExecutor;
  const log = startKernelLog();
  let n = 0;
  let current: CellRun | undefined;
  mod.createExecutor = (rootDir, convs, console) => {
    const convert = convs.node.convert.bind(convs.node);
    convs.node.convert = (prevDecl, src) => {
      const out = convert(prevDecl, src);
      if (out.diagnostics.length > 0 && current) {
        const diagnostics = summarizeDiagnostics(out.diagnostics, log);
        current.status = "compile-error";
        current.error = formatDiagnostic(out.diagnostics[0]!);
        return { ...out, diagnostics };
      }
      return out;
    };
    const executor = original(rootDir, convs, console);
    const execute = executor.execute.bind(executor);
    executor.execute = async (src) => {
      const run: CellRun = { n: ++n, source: src, status: "running", declares: declaredNames(src) };
      current = run;
      log.push(run);
      if (log.length > MAX_RUNS) log.splice(0, log.length - MAX_RUNS);
      try {
        const ok = await execute(src);
        if (run.status === "running") run.status = ok ? "ok" : "runtime-error";
        return ok;
      } catch (e) {
        run.status = "runtime-error";
        throw e;
      } finally {
        if (current === run) current = undefined;
      }
    };
    return executor;
  };
  return true;
}
