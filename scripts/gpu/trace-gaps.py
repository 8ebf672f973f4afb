#!/usr/bin/env python3
"""Where the device waits for the host in a Kineto trace: every idle stretch between device activities
longer than a threshold, with the host operators running during it. Usage: trace-gaps.py TRACE.json [MIN_US]"""
import collections
import json
import sys


def main():
    path = sys.argv[1]
    min_us = float(sys.argv[2]) if len(sys.argv) > 2 else 40.0
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    device = sorted((e["ts"], e["ts"] + e["dur"], e["name"]) for e in events
                    if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e)
    host = [e for e in events if e.get("cat") in ("cpu_op", "cuda_runtime", "cuda_driver") and "dur" in e]
    gaps, end, last = [], device[0][1], device[0][2]
    for a, b, name in device[1:]:
        if a - end >= min_us:
            gaps.append((end, a, last, name))
        if b > end:
            end, last = b, name
    total = collections.Counter()
    print(f"{len(gaps)} idle stretches of {min_us:.0f} us or more, {sum(b - a for a, b, _, _ in gaps) / 1000:.2f} ms in all")
    for a, b, before, after in sorted(gaps, key=lambda g: g[0] - g[1])[:25]:
        during = collections.Counter()
        for e in host:
            s, t = e["ts"], e["ts"] + e["dur"]
            if s < b and t > a:
                during[e["name"]] += min(t, b) - max(s, a)
        top = ", ".join(f"{n[:40]} {us:.0f}" for n, us in during.most_common(4))
        print(f"  {b - a:8.0f} us after {before[:40]!r} before {after[:40]!r}: {top}")
        for n, us in during.items():
            total[n] += us
    print("host work during the gaps (us):", ", ".join(f"{n[:50]} {us:.0f}" for n, us in total.most_common(12)))


if __name__ == "__main__":
    main()
