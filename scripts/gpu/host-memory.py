#!/usr/bin/env python3
"""Every INTERVAL seconds, where a process's resident memory lives: one CSV row per sample with the RSS of
the heap, of anonymous mappings (glibc arenas and large allocations, CUDA's pinned and driver memory),
of the CUDA and NVIDIA driver libraries' own mappings, of device files (/dev/nvidia*: pinned and mapped
memory) and of the rest, in MB. Usage: host-memory.py PID INTERVAL OUT.csv (stops when PID exits)."""
import sys
import time


def sample(pid):
    groups = {"heap": 0, "anon": 0, "nvidia_libs": 0, "dev_nvidia": 0, "other": 0}
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split(maxsplit=6)
            if "-" in first[0] and len(first) >= 5 and ":" in first[3]:  # a mapping's header line
                path = first[5].strip() if len(first) > 5 else ""
                if path == "[heap]":
                    name = "heap"
                elif path == "" or path.startswith("[anon"):
                    name = "anon"
                elif path.startswith("/dev/nvidia"):
                    name = "dev_nvidia"
                elif "libcuda" in path or "libnvidia" in path or "libcu" in path.rsplit("/", 1)[-1]:
                    name = "nvidia_libs"
                else:
                    name = "other"
            elif line.startswith("Rss:") and name:
                groups[name] += int(line.split()[1])
    return {k: v / 1024 for k, v in groups.items()}


def main():
    pid, interval, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    start = time.time()
    with open(out, "w") as f:
        f.write("seconds,total_mb,heap_mb,anon_mb,nvidia_libs_mb,dev_nvidia_mb,other_mb\n")
        while True:
            try:
                g = sample(pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            if not any(g.values()):  # exited, not yet reaped
                return
            f.write(f"{time.time() - start:.0f},{sum(g.values()):.0f},{g['heap']:.0f},{g['anon']:.0f},"
                    f"{g['nvidia_libs']:.0f},{g['dev_nvidia']:.0f},{g['other']:.0f}\n")
            f.flush()
            time.sleep(interval)


if __name__ == "__main__":
    main()
