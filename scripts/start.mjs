// `npm start`: set up whatever is missing, keep `tsc --watch` rebuilding the library, and start
// JupyterLab on notebooks/ with the SeekLab kernel. `npm start -- --no-browser` (or
// SEEKLAB_NO_BROWSER=1) for headless machines; `--port N` to choose the port. Ctrl-C stops
// everything it started.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT, VENV_BIN, bin, say } from "./common.mjs";
import { setup } from "./setup.mjs";

const args = process.argv.slice(2);
const noBrowser = args.includes("--no-browser") || process.env.SEEKLAB_NO_BROWSER === "1" || process.env.CI === "true";
const portArg = args.indexOf("--port");
const port = portArg >= 0 ? args[portArg + 1] : process.env.SEEKLAB_PORT;

await setup();

const children = [];
function start(name, cmd, argv, opts = {}) {
  // Own process group: Ctrl-C reaches only this script, which then stops each child cleanly
  // (JupyterLab would otherwise stop to ask "Shutdown this Jupyter server (y/[n])?").
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: "inherit", detached: process.platform !== "win32", ...opts });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the rest`);
      stop(code ?? 1);
    }
  });
  children.push({ name, child });
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say("stopping JupyterLab and the library watcher …");
  for (const { child } of children) {
    try {
      if (process.platform !== "win32") process.kill(-child.pid, "SIGTERM");
      else child.kill();
    } catch {
      /* already gone */
    }
  }
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

say("watching lib/ (tsc --watch): edits reach a notebook after Kernel → Restart");
start("tsc --watch", bin("tsc"), ["-p", join("lib", "tsconfig.json"), "--watch", "--preserveWatchOutput"], {
  stdio: ["ignore", "ignore", "inherit"],
});

// LabApp.default_url, not ServerApp.default_url: JupyterLab replaces the server's with its own.
const labArgs = ["lab", `--notebook-dir=${join(ROOT, "notebooks")}`, "--LabApp.default_url=/lab/tree/00_welcome.ipynb"];
// SeekLab's own JupyterLab layouts (open tabs), kept apart from other projects' in ~/.jupyter: a
// layout restored from elsewhere would open on top of 00_welcome.
labArgs.push(`--LabApp.workspaces_dir=${process.env.SEEKLAB_WORKSPACES_DIR ?? join(ROOT, "build", "workspaces")}`);
if (noBrowser) labArgs.push("--no-browser");
if (process.getuid?.() === 0) labArgs.push("--allow-root"); // containers and CI machines run as root
if (port) labArgs.push(`--port=${port}`);
// For scripts/lab-check.mjs: window.jupyterapp lets a headless browser run "Run All" and "Save".
if (args.includes("--expose-app")) labArgs.push("--LabApp.expose_app_in_browser=True");
say(`starting JupyterLab${noBrowser ? " (no browser)" : ""}: open the URL it prints below`);
const lab = start("JupyterLab", join(VENV_BIN, "jupyter"), labArgs, { stdio: ["ignore", "inherit", "pipe"] });
// JupyterLab logs on stderr, and so do the kernels it starts. Two kinds of line are hidden:
// - tslab's "unknown msg_type: history_request": JupyterLab asks each new kernel for its input
//   history, tslab does not implement that optional request, answers nothing and warns;
// - a minified bundle dumped as one enormous line when JupyterLab's yarn-configuration probe
//   fails under some Node versions.
const NOISE = /^unknown msg_type: history_request$/;
let hiddenNoted = false;
createInterface({ input: lab.stderr }).on("line", (line) => {
  if (NOISE.test(line)) return;
  if (line.length <= 2000) process.stderr.write(`${line}\n`);
  else if (!hiddenNoted) {
    hiddenNoted = true;
    process.stderr.write("[seeklab] (hid a very long line from JupyterLab's yarn-configuration probe; it is harmless)\n");
  }
});
