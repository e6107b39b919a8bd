#!/usr/bin/env python3
"""Energy against accuracy for `xbarsim optimize` results.

Usage: python3 experiments/adc_allocation/plot_allocation.py DIR [DIR ...] -o FIGURE.png

Each DIR is an output folder of `xbarsim optimize` (its results.h5, docs/optimizer.md#outputs).
Folders of the same model and architecture share a panel: every candidate the searches
evaluated (grey), the uniform settings (blue line, labelled with their value), the Pareto front
of everything evaluated (black steps), the float32 accuracy on the same images (dashed), and
per folder the allocation chosen under its budget (a star, labelled with the budget). The
accuracy axis shows the 6 points below the best. Accuracy is the search-set analog accuracy (mean over
trials); energy is the shape-only estimate per inference.

Exit status: 0 when the figure was written, 2 when a folder holds no readable result (one
line on stderr naming it).
"""

import argparse
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def read(folder):
    path = os.path.join(folder, "results.h5")
    with h5py.File(path, "r") as f:
        if text(f.attrs.get("kind", "")) != "optimize":
            raise ValueError(f"{path}: not an xbarsim optimize result")
        c = f["candidates"]
        r = {
            "model": os.path.basename(text(f.attrs["model_file"])).rsplit(".", 1)[0],
            "arch": os.path.basename(text(f.attrs["arch_file"])).rsplit(".", 1)[0],
            "budget": float(f.attrs["max_accuracy_drop"]),
            "energy": c["energy_per_inference_j"][()],
            "float": float(c["accuracy_float"][0]),
            "accuracy": c["accuracy_analog"][()],
            "values": c["values"][()],
            "stage": [text(s) for s in c["stage"][()]],
            "label": [text(s) for s in c["label"][()]],
            "chosen": int(f["result"].attrs["chosen_index"]) if "result" in f and
            "chosen_index" in f["result"].attrs else None,
        }
    return r


def pareto(points):
    """Indices of the (energy low, accuracy high) front, by energy."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()
    results = []
    for folder in args.folders:
        try:
            results.append(read(folder))
        except (OSError, KeyError, ValueError) as e:
            print(f"plot_allocation.py: {folder}: {e}", file=sys.stderr)
            return 2
    panels = sorted({(r["model"], r["arch"]) for r in results})
    cols = min(2, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.4 * rows), squeeze=False)
    for ax, (model, arch) in zip(axes.flat, panels):
        group = [r for r in results if (r["model"], r["arch"]) == (model, arch)]
        seen = {}
        for r in group:
            for e, a, s, lab in zip(r["energy"], r["accuracy"], r["stage"], r["label"]):
                seen[lab] = (e * 1e6, 100 * a, s)
        pts = list(seen.values())
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=10, c="0.7", label="evaluated")
        # Uniform settings: every layer at the same value.
        uni = sorted((p for lab, p in seen.items()
                      if len({v.split("=")[1] for v in lab.split()}) == 1),
                     key=lambda p: p[0])
        if uni:
            ax.plot([p[0] for p in uni], [p[1] for p in uni], "o-", c="tab:blue", ms=4,
                    label="uniform")
            for lab, p in seen.items():
                values = {v.split("=")[1] for v in lab.split()}
                if len(values) == 1:
                    ax.annotate(values.pop(), (p[0], p[1]), textcoords="offset points",
                                xytext=(3, -9), fontsize=7, color="tab:blue")
        front = pareto(pts)
        ax.step([pts[i][0] for i in front], [pts[i][1] for i in front], "k-", where="post",
                lw=1, label="Pareto front")
        for r in group:
            if r["chosen"] is None:
                continue
            e, a = 1e6 * r["energy"][r["chosen"]], 100 * r["accuracy"][r["chosen"]]
            ax.plot([e], [a], "*", ms=11, c="tab:red")
            ax.annotate(f"{100 * r['budget']:g} pt", (e, a), textcoords="offset points",
                        xytext=(4, 4), fontsize=7, color="tab:red")
        ax.plot([], [], "*", c="tab:red", label="optimised (budget)")
        ax.set_xscale("log")
        ax.set_xlabel("energy per inference (µJ, shape-only estimate)")
        ax.set_ylabel("search-set accuracy (%)")
        top = max(max(p[1] for p in pts), 100 * group[0]["float"])
        ax.axhline(100 * group[0]["float"], ls="--", c="0.4", lw=1, label="float32")
        # Zoomed on the budgets' range: 6 points below the best (3-bit points fall off it).
        ax.set_ylim(max(min(p[1] for p in pts), top - 6) - 0.3, top + 0.5)
        ax.set_title(f"{model} on {arch}: per-layer ADC bits")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    try:
        fig.savefig(args.output, dpi=args.dpi)
    except OSError as e:
        print(f"plot_allocation.py: {args.output}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
