"""Render executed notebooks to HTML with nbconvert and SeekLab's template (scripts/nbconvert/seeklab).

Charts are `application/vnd.plotly.v1+json` outputs; the template draws each with plotly.js, which
goes on the page once: inlined (default: a self-contained page) or as one shared file
(`--plotly-src ../plotly.min.js`, what the course site does). Called by scripts/export-html.mjs
and scripts/site.py with .venv's Python.
"""
import argparse
import os
import sys

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Lessons show figures as ![..](figures/NAME.svg) (JupyterLab renders SVG files, not SVG attachments);
# the page embeds them as data URIs (embed_images), read from the lessons' folder.
LESSONS = os.path.join(os.path.dirname(HERE), "notebooks")


def make_exporter():
    # nbconvert's default priority does not know plotly's type; put it first so a chart is drawn,
    # not shown as its text fallback.
    priority = HTMLExporter().default_config.NbConvertBase.display_data_priority
    config = Config({"NbConvertBase": {"display_data_priority": [PLOTLY_MIME] + [m for m in priority if m != PLOTLY_MIME]},
                     "HTMLExporter": {"embed_images": True}})
    return HTMLExporter(config=config, extra_template_basedirs=[os.path.join(HERE, "nbconvert")], template_name="seeklab")


def has_charts(nb):
    return any(PLOTLY_MIME in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def plotly_js_path():
    """The plotly.js bundle from node_modules (the same file the library's saveHtml inlines)."""
    root = os.path.dirname(HERE)
    for rel in ("node_modules/plotly.js-dist-min/plotly.min.js", "lib/node_modules/plotly.js-dist-min/plotly.min.js"):
        p = os.path.join(root, rel)
        if os.path.exists(p):
            return p
    raise FileNotFoundError("plotly.js-dist-min is not installed: run npm install")


def export(nb_path, out_path, exporter=None, plotly_src=None, nav=None, css_href=None, title=None):
    nb = nbformat.read(nb_path, as_version=4)
    exporter = exporter or make_exporter()
    seeklab = {"nav": nav, "css_href": css_href}
    if has_charts(nb):
        if plotly_src:
            seeklab["plotly_src"] = plotly_src
        else:
            with open(plotly_js_path(), encoding="utf-8") as f:
                seeklab["plotly_inline"] = f.read()
    name = os.path.splitext(os.path.basename(nb_path))[0]
    path = os.path.dirname(os.path.abspath(nb_path))
    if not os.path.isdir(os.path.join(path, "figures")):  # an executed copy in build/: figures stay with the lessons
        path = LESSONS
    resources = {"metadata": {"name": title or name, "path": path}, "seeklab": seeklab}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(body)
    return out_path


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--output-dir", default="build/html")
    ap.add_argument("--plotly-src", default=None, help="URL of plotly.js for every page (default: inline it)")
    args = ap.parse_args()
    exporter = make_exporter()
    for path in args.notebooks:
        out = os.path.join(args.output_dir, os.path.splitext(os.path.basename(path))[0] + ".html")
        export(path, out, exporter, plotly_src=args.plotly_src)
        print(f"  {out} ({os.path.getsize(out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    sys.exit(main())
