"""Drive a running SeekLab hub the way learners do, through JupyterHub's HTTP API only.

Called by scripts/hub-test.mjs (which starts and stops the hub) with .venv's Python:
    hub_test.py --url http://127.0.0.1:PORT --users learner1,learner2,learner3 [--load notebooks/01_….ipynb]

For each learner: log in with the workshop password (POST /hub/api/users/NAME/tokens with
{"auth": {username, password}}), start their server, open a SeekLab kernel on it and execute a cell of
00_welcome through the kernel's websocket. Then the isolation checks: learner2's token is refused by
learner1's server, and code in learner2's kernel cannot list or read learner1's home. With --load,
every learner's kernel runs all code cells of that lesson at once and the script reports the time
and the memory of each learner's processes. Prints one line per check and "hub: N passed, N failed".
"""
import argparse
import json
import os
import sys
import threading
import time
import uuid

import requests
import websocket

PASSWORD = os.environ.get("SEEKLAB_HUB_PASSWORD", "")
results = []


def check(ok, what):
    results.append(bool(ok))
    print(f"{'✓' if ok else '✗'} {what}", flush=True)
    return ok


def login(hub, name, password):
    r = requests.post(f"{hub}/hub/api/users/{name}/tokens", json={"auth": {"username": name, "password": password}, "note": "hub test"}, timeout=30)
    return r.json()["token"] if r.status_code in (200, 201) else None


def start_server(hub, name, token, timeout=180):
    h = {"Authorization": f"token {token}"}
    r = requests.post(f"{hub}/hub/api/users/{name}/server", headers=h, timeout=timeout)
    if r.status_code not in (201, 202, 400):  # 400: already running
        raise RuntimeError(f"starting {name}'s server: HTTP {r.status_code} {r.text[:200]}")
    deadline = time.time() + timeout
    while time.time() < deadline:
        u = requests.get(f"{hub}/hub/api/users/{name}", headers=h, timeout=30).json()
        server = u.get("servers", {}).get("", {})
        if server.get("ready"):
            return server["url"]
        time.sleep(1)
    raise RuntimeError(f"{name}'s server was not ready within {timeout} s")


class Kernel:
    """A kernel on a learner's server, driven over the Jupyter websocket protocol (JSON messages)."""

    def __init__(self, hub, server_url, token, path="00_welcome.ipynb"):
        self.base = f"{hub}{server_url.rstrip('/')}"
        self.h = {"Authorization": f"token {token}"}
        # A session for the lesson, as JupyterLab opens one: the kernel starts in the lesson's folder.
        r = requests.post(f"{self.base}/api/sessions", headers=self.h, timeout=60,
                          json={"path": path, "type": "notebook", "name": path, "kernel": {"name": "seeklab"}})
        r.raise_for_status()
        self.session_id = r.json()["id"]
        self.id = r.json()["kernel"]["id"]
        self.ws_url = self.base.replace("http", "ws", 1) + f"/api/kernels/{self.id}/channels"
        self.token = token
        self.session = uuid.uuid4().hex

    def execute(self, code, timeout=600):
        # A connection per request: an idle one is closed by the server once its pings go unanswered.
        ws = websocket.create_connection(self.ws_url, header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            return self._execute(ws, code, timeout)
        finally:
            ws.close()

    def _execute(self, ws, code, timeout):
        msg_id = uuid.uuid4().hex
        msg = {"header": {"msg_id": msg_id, "username": "hub-test", "session": self.session, "msg_type": "execute_request", "version": "5.3"},
               "parent_header": {}, "metadata": {}, "channel": "shell",
               "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}}
        ws.send(json.dumps(msg))
        out, status, idle = [], None, False
        deadline = time.time() + timeout
        while time.time() < deadline and not (status and idle):
            m = json.loads(ws.recv())
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            t = m["header"]["msg_type"]
            if t == "stream":
                out.append(m["content"]["text"])
            elif t in ("display_data", "execute_result"):
                out.append(m["content"]["data"].get("text/plain", ""))
            elif t == "execute_reply":
                status = m["content"]["status"]
            elif t == "status" and m["content"]["execution_state"] == "idle":
                idle = True
        return status, "".join(out)

    def close(self):
        try:
            requests.delete(f"{self.base}/api/sessions/{self.session_id}", headers=self.h, timeout=30)
        except Exception:
            pass


def code_cells(path):
    nb = json.load(open(path))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"] if c["cell_type"] == "code"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--users", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--load", default=None, help="a lesson every learner runs at once (Run All), timed")
    args = ap.parse_args()
    hub, users = args.url.rstrip("/"), args.users.split(",")

    check(login(hub, users[0], PASSWORD + "x") is None, "a wrong password is refused")
    tokens = {u: login(hub, u, PASSWORD) for u in users}
    check(all(tokens.values()), f"{len(users)} learners logged in through the hub's API with the workshop password")
    check(login(hub, "facilitator", PASSWORD) is None, "the workshop password does not log in the admin")
    t0 = time.time()
    urls = {u: start_server(hub, u, tokens[u]) for u in users}
    check(len(urls) == len(users), f"{len(users)} learner servers started through the hub ({time.time() - t0:.0f} s)")

    # A cell of 00_welcome (its first code cell: the backend banner) in each learner's kernel.
    first = code_cells(os.path.join(args.root, "notebooks", "00_welcome.ipynb"))[0]
    kernels = {}
    for u in users:
        kernels[u] = Kernel(hub, urls[u], tokens[u])
        status, out = kernels[u].execute(first)
        check(status == "ok" and "backend" in out.lower(), f"{u}: 00_welcome's first cell ran in the SeekLab kernel: {out.strip().splitlines()[-1] if out.strip() else '(no output)'}")
    who = kernels[users[0]].execute('import { userInfo, homedir } from "node:os"; console.log(userInfo().username, homedir(), process.cwd());')[1].split()
    check(who[:1] == [users[0]] and who[2].endswith("/seeklab/notebooks"), f"{users[0]}'s kernel runs as {who[:1]} in their own copy of the lessons ({who[2] if len(who) > 2 else '?'})")
    backend = os.environ.get("SEEKLAB_BACKEND")
    if backend:
        out = kernels[users[0]].execute("console.log(process.env.SEEKLAB_BACKEND)")[1].strip()
        check(out == backend, f"SEEKLAB_BACKEND={backend} reaches the learner's kernel ({out!r})")

    if len(users) > 1:
        a, b = users[0], users[1]
        r = requests.get(f"{hub}{urls[a]}api/contents", headers={"Authorization": f"token {tokens[b]}"}, timeout=30)
        check(r.status_code in (403, 404), f"{b}'s token is refused by {a}'s server (HTTP {r.status_code})")
        home_a = who[1] if len(who) > 1 else f"/home/{a}"
        probe = (
            'import { readdirSync, readFileSync } from "node:fs";\n'
            f'const isolationTries = [() => readdirSync("{home_a}"), () => readFileSync("{home_a}/seeklab/notebooks/00_welcome.ipynb")];\n'
            'for (const f of isolationTries) { try { f(); console.log("READ"); } catch (e) { console.log((e as NodeJS.ErrnoException).code); } }'
        )
        out = kernels[b].execute(probe)[1].split()
        check(out == ["EACCES", "EACCES"], f"{b}'s kernel can neither list nor read {a}'s home: {out}")

    if args.load:
        # Each learner with one open lesson: close the 00_welcome kernels first.
        for k in kernels.values():
            k.close()
        kernels.clear()
        cells = code_cells(os.path.join(args.root, args.load))
        times, failures = {}, []

        def run_all(u):
            t = time.time()
            k = Kernel(hub, urls[u], tokens[u], path=os.path.basename(args.load))  # a fresh kernel, as "Restart and Run All"
            kernels[f"{u}-load"] = k
            for i, cell in enumerate(cells):
                status, out = k.execute(cell)
                if status != "ok":
                    failures.append(f"{u} cell {i}: {out.strip()[-200:]}")
                    break
            times[u] = time.time() - t

        threads = [threading.Thread(target=run_all, args=(u,)) for u in users]
        t0 = time.time()
        for th in threads:
            th.start()
        peak = {}
        while any(th.is_alive() for th in threads):
            for u in users:
                peak[u] = max(peak.get(u, 0), rss_of_user(u))
            time.sleep(1)
        wall = time.time() - t0
        check(not failures, f"{len(users)} learners ran {args.load} at once: wall {wall:.0f} s, per learner "
              + ", ".join(f"{u} {times.get(u, 0):.0f} s" for u in users) + (f"; failures: {failures}" if failures else ""))
        print("memory per learner (server + kernel, peak RSS): " + ", ".join(f"{u} {peak[u] / 1e6:.0f} MB" for u in users), flush=True)
        print(json.dumps({"load": args.load, "learners": len(users), "wall_s": round(wall, 1), "per_learner_s": {u: round(t, 1) for u, t in times.items()},
                          "peak_rss_mb": {u: round(peak[u] / 1e6) for u in users}}), flush=True)

    for k in kernels.values():
        k.close()
    passed = sum(results)
    print(f"hub: {passed} passed, {len(results) - passed} failed", flush=True)
    sys.exit(0 if passed == len(results) else 1)


def rss_of_user(user):
    """Resident memory of every process owned by `user` (their server and kernels), from /proc."""
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


if __name__ == "__main__":
    main()
