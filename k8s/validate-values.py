"""Validate k8s/config.yaml the way `helm install` does, without a cluster or helm: merge it over the
chart's own values.yaml and check the result against the chart's values.schema.yaml (JSON Schema).

    .venv/bin/python k8s/validate-values.py --chart PATH/TO/zero-to-jupyterhub-k8s/jupyterhub

The chart is not vendored here; point --chart at a checkout of jupyterhub/zero-to-jupyterhub-k8s.
Also catches keys the schema does not know (the chart's schema forbids additional properties).
"""
import argparse
import copy
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def merged(base, override):
    """Helm's values merge: maps merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chart", required=True, help="the chart folder (with values.yaml and values.schema.yaml)")
    ap.add_argument("--values", default=os.path.join(HERE, "config.yaml"))
    args = ap.parse_args()
    with open(os.path.join(args.chart, "values.schema.yaml")) as f:
        schema = yaml.safe_load(f)
    with open(os.path.join(args.chart, "values.yaml")) as f:
        defaults = yaml.safe_load(f)
    with open(args.values) as f:
        ours = yaml.safe_load(f)
    values = merged(defaults, ours)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(values), key=lambda e: list(e.absolute_path))
    for e in errors:
        print(f"✗ {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}")
    print(f"{args.values}: {'valid' if not errors else f'{len(errors)} error(s)'} against {os.path.join(args.chart, 'values.schema.yaml')}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
