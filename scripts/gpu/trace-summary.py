#!/usr/bin/env python3
"""Summarises a Kineto trace from `palette bench -w profile`: GPU kernel time by family and the
kernels that cost most. Usage: trace-summary.py TRACE.json [PASSES]"""
import collections
import json
import re
import sys

FAMILIES = [  # first match wins
    ("layout transpose", r"nchwToNhwc|nhwcToNchw|[Tt]ranspose|permute"),
    ("attention", r"fmha|flash|attention|sdpa|Attention"),
    ("convolution", r"conv|fprop|implicit|dgrad|wgrad|Conv"),
    ("GEMM", r"gemm|nvjet|cutlass|Gemm|sm90_xmma"),
    ("GroupNorm", r"[Gg]roup_?[Nn]orm|RowwiseMoments|ComputeFusedParams|GroupNorm"),
    ("LayerNorm", r"[Ll]ayer_?[Nn]orm"),
    ("copy", r"copy|Copy|cat_|CatArray"),
    ("elementwise", r"elementwise|vectorized|unrolled|reduce"),
]


def family(name):
    for label, pattern in FAMILIES:
        if re.search(pattern, name):
            return label
    return "other"


def main():
    path = sys.argv[1]
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel" and "dur" in e]
    by_family = collections.Counter()
    by_name = collections.Counter()
    counts = collections.Counter()
    for e in kernels:
        by_family[family(e["name"])] += e["dur"]
        by_name[e["name"]] += e["dur"]
        counts[e["name"]] += 1
    total = sum(by_family.values())
    # How much of the span from the first to the last device activity the device was busy: the rest is
    # waiting for the host (launches, synchronisation).
    spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                   if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e)
    if spans:
        busy, end = 0.0, spans[0][0]
        for a, b in spans:
            if b > end:
                busy += b - max(a, end)
                end = b
        span = spans[-1][1] - spans[0][0]
        print(f"device busy {busy / passes / 1000:.2f} of {span / passes / 1000:.2f} ms per pass "
              f"({100 * busy / span:.1f} %)")
    print(f"{path}: {len(kernels) / passes:.0f} kernels and {total / passes / 1000:.2f} ms GPU time per pass")
    for label, us in by_family.most_common():
        print(f"  {label:18s} {us / passes / 1000:8.2f} ms  {100 * us / total:5.1f} %")
    print("  top kernels (ms per pass, launches per pass):")
    for name, us in by_name.most_common(25):
        print(f"    {us / passes / 1000:7.2f} {counts[name] / passes:5.0f}  {family(name):16s} {name[:110]}")


if __name__ == "__main__":
    main()
