// `npm run hub`: JupyterHub for a workshop room, on this machine.
//   SEEKLAB_HUB_PASSWORD=… npm run hub -- [--users 3] [--port 8000] [--ip 127.0.0.1]
//        [--ssl-cert FILE --ssl-key FILE | --insecure] [--idle-timeout 3600]
// Learners learner1 … learnerN log in with the workshop password; the admin `facilitator` with
// SEEKLAB_HUB_ADMIN_PASSWORD (made up and printed when unset). Each is a Unix user with a private
// home holding their own copy of the lessons. Needs root (it creates those users and JupyterHub
// starts servers as them) and JupyterHub (Debian: `apt-get install jupyterhub`). SEEKLAB_BACKEND,
// when set, is passed to every learner server. Ctrl-C stops the hub, the proxy and every learner
// server. The settings themselves are in hub/jupyterhub_config.py.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { ROOT, hasCommand, say } from "./common.mjs";
import { jupyterConfig, kernelSpec, pythonEnv, setup } from "./setup.mjs";

export const ADMIN = "facilitator";
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

export function parseHubArgs(argv, env = process.env) {
  const opts = { users: 3, port: 8000, ip: "127.0.0.1", sslCert: "", sslKey: "", insecure: false, idleTimeout: 3600, state: join(ROOT, "build", "hub") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`npm run hub: ${a} needs a value`);
      return v;
    };
    if (a === "--users") opts.users = Number(value());
    else if (a === "--port") opts.port = Number(value());
    else if (a === "--ip") opts.ip = value();
    else if (a === "--ssl-cert") opts.sslCert = value();
    else if (a === "--ssl-key") opts.sslKey = value();
    else if (a === "--idle-timeout") opts.idleTimeout = Number(value());
    else if (a === "--state") opts.state = value();
    else if (a === "--insecure") opts.insecure = true;
    else throw new Error(`npm run hub: unknown option ${a} (see the top of scripts/hub.mjs)`);
  }
  if (!Number.isInteger(opts.users) || opts.users < 1 || opts.users > 200) throw new Error(`npm run hub: --users must be a whole number from 1 to 200; got ${opts.users}`);
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65000) throw new Error(`npm run hub: --port must be a port number; got ${opts.port}`);
  if (!Number.isFinite(opts.idleTimeout) || opts.idleTimeout < 60) throw new Error(`npm run hub: --idle-timeout must be at least 60 seconds; got ${opts.idleTimeout}`);
  if (!env.SEEKLAB_HUB_PASSWORD) {
    throw new Error("npm run hub: set the workshop password first, e.g. SEEKLAB_HUB_PASSWORD='…' npm run hub (learners log in with it)");
  }
  if (env.SEEKLAB_HUB_PASSWORD.length < 8) throw new Error("npm run hub: SEEKLAB_HUB_PASSWORD must be at least 8 characters");
  if (Boolean(opts.sslCert) !== Boolean(opts.sslKey)) throw new Error("npm run hub: --ssl-cert and --ssl-key go together");
  if (!LOOPBACK.test(opts.ip) && !opts.sslCert && !opts.insecure) {
    throw new Error(
      `npm run hub: --ip ${opts.ip} lets other machines connect, and passwords would cross the network in clear text. ` +
        "Give --ssl-cert FILE --ssl-key FILE, or --insecure if the network is trusted.",
    );
  }
  opts.learners = Array.from({ length: opts.users }, (_, i) => `learner${i + 1}`);
  return opts;
}

function sh(cmd, args) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function userExists(name) {
  return spawnSync("id", ["-u", name], { stdio: "ignore" }).status === 0;
}

function homeOf(name) {
  return sh("getent", ["passwd", name]).split(":")[5];
}

/** A Unix user with a private home and their own copy of the lessons (kept across restarts). */
function prepareUser(name) {
  if (!userExists(name)) {
    sh("useradd", ["--create-home", "--user-group", "--shell", "/usr/sbin/nologin", name]);
    say(`created Unix user ${name}`);
  }
  const home = homeOf(name);
  chmodSync(home, 0o700);
  const dir = join(home, "seeklab");
  const lessons = join(dir, "notebooks");
  // Lessons the learner does not have yet (all of them the first time; a lesson added since the last
  // workshop later) are copied; their own copies, with their work, are never overwritten.
  mkdirSync(lessons, { recursive: true });
  for (const f of readdirSync(join(ROOT, "notebooks"))) {
    const wanted = f.endsWith(".ipynb") || f.endsWith(".md") || f === "figures";
    if (wanted && !existsSync(join(lessons, f))) cpSync(join(ROOT, "notebooks", f), join(lessons, f), { recursive: true });
  }
  // Shared, read-only for learners: the library (built once), its packages and the datasets, at
  // the same relative places as in the repository so lessons' imports and links resolve.
  // A link left by an earlier hub from another checkout (the test's copy in /var/tmp is new each
  // time) is pointed at this one.
  for (const shared of ["node_modules", "lib", "datasets"]) {
    const link = join(dir, shared);
    const target = join(ROOT, shared);
    if (isLink(link) && readlinkSync(link) !== target) unlinkSync(link);
    if (!existsSync(link) && !isLink(link)) symlinkSync(target, link);
  }
  sh("chown", ["-R", "-h", `${name}:${name}`, dir]);
  return home;
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The learner servers' Python environment, build/hub-venv: made with the hub's own Python (which
 * every user can execute; .venv's may live under a private folder such as pyenv's ~/.pyenv) and
 * `--system-site-packages`, so JupyterHub's single-user module comes from the hub's installation,
 * plus requirements.txt (JupyterLab 4, plotly) and the SeekLab kernel spec, as in .venv.
 */
async function learnerEnv(hubPython) {
  const venv = join(ROOT, "build", "hub-venv");
  await pythonEnv(venv, { base: hubPython, venvArgs: ["--system-site-packages"] });
  await kernelSpec(venv);
  jupyterConfig(venv);
  const python = join(venv, "bin", "python");
  const r = spawnSync(python, ["-c", "import jupyterhub.singleuser, jupyterlab"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`JupyterHub's single-user module does not import in ${venv}:\n${r.stderr.trim().split("\n").slice(-3).join("\n")}`);
  return venv;
}

function findJupyterhub() {
  const given = process.env.SEEKLAB_JUPYTERHUB;
  if (given) return given;
  if (hasCommand("jupyterhub")) return "jupyterhub";
  throw new Error("JupyterHub is not installed: on Debian/Ubuntu `sudo apt-get install jupyterhub` (or pip install jupyterhub where your index has it)");
}

function hubPythonOf(jupyterhub) {
  const path = execFileSync("sh", ["-c", `command -v ${jupyterhub}`], { encoding: "utf8" }).trim();
  const shebang = execFileSync("head", ["-n1", path], { encoding: "utf8" }).trim();
  return shebang.startsWith("#!") ? shebang.slice(2).trim().split(/\s+/)[0] : "python3";
}

/** What learners use from the checkout (through the links in their homes and the kernel spec). */
const LEARNERS_READ = ["package.json", "node_modules", "lib", "datasets", "notebooks", "scripts", "hub", "jupyter", join("build", "hub-venv")];

/**
 * The first path under `root` (or folder above it) that learners need but other users cannot
 * read, or undefined when there is none. Modes, not only folders: a checkout made under umask 077
 * has 0600 files in world-readable folders.
 */
export function privatePathFor(root) {
  const venv = join(root, "build", "hub-venv");
  for (let dir = existsSync(venv) ? venv : root; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dirname(dir) === dir) break;
  }
  const needed = LEARNERS_READ.filter((p) => existsSync(join(root, p)));
  const r = spawnSync("find", [...needed, "(", "-type", "d", "!", "-perm", "-o+rx", ")", "-o", "(", "-type", "f", "!", "-perm", "-o+r", ")", "-print", "-quit"], {
    cwd: root,
    encoding: "utf8",
  });
  const first = r.stdout.trim();
  return first ? join(root, first) : undefined;
}

/** Start the hub; resolves with { child, stop(), url } once the hub answers. */
export async function startHub(opts, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (process.getuid?.() !== 0) {
    throw new Error("npm run hub must run as root: it creates one Unix user per learner and JupyterHub starts each learner's server as that user");
  }
  const jupyterhub = findJupyterhub();
  // Whatever the caller's umask, what the hub creates for learners (build/hub-venv, their copies)
  // must be readable by them.
  process.umask(0o022);
  await setup();
  // The state folder is private, but not the folders above it: with `recursive`, mkdir gives every
  // folder it creates the same mode, and a fresh clone's build/ made 0700 here locked the learners
  // out of build/hub-venv.
  mkdirSync(dirname(opts.state), { recursive: true });
  mkdirSync(opts.state, { recursive: true, mode: 0o700 });
  const venv = await learnerEnv(hubPythonOf(jupyterhub));
  for (const name of [...opts.learners, ADMIN]) prepareUser(name);
  // Every learner runs the shared library and kernel as their own user: check they can.
  const hidden = privatePathFor(ROOT);
  const probe = spawnSync("runuser", ["-u", opts.learners[0], "--", "test", "-r", join(ROOT, "node_modules", "tslab", "bin", "tslab")]);
  if (hidden || probe.status !== 0) {
    throw new Error(
      `learners cannot read ${hidden ?? ROOT}${hidden === ROOT || !hidden ? "" : ` (in ${ROOT})`}: put the repository where other users can read it, ` +
        "e.g. /opt/seeklab, with files readable by all (`chmod -R go+rX` it, or clone it under umask 022)",
    );
  }
  const adminPassword = process.env.SEEKLAB_HUB_ADMIN_PASSWORD || randomBytes(9).toString("base64url");
  const env = {
    ...process.env,
    SEEKLAB_ROOT: ROOT,
    SEEKLAB_HUB_VENV: venv,
    SEEKLAB_HUB_STATE: opts.state,
    SEEKLAB_HUB_USERS: opts.learners.join(","),
    SEEKLAB_HUB_ADMIN: ADMIN,
    SEEKLAB_HUB_ADMIN_PASSWORD: adminPassword,
    SEEKLAB_HUB_IP: opts.ip,
    SEEKLAB_HUB_PORT: String(opts.port),
    SEEKLAB_HUB_API_PORT: String(opts.port + 81),
    SEEKLAB_HUB_PROXY_API_PORT: String(opts.port + 1),
    SEEKLAB_HUB_IDLE_TIMEOUT: String(opts.idleTimeout),
    SEEKLAB_HUB_SSL_CERT: opts.sslCert,
    SEEKLAB_HUB_SSL_KEY: opts.sslKey,
    SEEKLAB_NODE: process.execPath,
  };
  const child = spawn(jupyterhub, ["-f", join(ROOT, "hub", "jupyterhub_config.py")], { cwd: opts.state, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  // tslab warns about a request it does not implement every time a notebook opens; nothing to act on.
  const noise = /unknown msg_type: history_request/;
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (l) => noise.test(l) || log(l));
  const scheme = opts.sslCert ? "https" : "http";
  const host = opts.ip.includes(":") ? `[${opts.ip}]` : opts.ip;
  const url = `${scheme}://${host === "0.0.0.0" ? "127.0.0.1" : host}:${opts.port}`;
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 500))]);
    if (early !== undefined) throw new Error(`JupyterHub exited during start-up (${early}); its log is above`);
    try {
      const r = await fetch(`${url}/hub/api`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error("JupyterHub did not answer within 90 s");
  }
  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      // SIGTERM to the hub alone: it stops every learner server and its proxy itself.
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 30_000))]);
      if (code === "timeout") {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      // Backstop: anything still running as a workshop user was started by this hub. Kernels can
      // outlive their server by a few seconds while it shuts down; give them 15 s.
      const running = () => [...opts.learners, ADMIN].some((name) => spawnSync("pgrep", ["-u", name]).status === 0);
      for (let waited = 0; waited < 15_000 && running(); waited += 500) await new Promise((r) => setTimeout(r, 500));
      const left = [];
      for (const name of [...opts.learners, ADMIN]) {
        const r = spawnSync("pgrep", ["-u", name], { encoding: "utf8" });
        for (const pid of r.stdout.split("\n").filter(Boolean)) {
          left.push(`${name}:${pid}`);
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {
            /* gone */
          }
        }
      }
      return { left };
    })());
  return { child, stop, url, adminPassword, exited };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  let hub;
  try {
    const opts = parseHubArgs(process.argv.slice(2));
    hub = await startHub(opts);
    say(`JupyterHub is up: ${hub.url}`);
    say(`learners: ${opts.learners.join(", ")} — password: the workshop password (SEEKLAB_HUB_PASSWORD)`);
    say(`admin: ${ADMIN} — password: ${process.env.SEEKLAB_HUB_ADMIN_PASSWORD ? "SEEKLAB_HUB_ADMIN_PASSWORD" : hub.adminPassword} (admin panel: ${hub.url}/hub/admin)`);
    say(`idle servers stop after ${opts.idleTimeout} s; Ctrl-C stops the hub, the proxy and every learner server`);
    let stopping;
    const onSignal = () =>
      (stopping ??= (async () => {
        say("stopping JupyterHub, its proxy and every learner server …");
        const { left } = await hub.stop();
        if (left.length) say(`killed leftover processes: ${left.join(", ")}`);
        say("stopped");
        process.exit(0);
      })());
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const code = await hub.exited;
    if (stopping) await stopping;
    say(`JupyterHub exited by itself (${code})`);
    process.exit(typeof code === "number" ? code : 1);
  } catch (e) {
    console.log(`[seeklab] ${e.message}`);
    if (hub) await hub.stop();
    process.exit(1);
  }
}
