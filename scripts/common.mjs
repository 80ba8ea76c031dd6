// Shared by the set-up, start, test and notebook scripts. Plain Node with no dependencies: it runs
// before node_modules exists.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const VENV = join(ROOT, ".venv");
export const VENV_BIN = join(VENV, process.platform === "win32" ? "Scripts" : "bin");
export const PYTHON = join(VENV_BIN, process.platform === "win32" ? "python.exe" : "python");
export const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
export const KERNEL_NAME = "seeklab";
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

export function bin(name) {
  return join(ROOT, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);
}

export function say(msg) {
  console.log(`[seeklab] ${msg}`);
}

/** Run `fn` as a named step and report how long it took. */
export async function step(what, fn) {
  const t0 = performance.now();
  say(`${what} …`);
  const result = await fn();
  const note = typeof result === "string" ? ` (${result})` : "";
  say(`${what}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s${note}`);
  return result;
}

/** Run a command to completion, streaming its output; throws on a non-zero exit. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", ...opts });
    child.on("error", (e) => reject(new Error(`could not start ${cmd}: ${e.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${[cmd, ...args].join(" ")} exited with ${signal ?? code}`));
    });
  });
}

/** Like `run` but resolves with the exit code instead of throwing. */
export function runStatus(cmd, args, opts = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", ...opts });
    child.on("error", (e) => {
      console.log(`could not start ${cmd}: ${e.message}`);
      resolvePromise(127);
    });
    child.on("exit", (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

export function hasCommand(cmd) {
  return spawnSync(process.platform === "win32" ? "where" : "which", [cmd], { stdio: "ignore" }).status === 0;
}

export function findPython() {
  for (const p of ["python3", "python"]) if (hasCommand(p)) return p;
  return undefined;
}

/** Where Chromium is, or undefined. SEEKLAB_CHROMIUM overrides. */
export function findChromium() {
  const candidates = [process.env.SEEKLAB_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p) => p && existsSync(p));
}
