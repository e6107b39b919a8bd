#!/usr/bin/env python3
"""Accuracy against energy per inference for the attention_arrays study.

Usage: python3 experiments/attention_arrays/plot_attention.py RESULTS.h5 -o DIR

Reads the sweep's results.h5 (docs/result_format.md): per point its axes (arch,
tile.adc.bits, attention.products, attention.adc_range), the mean accuracy with its 95 %
confidence half-width and the energy per inference of the in-memory chip. Writes
DIR/attention_arrays_accuracy_vs_energy.{png,svg}: one marker per point, colour by tile,
shape by where attention runs, filled for 8 ADC bits and open for 6. Prints the table that
experiments/attention_arrays/README.md shows.

Exit status: 0 on success, 2 when the file cannot be read or the figure cannot be written.
"""

import argparse
import os
import sys
import tempfile

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

FORMATS = ("png", "svg")
COLOURS = {"reram": "tab:blue", "sram": "tab:orange"}
MARKERS = {"digital": "o", "per_layer": "s", "per_matrix": "^"}
LABELS = {"digital": "digital attention", "per_layer": "arrays, per-layer ADC range",
          "per_matrix": "arrays, per-matrix ADC range"}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def axis(f, name, points):
    """The values of axis `name` per point; "" where a point does not set it."""
    if name not in f["axes"]:
        return [""] * points
    return [text(v) for v in f["axes"][name][()]]


def read(path):
    with h5py.File(path, "r") as f:
        results = f["results"]
        accuracy = np.asarray(results["accuracy_mean"][()], dtype=float)
        ci95 = np.asarray(results["accuracy_ci95"][()], dtype=float)
        energy = np.asarray(results["energy_per_inference_j_analog"][()], dtype=float)
        n = len(accuracy)
        return {
            "arch": axis(f, "arch", n),
            "bits": axis(f, "tile.adc.bits", n),
            "products": axis(f, "attention.products", n),
            "range": axis(f, "attention.adc_range", n),
            "accuracy": accuracy,
            "ci95": ci95,
            "energy": energy,
        }


def kind(d, i):
    return "digital" if d["products"][i] != "in_memory" else (d["range"][i] or "per_layer")


def write_figure(d, out_dir):
    fig, ax = plt.subplots(figsize=(8.4, 4.2))
    for i in range(len(d["accuracy"])):
        k = kind(d, i)
        filled = d["bits"][i] == "8"
        colour = COLOURS.get(d["arch"][i], "tab:gray")
        ax.errorbar(d["energy"][i] * 1e6, d["accuracy"][i] * 100, yerr=d["ci95"][i] * 100,
                    fmt=MARKERS[k], color=colour, mfc=colour if filled else "white", ms=7,
                    capsize=3)
    handles = [plt.Line2D([], [], color=c, marker="o", ls="", label=a) for a, c in COLOURS.items()]
    handles += [plt.Line2D([], [], color="k", marker=m, ls="", mfc="white", label=LABELS[k])
                for k, m in MARKERS.items()]
    handles += [plt.Line2D([], [], color="k", marker="o", ls="", label="8 ADC bits (filled)"),
                plt.Line2D([], [], color="k", marker="o", ls="", mfc="white",
                           label="6 ADC bits (open)")]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_xscale("log")
    ticks = [1, 2, 5, 10, 20]
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xlabel("energy per inference of the in-memory chip (µJ)")
    ax.set_ylabel("top-1 accuracy (%), mean ± 95 % CI")
    ax.set_title("ViT on Fashion-MNIST: attention's products digital or on rewritten arrays",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    for ext in FORMATS:
        target = os.path.join(out_dir, "attention_arrays_accuracy_vs_energy." + ext)
        # Written beside the target and renamed: a failed run leaves no half-written figure.
        fd, tmp = tempfile.mkstemp(dir=out_dir, suffix="." + ext)
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=150)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    plt.close(fig)


def print_table(d):
    print("| tile | ADC bits | attention | accuracy (%) | energy per inference (µJ) |")
    print("|---|---|---|---|---|")
    for i in range(len(d["accuracy"])):
        print(f"| {d['arch'][i]} | {d['bits'][i]} | {LABELS[kind(d, i)]} | "
              f"{d['accuracy'][i] * 100:.2f} ± {d['ci95'][i] * 100:.2f} | "
              f"{d['energy'][i] * 1e6:.3g} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("-o", "--out", required=True)
    args = parser.parse_args()
    try:
        d = read(args.results)
    except (OSError, KeyError) as e:
        print(f"plot_attention.py: cannot read {args.results}: {e}", file=sys.stderr)
        return 2
    try:
        os.makedirs(args.out, exist_ok=True)
        write_figure(d, args.out)
    except OSError as e:
        print(f"plot_attention.py: cannot write figures to {args.out}: {e}", file=sys.stderr)
        return 2
    print_table(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
