#!/usr/bin/env python3
# The JSON Schemas of `mplus-webhooks schema` checked with an independent validator
# (python3-jsonschema, Draft 2020-12) against the fixtures, wrong-typed documents and the SDK.
# SPDX-License-Identifier: MIT
#
#   python3 tests/schema/schema_test.py <mplus-webhooks binary> <source dir>
#
# 1. `schema --all --out DIR` writes a valid schema for every event's request and reply, the POS
#    error request and an OpenAPI 3.1 document whose `webhooks` name every event.
# 2. `schema --event NAME [--reply]` prints the same document as the file of --all.
# 3. Every fixture (tests/fixtures: requests, replies, lenient; examples/samples) is valid
#    against its schema.
# 4. Wrong-typed documents (hand-written ones, and every fixture with values swapped for
#    other JSON types) fail the schema; and on every mutated document the schema agrees
#    with the SDK (`mplus-webhooks validate`): what the SDK reads, the schema accepts, and
#    what the schema refuses, the SDK refuses. Event requests must agree exactly (replies
#    also meet the reply rules, which no schema holds).
import concurrent.futures
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
from jsonschema import Draft202012Validator

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, file=sys.stderr)


def run(cli, *args, stdin=None):
    return subprocess.run([cli, *args], input=stdin, capture_output=True, timeout=60)


def leaves(doc, path=()):
    """Every (path, value) of the document, containers included, root excluded."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield path + (k,), v
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield path + (i,), v
            yield from leaves(v, path + (i,))


def replaced(doc, path, value):
    out = copy.deepcopy(doc)
    target = out
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return out


def wrong_type(value):
    """A value of another JSON type (never a numeric string, never null)."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, (int, float)):
        return "not a number"
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {"items": value}
    if isinstance(value, dict):
        return True
    return {"null": True}


def pointer(path):
    return "/" + "/".join(str(p) for p in path)


def main():
    cli, source = sys.argv[1], sys.argv[2]
    out = tempfile.mkdtemp(prefix="mplus-webhooks-schema-")
    result = run(cli, "schema", "--all", "--out", out)
    if result.returncode != 0:
        print(result.stderr.decode(), file=sys.stderr)
        sys.exit("schema --all failed")

    # --- 1. every schema file is a valid draft 2020-12 schema; the OpenAPI document -------
    schemas = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), encoding="utf-8") as f:
            doc = json.load(f)
        if name == "openapi.json":
            continue
        if doc.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            fail(f"{name}: $schema is not draft 2020-12")
        schemas[name[: -len(".schema.json")]] = doc
    # Checking against the meta-schema is slow; schemas that differ only in title are the same.
    checked = set()
    for name, doc in schemas.items():
        body = json.dumps({k: v for k, v in doc.items() if k not in ("title", "description")},
                          sort_keys=True)
        if body not in checked:
            checked.add(body)
            Draft202012Validator.check_schema(doc)
    with open(os.path.join(out, "openapi.json"), encoding="utf-8") as f:
        openapi = json.load(f)
    if openapi.get("openapi") != "3.1.0":
        fail("openapi.json: not OpenAPI 3.1.0")
    events = sorted(k[: -len(".request")] for k in schemas if k.endswith(".request"))
    if len(events) != 24:
        fail(f"expected 24 events, got {len(events)}: {events}")
    if sorted(openapi.get("webhooks", {})) != events:
        fail("openapi.json: webhooks do not name every event")
    components = openapi["components"]["schemas"]
    for event in events:
        post = openapi["webhooks"][event]["post"]
        ref = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        if not ref.startswith("#/components/schemas/") or ref.split("/")[-1] not in components:
            fail(f"openapi.json: {event}: dangling $ref {ref}")
        for name in (f"{event}.request", "reply", "posErrorRequest"):
            expected = dict(schemas[name if name != "reply" else f"{event}.reply"])
            expected.pop("$schema")
            for key in ("title", "description"):
                expected.pop(key)
            got = {k: v for k, v in components[name].items() if k not in ("title", "description")}
            if got != expected:
                fail(f"openapi.json: component {name} differs from its schema file")

    # --- 2. the single-schema command prints the same documents -----------------------------
    for event, reply in (("addSessionLine", False), ("completeSession", True), ("scanCode", True)):
        args = ["schema", "--event", event] + (["--reply"] if reply else [])
        printed = json.loads(run(cli, *args).stdout)
        if printed != schemas[f"{event}.{'reply' if reply else 'request'}"]:
            fail(f"schema --event {event}{' --reply' if reply else ''} differs from --all")
    if run(cli, "schema", "--event", "noSuchEvent").returncode != 2:
        fail("schema --event noSuchEvent: expected exit 2")

    # --- 3. every fixture is valid --------------------------------------------------------
    cases = []  # (label, event, kind, document)
    # tests/fixtures/lenient holds requests that only lenient reading takes (numbers as
    # strings, fields left out, fields of newer POS versions).
    for folder_name, kind in (("requests", "requests"), ("replies", "replies"),
                              ("lenient", "requests")):
        folder = os.path.join(source, "tests", "fixtures", folder_name)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                doc = json.load(f)
            event = name.split(".")[0]
            if event == "error-request":
                cases.append((f"{folder_name}/{name}", "startSession", "posErrorRequest", doc))
            else:
                cases.append((f"{folder_name}/{name}", event, {"requests": "request", "replies": "reply"}[kind], doc))
    samples = os.path.join(source, "examples", "samples")
    for name in sorted(os.listdir(samples)):
        if name.endswith(".json"):
            with open(os.path.join(samples, name), encoding="utf-8") as f:
                doc = json.load(f)
            kind = "reply" if name.endswith(".reply.json") else "request"
            cases.append((f"samples/{name}", name.split(".")[0], kind, doc))

    def schema_for(event, kind):
        return schemas["posErrorRequest" if kind == "posErrorRequest" else f"{event}.{kind}"]

    validators = {}

    def validator(event, kind):
        key = (event, kind)
        if key not in validators:
            validators[key] = Draft202012Validator(schema_for(event, kind))
        return validators[key]

    for label, event, kind, doc in cases:
        errors = list(validator(event, kind).iter_errors(doc))
        if errors:
            fail(f"{label}: not valid against its schema: {errors[0].message} "
                 f"at {pointer(errors[0].absolute_path)}")
    print(f"{len(cases)} fixtures valid against their schemas")

    # --- 4a. hand-written wrong-typed documents fail ---------------------------------------
    base = next(doc for label, _, _, doc in cases if label == "requests/addSessionLine.json")
    reply = next(doc for label, _, _, doc in cases
                 if label == "replies/completeSession.receipt-footer.json")
    wrong = [
        ("addSessionLine", "request", replaced(base, ("session", "sessionId"), 17)),
        ("addSessionLine", "request", replaced(base, ("session", "lines"), {"0": {}})),
        ("addSessionLine", "request", replaced(base, ("event", "eventBlocking"), "true")),
        ("addSessionLine", "request", replaced(base, ("addSessionLine",), None)),
        ("addSessionLine", "request", {k: v for k, v in base.items() if k != "session"}),
        ("completeSession", "reply", replaced(reply, ("receiptFooter",), "footer")),
        ("completeSession", "reply", {"message": {"message": "one object, not a list"}}),
        ("completeSession", "reply", {"lockSession": "yes"}),
        ("scanCode", "reply", {"scanCode": {"recognized": 1}}),
        ("scanCode", "reply", {"scanCode": {}}),
    ]
    for i, (event, kind, doc) in enumerate(wrong):
        if validator(event, kind).is_valid(doc):
            fail(f"wrong-typed document #{i} ({event} {kind}) passed its schema")
        sdk = run(cli, "validate", "--event", event, *(["--reply"] if kind == "reply" else []),
                  stdin=json.dumps(doc).encode())
        if sdk.returncode != 1:
            fail(f"wrong-typed document #{i} ({event} {kind}): the SDK says exit "
                 f"{sdk.returncode}, expected 1")

    # --- 4b. mutated fixtures: the schema and the SDK agree -------------------------------
    # A POS error request's `original` is checked by `validate` as a request of the event; its
    # generic schema leaves it open, so only the SDK-reads-it => schema-accepts-it half holds.
    jobs = []
    per_fixture = 6
    for label, event, kind, doc in cases:
        paths = list(leaves(doc))
        step = max(1, len(paths) // per_fixture)
        for path, value in paths[::step][:per_fixture]:
            for new in (wrong_type(value), None):
                jobs.append((label, event, kind, path, new, replaced(doc, path, new)))

    def sdk_verdict(job):
        _, event, kind, _, _, mutated = job
        return run(cli, "validate", "--event", event, *(["--reply"] if kind == "reply" else []),
                   stdin=json.dumps(mutated).encode())

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(sdk_verdict, jobs))
    mutations = rejected = 0
    for (label, event, kind, path, new, mutated), sdk in zip(jobs, verdicts):
        where = f"{label} {pointer(path)} := {json.dumps(new)}"
        if sdk.returncode not in (0, 1):
            fail(f"{where}: validate exit {sdk.returncode}: {sdk.stderr.decode().strip()}")
            continue
        in_schema = validator(event, kind).is_valid(mutated)
        mutations += 1
        rejected += 0 if in_schema else 1
        sdk_ok = sdk.returncode == 0
        if sdk_ok and not in_schema:
            fail(f"{where}: the SDK reads it but the schema refuses it")
        if kind == "request" and in_schema and not sdk_ok:
            fail(f"{where}: the schema accepts it but the SDK refuses it: "
                 f"{sdk.stderr.decode().strip()}")
    print(f"{mutations} mutated documents, {rejected} refused by the schema; the SDK agrees")
    if rejected < mutations // 4:
        fail(f"only {rejected} of {mutations} mutations were refused: the schemas look too lax")

    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("schema tests passed")


if __name__ == "__main__":
    main()
