# JupyterHub for a workshop room: started by `npm run hub` (scripts/hub.mjs), which reads the
# command line, prepares the learners' Unix users and home folders, and passes everything here
# through SEEKLAB_HUB_* environment variables. Works with JupyterHub 3.0 (Debian's `jupyterhub`
# package) and later.
#
# Who: learner1 … learnerN and an admin, `facilitator`, each a Unix user with their own home
# (mode 700) holding their own copy of the lessons (~/seeklab/notebooks), so no learner can read
# or break another's work.
# What they get: JupyterLab 4 from build/hub-venv (made by scripts/hub.mjs with the hub's Python,
# seeing JupyterHub's single-user module) with the SeekLab kernel; the library is built once in
# the repository and shared read-only.
import hmac
import os

from jupyterhub.auth import Authenticator
from traitlets import Unicode

env = os.environ.get
ROOT = env("SEEKLAB_ROOT")
VENV = env("SEEKLAB_HUB_VENV")
STATE = env("SEEKLAB_HUB_STATE")  # build/hub: the hub's database, cookie secret, proxy token
USERS = env("SEEKLAB_HUB_USERS", "").split(",")
ADMIN = env("SEEKLAB_HUB_ADMIN", "facilitator")
IDLE = int(env("SEEKLAB_HUB_IDLE_TIMEOUT", "3600"))


class WorkshopPasswordAuthenticator(Authenticator):
    """Everyone in the allowed list logs in with the workshop password; the admin with their own.
    (JupyterHub 5 ships SharedPasswordAuthenticator for this; Debian's 3.0 does not.)"""

    learner_password = Unicode(config=True)
    admin_password = Unicode(config=True)

    async def authenticate(self, handler, data):
        name = (data or {}).get("username", "")
        given = ((data or {}).get("password") or "").encode()
        want = (self.admin_password if name in self.admin_users else self.learner_password).encode()
        if want and hmac.compare_digest(given, want):
            return name  # the allowed list is checked by JupyterHub afterwards
        return None


c = get_config()  # noqa: F821 (defined by JupyterHub when it reads this file)
c.JupyterHub.ip = env("SEEKLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(env("SEEKLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("SEEKLAB_HUB_API_PORT", "8081"))
if env("SEEKLAB_HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = env("SEEKLAB_HUB_SSL_CERT")
    c.JupyterHub.ssl_key = env("SEEKLAB_HUB_SSL_KEY")
c.JupyterHub.db_url = f"sqlite:///{os.path.join(STATE, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")
# Ctrl-C stops every learner server and the proxy the hub started (both are JupyterHub's defaults;
# stated here because the workshop relies on them).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Debian's own configurable-http-proxy does not start under current Node; the npm package does.
c.ConfigurableHTTPProxy.command = [os.path.join(ROOT, "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('SEEKLAB_HUB_PROXY_API_PORT', '8001'))}"

c.JupyterHub.authenticator_class = WorkshopPasswordAuthenticator
c.WorkshopPasswordAuthenticator.learner_password = env("SEEKLAB_HUB_PASSWORD", "")
c.WorkshopPasswordAuthenticator.admin_password = env("SEEKLAB_HUB_ADMIN_PASSWORD", "")
c.Authenticator.allowed_users = set(USERS) | {ADMIN}
c.Authenticator.admin_users = {ADMIN}

# Learner servers: JupyterLab from the repository's .venv, as each learner's own Unix user.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(VENV, "bin", "python"), "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~/seeklab/notebooks"
c.Spawner.default_url = "/lab/tree/00_welcome.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "JUPYTERHUB_SINGLEUSER_APP": "jupyter_server.serverapp.ServerApp",
    # The kernel spec lives in the environment (never installed globally), which finds it itself.
    "SEEKLAB_BACKEND": env("SEEKLAB_BACKEND", ""),
    "PATH": os.pathsep.join([os.path.join(VENV, "bin"), os.path.dirname(env("SEEKLAB_NODE", "/usr/bin/node")), "/usr/local/bin", "/usr/bin", "/bin"]),
}
if not env("SEEKLAB_BACKEND"):
    del c.Spawner.environment["SEEKLAB_BACKEND"]
# Idle culling with Jupyter Server's own timers (jupyterhub-idle-culler is not installable here):
# a kernel idle for IDLE seconds is shut down, and a server with no kernels, terminals or requests
# for IDLE seconds stops itself; JupyterHub then shows the learner "Start my server" again.
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={IDLE}",
    f"--MappingKernelManager.cull_interval={max(10, min(300, IDLE // 4))}",
    "--MappingKernelManager.cull_connected=True",
    f"--ServerApp.shutdown_no_activity_timeout={IDLE}",
]
