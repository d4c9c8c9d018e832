#!/usr/bin/python3
"""The spool under many small records.

1. Small records per second published into the spool, one by one with their own syncs against
   group commit, plain and journaled: runs the spool benchmarks of kinesyslog_bench
   (bench/spool_bench.cpp; configure with -DKINESYSLOG_BENCH=ON) when --bench-binary is given.
2. A burst from many sources: one message from each of --sources loopback addresses (each its
   own batch, so its own small record), then SIGTERM; prints the seconds from SIGTERM to exit
   and what was delivered and spooled at exit, for --binary and, with --baseline, for another
   build (e.g. the previous commit's), so both figures come from the same machine and hour; once
   delivering to the Firehose stand-in (its drain to the deadline can dominate the exit), once
   into --output-dir (delivery there is cheap: the exit time is the spool's).

Usage: bench/spool_throughput.py [--binary build/kinesyslog] [--baseline OTHER_BINARY]
                                 [--bench-binary build/bench/kinesyslog_bench] [--sources 40000]
                                 [--destination both|firehose|output-dir]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def print_burst(label, binary, sources, to_output_dir):
    from test_spool_burst import run_burst  # after KINESYSLOG_BINARY is set: `dump` decodes with it
    result = run_burst(sources, os.path.abspath(binary), to_output_dir)
    label += " (--output-dir)" if to_output_dir else " (Firehose stand-in)"
    delivered = result["delivered"]
    once = sum(1 for n in range(result["sent"]) if delivered[n] == 1)
    print(f"{label}: {result['sent']} sources, {result['received']} received -> exit {result['exit_seconds']:.1f} s after SIGTERM "
          f"(code {result['exit_code']}); {result['delivered_at_exit']} messages delivered and "
          f"{result['spooled_after_exit']} records spooled at exit; after a restart {once} of "
          f"{result['sent']} delivered exactly once", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "kinesyslog"))
    parser.add_argument("--baseline", help="another build to run the burst with, first")
    parser.add_argument("--bench-binary", help="kinesyslog_bench, for records/s through the spool")
    parser.add_argument("--sources", type=int, default=40_000)
    parser.add_argument("--destination", choices=("both", "firehose", "output-dir"), default="both")
    args = parser.parse_args()
    os.environ.setdefault("KINESYSLOG_BINARY", os.path.abspath(args.binary))
    if args.bench_binary:
        subprocess.run([args.bench_binary, "--benchmark_filter=OneByOne|GroupCommit"], check=True)
    for to_output_dir in {"both": (False, True), "firehose": (False,), "output-dir": (True,)}[args.destination]:
        if args.baseline:
            print_burst("baseline", args.baseline, args.sources, to_output_dir)
        print_burst("binary", args.binary, args.sources, to_output_dir)


if __name__ == "__main__":
    main()
