#!/bin/sh
# Give the learner their own copy of the lessons in ~/seeklab/notebooks (once: later starts keep
# their work), next to links to the shared, read-only library, packages and datasets, at the same
# relative places as in the repository so the lessons' imports and links resolve. Used by the
# image's default command and by Zero to JupyterHub's postStart hook (k8s/config.yaml).
set -e
src=/opt/seeklab
dest="$HOME/seeklab"
mkdir -p "$dest"
if [ ! -d "$dest/notebooks" ]; then
  mkdir -p "$dest/notebooks"
  cp "$src"/notebooks/*.ipynb "$dest/notebooks/"
  for f in "$src"/notebooks/*.md; do [ -e "$f" ] && cp "$f" "$dest/notebooks/"; done
  [ -d "$src/notebooks/figures" ] && cp -r "$src/notebooks/figures" "$dest/notebooks/"
fi
for shared in node_modules lib datasets; do
  [ -e "$dest/$shared" ] || ln -s "$src/$shared" "$dest/$shared"
done
