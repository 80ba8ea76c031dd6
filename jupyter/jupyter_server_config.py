# SeekLab's Jupyter server settings. scripts/setup.mjs copies this file into
# .venv/etc/jupyter/, so every Jupyter server started from .venv (npm start, the hub's learner
# servers, a plain `.venv/bin/jupyter lab`) reads it.
#
# Charts: JupyterLab's plotly renderer (from the `plotly` Python package) stores a PNG snapshot of
# every chart it draws next to the chart's data, 30-300 KB each. The chart's data is all a reopened
# notebook needs, so the snapshot is dropped on save: a lesson saved after Run All stays small and a
# learner's `git diff` stays readable. (A contents manager rather than `pre_save_hook`: Jupyter
# applies this file twice, and a hook set twice prints a warning on every start.)
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def drop_chart_snapshots(model):
    """Remove image/png from outputs that also carry plotly's JSON (in place)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data")
            if isinstance(data, dict) and PLOTLY_MIME in data:
                data.pop("image/png", None)


class SeekLabContentsManager(AsyncLargeFileManager):
    """Jupyter's default contents manager, saving notebooks without chart snapshots."""

    async def save(self, model, path=""):
        drop_chart_snapshots(model)
        return await super().save(model, path)


c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.ServerApp.contents_manager_class = SeekLabContentsManager
