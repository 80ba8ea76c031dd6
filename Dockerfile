# SeekLab's learner image: JupyterLab 4 with the SeekLab (TypeScript) kernel and the library built
# once, plus JupyterHub's single-user server so Zero to JupyterHub (k8s/config.yaml) can run it.
# Build:  docker build -t seeklab:0.1.0 .      Try alone:  docker run -p 8888:8888 seeklab:0.1.0
FROM node:20-bookworm-slim

# Python for JupyterLab; git for learners; tini reaps the kernels' child processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv git tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Zero to JupyterHub expects a user with UID 1000 and a home it can mount a volume on. The node
# image already has UID 1000 (named node); rename it to the conventional jovyan.
RUN usermod --login jovyan --move-home --home /home/jovyan node \
 && groupmod --new-name jovyan node

WORKDIR /opt/seeklab
# The same environment `npm start` makes in .venv, at a fixed place; JupyterHub's single-user
# server (match the hub's major version: the chart runs JupyterHub 5).
COPY requirements.txt ./
RUN python3 -m venv /opt/seeklab/.venv \
 && /opt/seeklab/.venv/bin/pip install --no-cache-dir -r requirements.txt "jupyterhub>=5,<6"
ENV PATH=/opt/seeklab/.venv/bin:$PATH

# npm packages first (cached while only sources change), then the sources, then the set-up:
# the library build, the kernel spec and the Jupyter settings (scripts/setup.mjs).
COPY package.json package-lock.json ./
COPY lib/package.json lib/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/setup.mjs \
 && chmod -R a+rX /opt/seeklab

# Each learner's home gets their own copy of the lessons on first start (k8s/seed-home.sh).
USER jovyan
WORKDIR /home/jovyan
ENV SEEKLAB_NO_BROWSER=1
EXPOSE 8888
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "sh /opt/seeklab/k8s/seed-home.sh && exec jupyter lab --ip=0.0.0.0 --port=8888 --notebook-dir=/home/jovyan/seeklab/notebooks --LabApp.default_url=/lab/tree/00_welcome.ipynb"]
