#!/usr/bin/env python3
"""Turns the JSON lines of `minifloat sweep ... --json` into the Markdown table of docs/verification.md.

Usage: python3 Benchmarks/sweep_report.py sweep.jsonl
Each cell is "mismatches under SatFinite / under SatNone" for that format and rounding mode.
"""
import json
import sys

MODES = ["rne", "rna", "rtz", "rtp", "rtn", "rto"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sweep_report.py sweep.jsonl")
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    formats = []
    cells = {}
    for run in runs:
        if run["format"] not in formats:
            formats.append(run["format"])
        cells[(run["format"], run["rounding"], run["saturation"])] = run
    checked = sum(run["checked"] for run in runs)
    mismatches = sum(run["mismatches"] for run in runs)
    seconds = sum(run["seconds"] for run in runs)
    sources = sorted({run["from"] for run in runs})
    print(f"{len(runs)} runs over {len(formats)} formats, from {', '.join(sources)}: "
          f"{checked:,} inputs checked, {mismatches} mismatches, {seconds / 60:.0f} minutes of sweeping.\n")
    print("| format | " + " | ".join(MODES) + " |")
    print("|---|" + "---:|" * len(MODES))
    for name in formats:
        row = []
        for mode in MODES:
            parts = []
            for sat in ["satfinite", "satnone"]:
                run = cells.get((name, mode, sat))
                parts.append("-" if run is None else str(run["mismatches"]))
            row.append(" / ".join(parts))
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
