#!/usr/bin/env python3
"""Draws the loss curves of `palette train-default` logs (train-*.csv) as one SVG, with nothing but the
standard library: python3 scripts/plot-training.py OUT.svg train-autoencoder.csv train-unet.csv"""
import csv
import math
import sys

WIDTH, HEIGHT, PAD = 520, 300, 56
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no rows")
    extra = [k for k in rows[0] if k not in ("step", "loss", "lr", "seconds", "samples_per_s")]
    series = {"loss": [(float(r["step"]), float(r["loss"])) for r in rows]}
    for k in extra:
        series[k] = [(float(r["step"]), float(r[k])) for r in rows]
    return series


def panel(title, series, x0):
    points = [p for s in series.values() for p in s if p[1] > 0]
    xs, ys = [p[0] for p in points], [math.log10(p[1]) for p in points]
    lo_x, hi_x = min(xs), max(max(xs), min(xs) + 1)
    lo_y, hi_y = math.floor(min(ys) * 4) / 4, math.ceil(max(ys) * 4) / 4 + 1e-9
    sx = lambda x: x0 + PAD + (x - lo_x) / (hi_x - lo_x) * (WIDTH - 1.5 * PAD)
    sy = lambda y: HEIGHT - PAD + (lo_y - y) / (hi_y - lo_y) * (HEIGHT - 1.6 * PAD)
    out = [f'<text x="{x0 + WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + PAD}" y="{0.6 * PAD}" width="{WIDTH - 1.5 * PAD}" height="{HEIGHT - 1.6 * PAD}" '
           'fill="none" stroke="#888"/>']
    for k in range(int(lo_y * 4), int(hi_y * 4) + 1):
        y = k / 4
        if abs(y - round(y)) < 1e-9 or hi_y - lo_y <= 1:
            out.append(f'<text x="{x0 + PAD - 4}" y="{sy(y) + 4:.1f}" text-anchor="end" font-size="10">'
                       f'{10 ** y:.3g}</text>')
    out.append(f'<text x="{x0 + PAD}" y="{HEIGHT - PAD + 14}" font-size="10">step {int(lo_x)}</text>')
    out.append(f'<text x="{x0 + WIDTH - PAD / 2}" y="{HEIGHT - PAD + 14}" font-size="10" '
               f'text-anchor="end">{int(hi_x)}</text>')
    for i, (name, s) in enumerate(series.items()):
        pts = " ".join(f"{sx(x):.1f},{sy(math.log10(y)):.1f}" for x, y in s if y > 0)
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        out.append(f'<text x="{x0 + PAD + 8}" y="{0.6 * PAD + 14 + 13 * i}" font-size="11" fill="{colour}">'
                   f'{name}</text>')
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    logs = sys.argv[2:]
    body = []
    for i, path in enumerate(logs):
        body += panel(path.rsplit("/", 1)[-1].replace(".csv", "") + " (log scale)", read(path), i * WIDTH)
    with open(sys.argv[1], "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(logs)}" height="{HEIGHT}" '
                'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n')
        f.write("\n".join(body) + "\n</svg>\n")


if __name__ == "__main__":
    main()
