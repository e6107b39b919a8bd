#!/usr/bin/env python3
"""Figure of published against simulated figures from `xbarsim validate --format json`.

Usage: ./build/xbarsim validate --format json | experiments/plot_validation.py OUT.png

Left: each row of every shipped design is one point, its published value on x and xbarsim's
on y, on log axes so that watts, square metres, TOPS/W and counts share one plot; points on
the diagonal agree. Consistency rows (the card is derived from the published figure) are
hollow, independent rows filled. Right: each independent row's relative error against its
tolerance. Errors exit 2 with one line.
"""
import json
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: plot_validation.py OUT.png < validate.json", file=sys.stderr)
        return 2
    out = sys.argv[1]
    try:
        rows = json.load(sys.stdin)["rows"]
    except (ValueError, KeyError, TypeError) as e:
        print(f"plot_validation.py: error: standard input is not xbarsim validate JSON ({e})",
              file=sys.stderr)
        return 2
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5.2), gridspec_kw={"width_ratios": [1, 1]})
    designs = sorted({r["design"] for r in rows})
    markers = "osD^v"
    for k, design in enumerate(designs):
        for kind, filled in (("independent", True), ("consistency", False)):
            pts = [r for r in rows if r["design"] == design and r["kind"] == kind]
            if not pts:
                continue
            x = [abs(r["published"]) for r in pts]
            y = [abs(r["simulated"]) for r in pts]
            ax.scatter(x, y, marker=markers[k % len(markers)], s=36,
                       facecolors=None if filled else "none",
                       edgecolors=f"C{k}", c=f"C{k}" if filled else None,
                       label=f"{design} ({kind})")
    lo = min(min(abs(r["published"]), abs(r["simulated"])) for r in rows) / 3
    hi = max(max(abs(r["published"]), abs(r["simulated"])) for r in rows) * 3
    ax.plot([lo, hi], [lo, hi], color="0.6", lw=1, zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("published (SI units; TOPS/W, TOPS, TOPS/mm$^2$ and counts as given)")
    ax.set_ylabel("simulated by xbarsim")
    missed = sum(1 for r in rows if not r["within"])
    ax.set_title(f"xbarsim validate: {len(rows) - missed} of {len(rows)} rows within tolerance")
    ax.legend(fontsize=7, loc="upper left")
    independent = [r for r in rows if r["kind"] == "independent"]
    labels = [f'{r["design"]}: {r["metric"]}' for r in independent]
    ypos = range(len(independent))
    bx.barh(list(ypos), [100 * r["error_rel"] for r in independent], color="C0",
            label="|simulated - published| / published")
    bx.scatter([100 * r["tolerance_rel"] for r in independent], list(ypos), marker="|", s=200,
               color="C3", label="tolerance", zorder=3)
    bx.set_yticks(list(ypos))
    bx.set_yticklabels(labels, fontsize=6)
    bx.invert_yaxis()
    bx.set_xscale("symlog", linthresh=0.01)
    bx.set_xlabel("error, % (symmetric log scale)")
    bx.set_title("independent rows: error against tolerance")
    bx.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    directory = os.path.dirname(os.path.abspath(out))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".png")
        os.close(fd)
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, out)
    except OSError as e:
        print(f"plot_validation.py: error: cannot write {out}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
