#!/usr/bin/env python3
"""What a long run of the app (scripts/gpu/app-session.sh long) shows, from the files it wrote to DIR:
per one-minute block of random edits, the app's host memory (RSS, heap in use), its own GPU memory
(gpu-memory-per-process.csv, the process in app.pid), pictures a second, the settled figures, the CUDA graphs
recorded so far and the distinct shapes among them, and the UI frames over 20 ms; then the growth from the
end of the first block to the end (issue 23: none beyond the first minute), the picture checks and every
error line of app.log.
Usage: long-summary.py DIR"""
import csv
import json
import os
import sys


def read(folder, name):
    path = os.path.join(folder, name)
    return open(path).read().strip() if os.path.exists(path) else None


def app_gpu_mb(folder):
    """[(unix seconds, MB)] of the app's process in gpu-memory-per-process.csv: the process app-session.sh
    recorded in app.pid (other apps on the card, as in app-memory.sh's runs, are left out), else any
    semantic-palette process (runs before app.pid was written: then other apps' rows mix in)."""
    rows, path = [], os.path.join(folder, "gpu-memory-per-process.csv")
    if not os.path.exists(path):
        return rows
    pid = read(folder, "app.pid")
    with open(path) as f:
        for r in csv.reader(f):
            if len(r) < 4 or (r[1].strip() != pid if pid else "semantic-palett" not in r[2]):
                continue
            try:
                rows.append((float(r[0]), float(r[3])))
            except ValueError:
                pass
    return rows


def slowest(line):
    """'24.8 ms: panels 19.0, other 3.1' — the slowest UI frame and its two largest phases."""
    f = line.get("slowest_ui_frame")
    if not f:
        return "-"
    phases = sorted(((v, k) for k, v in f.items() if k != "ms"), reverse=True)[:2]
    return f"{f['ms']:.1f} ms: " + ", ".join(f"{k} {v:.1f}" for v, k in phases)


def main(folder):
    metrics = os.path.join(folder, "metrics.jsonl")
    if not os.path.isfile(metrics):
        sys.exit(f"long-summary.py: {metrics}: no such file (expected the OUT folder of app-session.sh)")
    lines = []
    for l in open(metrics):
        try:
            lines.append(json.loads(l))
        except ValueError:  # a line cut short by the app's end
            pass
    actions = [l for l in lines if "action" in l]
    summary = next((l["summary"] for l in lines if "summary" in l), None)
    gpu = app_gpu_mb(folder)
    start = read(folder, "app.start")
    t0 = float(start) if start else (gpu[0][0] if gpu else None)
    print("action  do              end_s   rss_mb  heap_mb  gpu_mb  pic/s  settled_p50  settled_max  graphs  shapes"
          "  ui>20ms  slowest ui frame")
    blocks = []
    for a in actions:
        end = a["start_s"] + a["seconds"]
        # The app's last GPU sample by the action's end: the samples are wall-clock, the metrics count from
        # the app's start (app.start; before it was written, the app's first sample, which follows the start
        # by the model's loading).
        g = ([mb for t, mb in gpu if t - t0 <= end] or [float("nan")])[-1]
        s = a["settled_ms"]
        print(f"{a['action']:6d}  {a['do']:14s} {end:7.1f} {a['rss_mb']:8.1f} {a.get('heap_in_use_mb', 0):8.1f} "
              f"{g:7.0f} {a['pictures_per_s']:6.2f} {s.get('p50', float('nan')):11.1f} {s.get('max', float('nan')):11.1f} "
              f"{a.get('graphs_recorded', '-'):>7} {a.get('shapes_recorded', '-'):>7} {a.get('slow_ui_frames', '-'):>8}  "
              f"{slowest(a)}")
        if a["do"] == "random_edits":
            blocks.append((a, g))
    if len(blocks) >= 2:
        (first, g1), (last, g2) = blocks[0], blocks[-1]
        print(f"growth from the end of block 1 to the end of block {len(blocks)}: "
              f"RSS {last['rss_mb'] - first['rss_mb']:+.1f} MB, heap {last.get('heap_in_use_mb', 0) - first.get('heap_in_use_mb', 0):+.1f} MB, "
              f"GPU {g2 - g1:+.0f} MB over {last['start_s'] + last['seconds'] - first['start_s'] - first['seconds']:.0f} s")
    if gpu:
        print(f"the app's GPU memory: first sample {gpu[0][1]:.0f} MB, peak {max(mb for _, mb in gpu):.0f} MB, "
              f"last {gpu[-1][1]:.0f} MB")
    if summary:
        print("summary:", json.dumps(summary))
    log = os.path.join(folder, "app.log")
    if os.path.exists(log):
        for line in open(log, errors="replace"):
            if "picture check" in line or "error" in line.lower() or "fail" in line.lower():
                print(line.rstrip()[:300])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
