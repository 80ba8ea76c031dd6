"""Build SeekLab's static course site from executed notebooks, with nbconvert.

Called by scripts/site.mjs with .venv's Python:  site.py --executed build/notebooks --out build/site

Every page is rendered by nbconvert's HTMLExporter with SeekLab's template (scripts/nbconvert/seeklab,
which extends JupyterLab's own "lab" template), so lessons, the exercises page, the facilitator guide
and the index look alike. Nothing about the lessons is hard-coded: titles, objectives and sizes are
read from the notebooks, "what you build" from the README's lesson table, at build time.

Layout mirrors the repository, so the links lessons already contain keep working:
    index.html                the lesson map
    notebooks/NN_name.html    one page per lesson (links to other lessons' .ipynb become .html)
    notebooks/figures/…       the figures lessons show
    lib/…/file.ts.html        a highlighted copy of every repository file a page links to
    exercises.html, figures.html, facilitator.html, api/ (when typedoc produced it)
    plotly.min.js             once for the whole site
"""
import argparse
import copy
import html
import json
import os
import re
import shutil
import sys
from urllib.parse import unquote, urlsplit

import nbformat
from bs4 import BeautifulSoup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_html import PLOTLY_MIME, make_exporter, plotly_js_path  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE_CSS = """
nav.seeklab-nav { position: sticky; top: 0; z-index: 10; background: #1f2a44; padding: 8px 16px;
  font-family: system-ui, sans-serif; font-size: 15px; }
nav.seeklab-nav a { color: #fff; margin-right: 18px; text-decoration: none; }
nav.seeklab-nav a:hover { text-decoration: underline; }
table.lesson-map { border-collapse: collapse; width: 100%; font-family: system-ui, sans-serif; }
table.lesson-map td, table.lesson-map th { border: 1px solid #ccd; padding: 6px 10px; vertical-align: top; text-align: left !important; }
table.lesson-map ol { padding-left: 1.4em; margin: 0; }
table.lesson-map th { background: #eef; }
.figure-grid img { max-width: 100%; border: 1px solid #ddd; margin: 8px 0 24px; }
pre.source { font-size: 13px; }
"""


# ---------------------------------------------------------------------------- reading the lessons

def markdown_text(cell):
    return cell.source if cell.cell_type == "markdown" else ""


def lesson_title(nb, fallback):
    for cell in nb.cells:
        m = re.search(r"^#\s+(.+)$", markdown_text(cell), re.M)
        if m:
            return m.group(1).strip()
    return fallback


def lesson_objectives(nb):
    """The first list (numbered or bulleted) in the first markdown cell; else its first table's
    second column; else its first paragraph after the title."""
    first = next((markdown_text(c) for c in nb.cells if c.cell_type == "markdown"), "")
    items = [m.group(1).strip() for m in re.finditer(r"^\s*(?:\d+[.)]|[-*])\s+(.+)$", first, re.M)]
    if items:
        return items
    rows = [r for r in first.splitlines() if r.strip().startswith("|") and not re.match(r"^\s*\|[\s|:-]+\|\s*$", r)]
    if len(rows) > 1:
        return [c.strip() for r in rows[1:] for c in [r.strip().strip("|").split("|")[1]] if c.strip()]
    paras = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip() and not p.strip().startswith("#")]
    return paras[:1]


def readme_builds():
    """README's lesson table: notebook stem -> the "What you build" cell."""
    path = os.path.join(ROOT, "README.md")
    out = {}
    if not os.path.exists(path):
        return out
    text = open(path, encoding="utf-8").read()
    header = None
    for line in text.splitlines():
        if not line.strip().startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if "what you build" not in header or "notebook" not in header:
            continue
        m = re.search(r"`?(\d\d[a-z]?_[A-Za-z0-9_]+)`?", cells[header.index("notebook")])
        if m:
            out[m.group(1)] = cells[header.index("what you build")]
    return out


def words(nb):
    return sum(len(markdown_text(c).split()) for c in nb.cells)


def estimate_minutes(nb, run_seconds):
    """Learner time: reading at ~120 words/min (technical prose), ~1 min per code cell to read and
    run, plus the measured execution time. A rough guide; the facilitator guide has measured times."""
    code = sum(1 for c in nb.cells if c.cell_type == "code")
    return round(words(nb) / 120 + code + run_seconds / 60)


def md_inline(text):
    """Just enough Markdown for a table cell: code spans, bold, links (as text)."""
    t = html.escape(text)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    t = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", t)
    t = re.sub(r"(?<![*\w])\*([^*]+)\*(?!\*)", r"<i>\1</i>", t)
    t = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", t)
    return t


# ---------------------------------------------------------------------------- rendering

def nav_html(prefix, has_api):
    links = [("index.html", "SeekLab lessons"), ("exercises.html", "Exercises"), ("figures.html", "Figures"),
             ("facilitator.html", "Facilitator guide")]
    if has_api:
        links.append(("api/index.html", "API reference"))
    return '<nav class="seeklab-nav">' + "".join(f'<a href="{prefix}{h}">{t}</a>' for h, t in links) + "</nav>"


def render(nb, out_path, exporter, title, prefix, has_api, plotly_used):
    name = os.path.splitext(os.path.basename(out_path))[0]
    seeklab = {"nav": nav_html(prefix, has_api), "css_href": prefix + "site.css", "mathjax_src": prefix + "mathjax/tex-svg.js"}
    if plotly_used:
        seeklab["plotly_src"] = prefix + "plotly.min.js"
    resources = {"metadata": {"name": title or name, "path": os.path.join(ROOT, "notebooks")}, "seeklab": seeklab}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(body)


def markdown_notebook(text):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    return nb


def has_charts(nb):
    return any(PLOTLY_MIME in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def exercise_cells(nb):
    """Sections whose heading mentions an exercise: the heading cell and every cell up to the next
    heading of the same or a higher level."""
    picked, level = [], None
    for cell in nb.cells:
        text = markdown_text(cell).lstrip()
        m = re.match(r"(#+)\s+(.*)", text.splitlines()[0]) if text else None
        if m:
            if level is not None and len(m.group(1)) <= level:
                level = None
            if level is None and re.search(r"exercise|try it yourself|your turn", m.group(2), re.I):
                level = len(m.group(1))
        if level is not None:
            picked.append(cell)
    return picked


# ---------------------------------------------------------------------------- links

def source_page(rel, out_dir):
    """A highlighted HTML copy of repository file `rel` at out_dir/rel + '.html'."""
    src = os.path.join(ROOT, rel)
    dest = os.path.join(out_dir, rel + ".html")
    if os.path.exists(dest):
        return
    text = open(src, encoding="utf-8", errors="replace").read()
    try:
        lexer = get_lexer_for_filename(src)
    except ClassNotFound:
        from pygments.lexers.special import TextLexer
        lexer = TextLexer()
    depth = rel.count("/")
    css = "../" * depth + "site.css"
    if src.endswith(".md"):  # prose (the glossary, READMEs): rendered, not highlighted
        from nbconvert.filters.markdown_mistune import markdown2html_mistune
        code = f'<div style="font-family:system-ui;max-width:60em;margin:1em 2em">{markdown2html_mistune(text)}</div>'
    else:
        code = highlight(text, lexer, HtmlFormatter(cssclass="source", linenos="table"))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        f.write(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(rel)}</title>"
                f"<link rel=\"stylesheet\" href=\"{css}\"><style>{HtmlFormatter().get_style_defs('.source')}</style></head>"
                f"<body>{nav_html('../' * depth, False)}<h1 style=\"font-family:system-ui\">{html.escape(rel)}</h1>{code}</body></html>\n")


def fix_links(page_path, out_dir, lesson_stems):
    """Rewrite links in a rendered page so that each resolves inside the site: lessons' .ipynb →
    .html; repository files → highlighted copies; images → copied files."""
    text = open(page_path, encoding="utf-8").read()
    soup = BeautifulSoup(text, "html.parser")
    page_dir_site = os.path.dirname(page_path)
    rel_page_dir = os.path.relpath(page_dir_site, out_dir)  # e.g. "notebooks" or "."
    changed = False
    for tag, attr in (("a", "href"), ("img", "src")):
        for el in soup.find_all(tag):
            url = el.get(attr)
            if not url or urlsplit(url).scheme or url.startswith(("#", "//", "data:")):
                continue
            parts = urlsplit(url)
            target = os.path.normpath(os.path.join(rel_page_dir, unquote(parts.path)))
            if target.startswith(".."):
                continue  # points outside the repository: left for the link check to report
            stem, ext = os.path.splitext(target)
            if ext == ".ipynb" and os.path.basename(stem) in lesson_stems:
                new = os.path.relpath(os.path.join(out_dir, "notebooks", os.path.basename(stem) + ".html"), page_dir_site)
            elif os.path.isfile(os.path.join(out_dir, target)):
                continue
            elif os.path.isfile(os.path.join(ROOT, target)):
                if tag == "img" or ext in (".svg", ".png", ".jpg", ".gif", ".csv", ".pdf"):
                    os.makedirs(os.path.dirname(os.path.join(out_dir, target)), exist_ok=True)
                    shutil.copyfile(os.path.join(ROOT, target), os.path.join(out_dir, target))
                    continue
                source_page(target, out_dir)
                new = os.path.relpath(os.path.join(out_dir, target + ".html"), page_dir_site)
            elif os.path.isdir(os.path.join(ROOT, target)):
                listing = os.path.join(out_dir, target, "index.html")
                if not os.path.exists(listing):
                    files = sorted(f for f in os.listdir(os.path.join(ROOT, target)) if os.path.isfile(os.path.join(ROOT, target, f)))
                    for f in files:
                        source_page(os.path.join(target, f), out_dir)
                    depth = target.count("/") + 1
                    items = "".join(f'<li><a href="{html.escape(f)}.html">{html.escape(f)}</a></li>' for f in files)
                    with open(listing, "w", encoding="utf-8") as fh:
                        fh.write(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(target)}</title>"
                                 f"<link rel=\"stylesheet\" href=\"{'../' * depth}site.css\"></head><body>{nav_html('../' * depth, False)}"
                                 f"<h1 style=\"font-family:system-ui\">{html.escape(target)}/</h1><ul>{items}</ul></body></html>\n")
                new = os.path.relpath(listing, page_dir_site)
            else:
                continue
            el[attr] = new.replace(os.sep, "/") + (f"#{parts.fragment}" if parts.fragment else "")
            changed = True
    if changed:
        with open(page_path, "w", encoding="utf-8") as f:
            f.write(str(soup))


# ---------------------------------------------------------------------------- the site

def build(executed_dir, out_dir, api_dir=None, times=None):
    times = times or {}
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    shutil.copyfile(plotly_js_path(), os.path.join(out_dir, "plotly.min.js"))
    os.makedirs(os.path.join(out_dir, "mathjax"))
    shutil.copyfile(os.path.join(ROOT, "node_modules", "mathjax", "es5", "tex-svg.js"), os.path.join(out_dir, "mathjax", "tex-svg.js"))
    with open(os.path.join(out_dir, "site.css"), "w") as f:
        f.write(SITE_CSS)
    has_api = bool(api_dir and os.path.exists(os.path.join(api_dir, "index.html")))
    if has_api:
        shutil.copytree(api_dir, os.path.join(out_dir, "api"))
    exporter = make_exporter()
    builds = readme_builds()
    # Only today's lessons: an executed copy of a lesson since renamed or split is left out.
    lessons = {f for f in os.listdir(os.path.join(ROOT, "notebooks")) if f.endswith(".ipynb")}
    names = sorted(f for f in os.listdir(executed_dir) if f in lessons)
    if not names:
        raise SystemExit(f"no executed notebooks in {executed_dir}")
    stems = {os.path.splitext(n)[0] for n in names}
    rows, exercise_nb = [], nbformat.v4.new_notebook()
    exercise_nb.cells = [nbformat.v4.new_markdown_cell(
        "# Exercises\n\nEvery exercise from the lessons, with the output it gave in the site's build run "
        "(the TODO cells not yet filled in). Open the lesson in JupyterLab to do them; the checker under each "
        "TODO says what is right and what is wrong. Answers with explanations are in the facilitator guide.")]
    for name in names:
        stem = os.path.splitext(name)[0]
        nb = nbformat.read(os.path.join(executed_dir, name), as_version=4)
        title = lesson_title(nb, stem)
        render(nb, os.path.join(out_dir, "notebooks", stem + ".html"), exporter, title, "../", has_api, has_charts(nb))
        charts = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if PLOTLY_MIME in o.get("data", {}))
        rows.append({"stem": stem, "title": title, "objectives": lesson_objectives(nb), "builds": builds.get(stem, ""),
                     "minutes": estimate_minutes(nb, times.get(name, 0)), "run_seconds": times.get(name),
                     "charts": charts, "cells": len(nb.cells)})
        ex = exercise_cells(nb)
        if ex:
            exercise_nb.cells.append(nbformat.v4.new_markdown_cell(f"## From [{title}](notebooks/{stem}.html)"))
            for cell in ex:  # cells from several lessons in one notebook: ids made unique
                cell = copy.deepcopy(cell)
                cell["id"] = f"{stem[:20]}-{cell.get('id', len(exercise_nb.cells))}"[:64]
                exercise_nb.cells.append(cell)
    exercise_nb.metadata = nbformat.read(os.path.join(executed_dir, names[0]), as_version=4).metadata
    render(exercise_nb, os.path.join(out_dir, "exercises.html"), exporter, "Exercises", "", has_api, has_charts(exercise_nb))

    # The index: the lesson map.
    table = ["<table class=\"lesson-map\"><tr><th>Lesson</th><th>Objectives</th><th>What you build</th><th>Time</th></tr>"]
    for r in rows:
        objectives = "".join(f"<li>{md_inline(o)}</li>" for o in r["objectives"])
        run = f"<br><small>runs in {r['run_seconds']:.0f} s</small>" if r["run_seconds"] else ""
        table.append(f"<tr><td><a href=\"notebooks/{r['stem']}.html\">{html.escape(r['title'])}</a></td>"
                     f"<td><ol>{objectives}</ol></td><td>{md_inline(r['builds'])}</td><td>~{r['minutes']} min{run}</td></tr>")
    table.append("</table>")
    intro = ("# SeekLab: DeepSeek-V3 and R1, built from scratch in TypeScript\n\n"
             "Each lesson below is a JupyterLab notebook, shown here with every output and interactive chart from a "
             "real run. To run them yourself: clone the repository and `npm start`. "
             "Workshop leaders: see the [facilitator guide](facilitator.html); all exercises are on the "
             "[exercises page](exercises.html) and the lessons' figures on the [figures page](figures.html)."
             + (" The library's API is in the [API reference](api/index.html)." if has_api else "")
             + "\n\n*Time* is an estimate for a learner (reading, running each cell, the measured run time).")
    index_nb = markdown_notebook(intro)
    index_nb.cells.append(nbformat.v4.new_markdown_cell("## The lessons"))
    index_nb.cells.append(nbformat.v4.new_code_cell(source="", outputs=[nbformat.v4.new_output("display_data", data={"text/html": "\n".join(table)})]))
    index_nb.metadata = exercise_nb.metadata
    render(index_nb, os.path.join(out_dir, "index.html"), make_exporter_noinput(), "SeekLab lessons", "", has_api, False)

    # Figures.
    fig_src = os.path.join(ROOT, "notebooks", "figures")
    figs = sorted(f for f in os.listdir(fig_src) if f.endswith((".svg", ".png"))) if os.path.isdir(fig_src) else []
    if figs:
        shutil.copytree(fig_src, os.path.join(out_dir, "notebooks", "figures"), dirs_exist_ok=True)
    fig_md = "# Figures\n\nThe diagrams the lessons use (`notebooks/figures/`).\n\n" + (
        "\n\n".join(f"### {f}\n\n![{f}](notebooks/figures/{f})" for f in figs) if figs else "*No figures in this build.*")
    render(markdown_notebook(fig_md), os.path.join(out_dir, "figures.html"), exporter, "Figures", "", has_api, False)

    # Facilitator guide.
    guide = os.path.join(ROOT, "docs", "facilitator.md")
    text = open(guide, encoding="utf-8").read() if os.path.exists(guide) else "# Facilitator guide\n\n*Not written yet.*"
    render(markdown_notebook(text), os.path.join(out_dir, "facilitator.html"), exporter, "Facilitator guide", "", has_api, False)

    # Links: every page's repository links made to resolve inside the site.
    for dirpath, _, files in os.walk(out_dir):
        if os.path.relpath(dirpath, out_dir).split(os.sep)[0] == "api":
            continue
        for f in files:
            if f.endswith(".html") and not f.endswith((".ts.html", ".json.html")):
                fix_links(os.path.join(dirpath, f), out_dir, stems)
    with open(os.path.join(out_dir, "lessons.json"), "w") as f:
        json.dump(rows, f, indent=2)
    return rows


def make_exporter_noinput():
    exporter = make_exporter()
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--executed", default="build/notebooks")
    ap.add_argument("--out", default="build/site")
    ap.add_argument("--api", default=None, help="a typedoc output folder to include as api/")
    ap.add_argument("--times", default=None, help="JSON {notebook: seconds} of measured run times")
    args = ap.parse_args()
    times = json.load(open(args.times)) if args.times and os.path.exists(args.times) else {}
    rows = build(args.executed, args.out, args.api, times)
    pages = sum(1 for _, _, fs in os.walk(args.out) for f in fs if f.endswith(".html"))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(f"site: {len(rows)} lessons, {pages} HTML pages, {size / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
