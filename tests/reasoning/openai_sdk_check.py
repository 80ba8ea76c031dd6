"""The official OpenAI Python SDK against SeekLab's server (lib/reasoning/server.ts).

Run by tests/reasoning/sdk.test.ts as `python openai_sdk_check.py BASE_URL API_KEY MODEL`; prints
one JSON object with what each call gave, and the test asserts on it. No retries, short timeouts,
loopback only.
"""
import json
import sys

import openai

base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
assert base_url.startswith("http://127.0.0.1:"), base_url
client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=60)
out = {"sdk_version": openai.__version__}

out["models"] = [m.id for m in client.models.list()]
out["retrieved"] = client.models.retrieve(model).id
ask = [{"role": "user", "content": "47*83="}]
plain = client.chat.completions.create(model=model, messages=ask, n=3, temperature=0.8, seed=5)
out["plain"] = [c.message.content for c in plain.choices]
out["usage"] = plain.usage.total_tokens

texts = ["", "", ""]
finish = [None, None, None]
usage = None
for chunk in client.chat.completions.create(model=model, messages=ask, n=3, temperature=0.8, seed=5, stream=True, stream_options={"include_usage": True}):
    if chunk.usage is not None:
        usage = chunk.usage.total_tokens
    for c in chunk.choices:
        texts[c.index] += c.delta.content or ""
        if c.finish_reason:
            finish[c.index] = c.finish_reason
out["streamed"] = texts
out["stream_finish"] = finish
out["stream_usage"] = usage


def error_of(fn):
    try:
        fn()
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"class": type(e).__name__, "status": e.status_code, "param": body.get("param"), "code": body.get("code")}
    return None


out["errors"] = {
    "unknown_model": error_of(lambda: client.chat.completions.create(model="gpt-4o", messages=ask)),
    "null_message": error_of(lambda: client.chat.completions.create(model=model, messages=[None])),
    "tools": error_of(lambda: client.chat.completions.create(model=model, messages=ask, tools=[{"type": "function", "function": {"name": "f"}}])),
    "bad_temperature": error_of(lambda: client.chat.completions.create(model=model, messages=ask, temperature=-1)),
    "retrieve_missing": error_of(lambda: client.models.retrieve("gpt-4o")),
    "wrong_key": error_of(lambda: openai.OpenAI(base_url=base_url, api_key="sk-wrong-key-000", max_retries=0).models.list()),
}
print(json.dumps(out))
