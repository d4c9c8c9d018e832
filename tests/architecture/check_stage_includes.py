#!/usr/bin/env python3
"""Checks the folder graph of src/ against the pipeline's rules.

The build already refuses an include of a stage a library does not link (each stage's
headers are reachable only through its own library target). This check says why a link or
include is wrong, and guards what the build cannot see:
  * a pipeline stage includes only `core` and stages after it
    (net -> framing -> parse -> journal -> batch -> encode -> spool -> deliver), except that
    deliver reads the spool it drains;
  * nothing before `deliver` knows about AWS; only `relay` knows about metrics;
    nothing includes `relay` but main.cpp;
  * every stage's CMakeLists.txt links only what these rules allow, and lists every
    source file of its folder;
  * the folder graph has no cycle.
Exit status 0 when all holds; otherwise one line per violation.
"""
import pathlib
import re
import sys

PIPELINE = ["net", "framing", "parse", "journal", "batch", "encode", "spool", "deliver"]
BESIDE = {
    "core": set(),
    "aws": {"core"},
    "metrics": {"core"},
    # Option parsing and validation may use the value parsers of any stage and aws.
    "cli": {"core", "aws", *PIPELINE},
    "relay": None,  # the composition root: everything but itself
}


def allowed(stage):
    if stage in PIPELINE:
        after = PIPELINE[PIPELINE.index(stage) + 1:]
        # deliver drains the spool that encode fills: the spool is their common store.
        extra = {"aws", "spool"} if stage == "deliver" else set()
        return {"core", *after, *extra}
    if BESIDE[stage] is None:
        return set(PIPELINE) | {s for s in BESIDE if s != stage}
    return BESIDE[stage]


INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
LINK = re.compile(r"kinesyslog_stage\(\s*(\w+)(.*?)\)", re.S)


def main(root):
    src = root / "src"
    stages = sorted(p.name for p in src.iterdir() if p.is_dir())
    problems = []
    unknown = [s for s in stages if s not in PIPELINE and s not in BESIDE]
    problems += [f"src/{s}: a folder that is neither a pipeline stage nor a known neighbour" for s in unknown]
    graph = {s: set() for s in stages}
    for path in sorted(src.rglob("*.[ch]pp")):
        rel = path.relative_to(src)
        if len(rel.parts) == 1:
            continue  # main.cpp wires everything
        stage = rel.parts[0]
        for target in INCLUDE.findall(path.read_text(errors="replace")):
            if target == stage or target not in graph:
                continue  # own folder, or a generated/third-party header
            graph[stage].add(target)
            if stage in unknown or target not in allowed(stage):
                problems.append(f"src/{rel}: includes {target}/, which {stage}/ must not know")

    for stage in stages:
        cmake = src / stage / "CMakeLists.txt"
        if not cmake.exists():
            problems.append(f"src/{stage}: no CMakeLists.txt declaring its library")
            continue
        text = cmake.read_text()
        match = LINK.search(text)
        if not match or match.group(1) != stage:
            problems.append(f"src/{stage}/CMakeLists.txt: no kinesyslog_stage({stage} ...) call")
            continue
        deps = re.search(r"STAGES([^A-Z]*)", match.group(2))
        for dep in (deps.group(1).split() if deps else []):
            if dep not in allowed(stage):
                problems.append(f"src/{stage}/CMakeLists.txt: links {dep}, which {stage}/ must not know")
        listed = set(re.findall(r"([\w/]+\.cpp)", match.group(2)))
        present = {str(p.relative_to(src / stage)) for p in (src / stage).rglob("*.cpp")}
        for missing in sorted(present - listed):
            problems.append(f"src/{stage}/{missing}: not listed in src/{stage}/CMakeLists.txt")
        for stale in sorted(listed - present):
            problems.append(f"src/{stage}/CMakeLists.txt: lists {stale}, which does not exist")

    # A cycle would also be a link error; name it plainly here.
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = trail[trail.index(nxt):] + [nxt]
                problems.append("folder cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for stage in stages:
        if stage not in state:
            visit(stage, [stage])

    for line in problems:
        print(line)
    if not problems:
        for stage in stages:
            print(f"{stage} -> {' '.join(sorted(graph[stage])) or '(nothing)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])))
