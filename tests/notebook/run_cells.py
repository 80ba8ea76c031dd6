"""Run code cells one after another in one SeekLab kernel and print each cell's outcome as JSON.

Used by tests/notebook/kernel.test.ts: reads a JSON list of cell sources on stdin, writes a JSON
list of {status, stdout, stderr}. Unlike scripts/run_notebooks.py it goes on after a failed cell
(waiting out the 200 ms in which tslab drops requests after an error), the way a learner does.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

cells = json.load(sys.stdin)
km, kc = start_new_kernel(kernel_name="seeklab", cwd=os.getcwd())
results = []
try:
    for source in cells:
        streams = {"stdout": "", "stderr": ""}

        def hook(msg):
            if msg["msg_type"] == "stream":
                streams[msg["content"]["name"]] += msg["content"]["text"]

        reply = kc.execute_interactive(source, timeout=120, output_hook=hook)
        results.append({"status": reply["content"]["status"], **streams})
        if reply["content"]["status"] != "ok":
            time.sleep(0.5)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(results))
