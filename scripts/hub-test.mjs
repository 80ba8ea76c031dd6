// `npm run test:hub`: start a real hub (scripts/hub.mjs) on a free loopback port with 3 learners,
// drive it through JupyterHub's HTTP API as learners do (scripts/hub_test.py: log in, start
// servers, run a cell of 00_welcome in each learner's SeekLab kernel, check learner2 cannot read
// learner1's files), then stop it the way Ctrl-C does and check that nothing it started is left.
// Needs root and JupyterHub (`.ci/run` installs Debian's `jupyterhub`).
//   --users N        learners (default 3)
//   --load LESSON    also time every learner running LESSON's code cells at once and report memory
// Prints "hub: N passed, N failed" last.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PYTHON, ROOT, runStatus, say } from "./common.mjs";
import { parseHubArgs, privatePathFor, startHub } from "./hub.mjs";

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export async function hubTest({ users = 3, load } = {}) {
  // The hub uses port, port+1 (proxy API) and port+81 (hub API): look for a free run of them.
  let port = 0;
  for (let i = 0; i < 20 && !port; i++) {
    const p = Math.min(await freePort(), 64000);
    if ((await portFree(p)) && (await portFree(p + 1)) && (await portFree(p + 81))) port = p;
  }
  const env = { ...process.env, SEEKLAB_HUB_PASSWORD: process.env.SEEKLAB_HUB_PASSWORD ?? `test-${Math.random().toString(36).slice(2)}` };
  const opts = parseHubArgs(["--users", String(users), "--port", String(port), "--state", join(ROOT, "build", "hub-test")], env);
  process.env.SEEKLAB_HUB_PASSWORD = env.SEEKLAB_HUB_PASSWORD;
  const log = [];
  const hub = await startHub(opts, { log: (l) => log.push(l) });
  let code = 1;
  let stopped;
  try {
    say(`hub for the test: ${hub.url} (${opts.learners.join(", ")})`);
    const args = [join("scripts", "hub_test.py"), "--url", hub.url, "--users", opts.learners.join(","), "--root", ROOT];
    if (load) args.push("--load", load);
    code = await runStatus(PYTHON, args, { env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  } finally {
    const t0 = performance.now();
    stopped = await hub.stop();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const leftovers = opts.learners.filter((u) => spawnSync("pgrep", ["-u", u]).status === 0);
    const ok = stopped.left.length === 0 && leftovers.length === 0 && (await portFree(port)) && (await portFree(port + 1));
    console.log(`${ok ? "✓" : "✗"} the hub stopped as on Ctrl-C in ${secs} s: hub, proxy and every learner server gone${stopped.left.length ? ` (had to kill ${stopped.left.join(", ")})` : ""}`);
    if (!ok) code = 1;
  }
  if (code !== 0) console.log(`hub log (last 40 lines):\n${log.slice(-40).join("\n")}`);
  return code;
}

/**
 * What other users cannot read in `root`: by the modes, then by trying as `nobody` (a mount can
 * refuse other users whatever the modes say). Undefined when they can read it.
 */
function unreadableByOthers(root) {
  const hidden = privatePathFor(root);
  if (hidden) return hidden;
  const probe = spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", join(root, "package.json")]);
  return probe.status === 0 ? undefined : `${root} (as user nobody)`;
}

/**
 * Learners are other Unix users: they must read the checkout's node_modules, lib and hub-venv. A
 * clone under a private folder (CI's may be in a 0700 temporary folder, or under /root), or one
 * made under umask 077 (0600 files), cannot serve them, so the test copies the working tree
 * (tracked and untracked-not-ignored files, as git lists them) to a folder under /var/tmp, makes
 * it readable by all, sets it up there (umask 022), runs there and removes it.
 */
async function relocated(args, hidden) {
  const dest = mkdtempSync("/var/tmp/seeklab-hub-test-");
  chmodSync(dest, 0o755);
  say(`learners cannot read ${hidden}: running the hub test from a copy of the working tree in ${dest}`);
  try {
    const copy = spawnSync("bash", ["-c", `git ls-files -coz --exclude-standard | tar --null -T - -cf - | tar -xf - -C '${dest}'`], { cwd: ROOT, stdio: "inherit" });
    if (copy.status !== 0) throw new Error(`could not copy the working tree to ${dest}`);
    if (spawnSync("chmod", ["-R", "go+rX,go-w", dest], { stdio: "inherit" }).status !== 0) throw new Error(`could not make ${dest} readable by learners`);
    const env = { ...process.env, SEEKLAB_HUB_RELOCATED: "1" };
    if (spawnSync("npm", ["run", "setup"], { cwd: dest, stdio: "inherit", env }).status !== 0) throw new Error(`set-up failed in ${dest}`);
    return spawnSync(process.execPath, [join("scripts", "hub-test.mjs"), ...args], { cwd: dest, stdio: "inherit", env }).status ?? 1;
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const at = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  // Everything made from here on (the copy's set-up, build/hub-venv) is for learners to read.
  process.umask(0o022);
  const hidden = process.env.SEEKLAB_HUB_RELOCATED ? undefined : unreadableByOthers(ROOT);
  const run = hidden ? relocated(args, hidden) : hubTest({ users: Number(at("--users") ?? 3), load: at("--load") });
  run.then((code) => process.exit(code), (e) => {
    console.log(`[seeklab] hub test could not run: ${e.message}`);
    console.log("hub: 0 passed, 1 failed");
    process.exit(1);
  });
}
