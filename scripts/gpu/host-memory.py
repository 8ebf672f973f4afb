#!/usr/bin/env python3
"""Every INTERVAL seconds, where a process's resident memory lives: one CSV row per sample with the RSS of
the heap, of anonymous mappings (glibc arenas and large allocations, CUDA's pinned and driver memory),
of the CUDA and NVIDIA driver libraries' own mappings, of device files (/dev/nvidia*: pinned and mapped
memory) and of the rest, in MB, and how many anonymous mappings there are. Beside it, OUT.csv's stem +
"-growth.txt" names the mappings whose RSS grew most since the first sample after a minute (the first
minute is the app's warm-up), rewritten at every sample: which allocator holds what grows.
Usage: host-memory.py PID INTERVAL OUT.csv (stops when PID exits)."""
import sys
import time


def group_of(path):
    if path == "[heap]":
        return "heap"
    if path == "" or path.startswith("[anon"):
        return "anon"
    if path.startswith("/dev/nvidia"):
        return "dev_nvidia"
    if "libcuda" in path or "libnvidia" in path or "libcu" in path.rsplit("/", 1)[-1]:
        return "nvidia_libs"
    return "other"


def mappings(pid):
    """{(start address, path): RSS kB} of every mapping."""
    out, key = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split(maxsplit=5)
            if "-" in first[0] and len(first) >= 5 and ":" in first[3]:  # a mapping's header line
                key = (first[0].split("-")[0], first[5].strip() if len(first) > 5 else "")
            elif line.startswith("Rss:") and key:
                out[key] = int(line.split()[1])
    return out


def write_growth(path, base, now):
    rows = sorted(((now[k] - base.get(k, 0), k) for k in now), reverse=True)[:20]
    new = [k for k in now if k not in base]
    gone = [k for k in base if k not in now]
    with open(path, "w") as f:
        f.write(f"mappings: {len(base)} at the baseline, {len(now)} now ({len(new)} new, {len(gone)} gone); "
                f"new mappings hold {sum(now[k] for k in new) / 1024:.0f} MB\n")
        f.write("growth_mb  now_mb  start  path\n")
        for d, k in rows:
            f.write(f"{d / 1024:9.1f} {now[k] / 1024:7.1f}  {k[0]}  {k[1] or '(anonymous)'}\n")


def main():
    pid, interval, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    growth = out.rsplit(".", 1)[0] + "-growth.txt"
    start, base = time.time(), None
    with open(out, "w") as f:
        f.write("seconds,total_mb,heap_mb,anon_mb,nvidia_libs_mb,dev_nvidia_mb,other_mb,anon_mappings\n")
        while True:
            try:
                m = mappings(pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            if not m:  # exited, not yet reaped
                return
            g = {"heap": 0, "anon": 0, "nvidia_libs": 0, "dev_nvidia": 0, "other": 0}
            for (_, path), rss in m.items():
                g[group_of(path)] += rss / 1024
            anon = sum(1 for (_, path) in m if group_of(path) == "anon")
            seconds = time.time() - start
            f.write(f"{seconds:.0f},{sum(g.values()):.0f},{g['heap']:.0f},{g['anon']:.0f},"
                    f"{g['nvidia_libs']:.0f},{g['dev_nvidia']:.0f},{g['other']:.0f},{anon}\n")
            f.flush()
            if base is None and seconds >= 60:
                base = m
            elif base is not None:
                write_growth(growth, base, m)
            time.sleep(interval)


if __name__ == "__main__":
    main()
