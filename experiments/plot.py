#!/usr/bin/env python3
"""Figures from an xbarsim sweep result file.

Usage: python3 experiments/plot.py RESULT.h5 -o DIR [--dpi N] [--reference-accuracy A]

Reads the HDF5 file that `xbarsim sweep` writes (docs/result_format.md#hdf5, schema_version 2,
and the version-1 files of earlier releases) and writes PNG and SVG figures into DIR, named <experiment>_<figure>.{png,svg}. The figures are
chosen from what the file holds, not from the study's name:

- accuracy_vs_noise: top-1 accuracy against a swept device-noise path (tile.device.*noise* or
  *sigma*), one line per value of the other axes, with the stored 95 % confidence band;
- accuracy_adc_energy_vs_bits: accuracy (left axis) and ADC energy per inference (right axis)
  against a swept tile.adc.bits, one line per value of the other axes;
- accuracy_vs_wire_resistance: accuracy against a swept wire-segment resistance
  (tile.wires.*_wire_ohm), one colour per array size, solid for the exact IR-drop solve,
  dashed for the first-order approximation, dotted levels for ideal wires (ir_drop none);
- energy_breakdown: stacked per-component energy per inference, in-memory against digital,
  one panel per workload or model (else per value of the axis with the fewest values).

Exit status: 0 when every applicable figure was written, 1 when no figure applies to the
file, 2 when the file is not a sweep result this script can read or the figures cannot be
written to DIR (one line on stderr, naming the path).
"""

import argparse
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import LogFormatter  # noqa: E402

SUPPORTED_SCHEMA_VERSIONS = (1, 2)
FORMATS = ("png", "svg")

# Display names for common axis paths; any other path is shown as it is.
AXIS_NAMES = {
    "tile.device.prog_sigma_slope_rel": "programming-error slope dσ/dG",
    "tile.device.prog_sigma_offset_siemens": "programming-error floor σ₀",
    "tile.device.read_noise_rel": "read noise σ/G",
    "tile.device.t_inference_s": "time since programming",
    "tile.device.drift_compensation": "drift compensation",
    "tile.adc.bits": "ADC resolution",
    "tile.adc.range": "ADC range",
    "tile.rows": "array rows",
    "tile.wires.ir_drop": "IR drop",
    "tile.wires.row_wire_ohm": "wire segment resistance",
    "tile.wires.col_wire_ohm": "column wire segment resistance",
    "arch": "architecture",
    "workload": "workload",
    "model": "model",
}

# Units implied by a config key's suffix (docs/units.md): (suffix, shown unit, display scale).
SUFFIX_UNITS = (
    ("_rel", "%", 100.0),
    ("_lsb", "LSB", 1.0),
    ("_siemens", "µS", 1e6),  # cell conductances are microsiemens
    ("_m2", "m²", 1.0),
    ("_j", "J", 1.0),
    ("_s", "s", 1.0),
    ("_v", "V", 1.0),
    ("_ohm", "Ω", 1.0),
    ("bits", "bit", 1.0),
)

SI_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""))


class ResultError(Exception):
    """The input is not a sweep result file that this script understands."""


@dataclass
class Sweep:
    """The parts of a sweep result file that the figures need, per point in file order."""

    path: str
    name: str
    axes: list  # axis paths, in sweep order
    values: list  # per point: {axis path: value text}
    results: dict = field(default_factory=dict)  # /results dataset path -> per-point array
    trials: int = 1
    images: int = 0

    def numeric(self, axis):
        """The axis values as floats, or None if a point lacks the axis or is not a number.

        (A list sweep may set an axis at some points only; the others keep the default,
        which the file does not record, so such an axis cannot be an x axis.)
        """
        try:
            return [float(v[axis]) for v in self.values]
        except (KeyError, ValueError):
            return None

    def distinct(self, axis):
        """Distinct values of an axis, in order of first appearance."""
        return list(dict.fromkeys(v.get(axis, "") for v in self.values))


def text(value):
    """HDF5 string attributes come back as str or bytes depending on how they were written."""
    return value.decode() if isinstance(value, bytes) else str(value)


def load_sweep(path):
    """Read a sweep result, refusing anything that is not one of a known schema version.

    Refusing early, with the reason, beats drawing a figure from a file whose layout differs.
    """
    if not os.path.isfile(path):
        raise ResultError(f"{path}: no such file")
    if not h5py.is_hdf5(path):
        raise ResultError(f"{path}: not an HDF5 file")
    try:
        with h5py.File(path, "r") as f:
            return read_sweep(f, path)
    except OSError as e:  # a truncated or damaged file
        raise ResultError(f"{path}: cannot read: {e}") from e


def read_sweep(f, path):
    """The checks and reads of load_sweep, on the open file."""
    kind = text(f.attrs.get("kind", ""))
    if kind != "sweep":
        raise ResultError(f"{path}: not an xbarsim sweep result (root attribute kind is "
                          f"{kind or 'missing'}, expected sweep)")
    if "schema_version" not in f.attrs:
        raise ResultError(f"{path}: no schema_version attribute")
    version = int(f.attrs["schema_version"])
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ResultError(f"{path}: schema_version {version} is not supported (this script "
                          f"reads {', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))})")
    for group in ("points", "results"):
        if not isinstance(f.get(group), h5py.Group):
            raise ResultError(f"{path}: missing group /{group}")
    if version == 1:
        axes, values = read_points(f["points"])
    else:
        if not isinstance(f.get("axes"), h5py.Group):
            raise ResultError(f"{path}: missing group /axes")
        axes, values = read_axes(f["axes"], len(f["points"]), path)
    sweep = Sweep(path=path, name=text(f.attrs.get("experiment_name", "sweep")), axes=axes,
                  values=values, trials=int(f.attrs.get("trials", 1)))
    sweep.results = read_results(f["results"], len(values), path, version)
    if "images" in sweep.results:
        sweep.images = int(sweep.results["images"][0])
    elif int(f.attrs.get("limit", 0)) > 0:  # accuracy-only runs store the image limit only
        sweep.images = int(f.attrs["limit"])
    return sweep


def read_points(points):
    """Axis paths in sweep order and each point's axis values.

    The attribute order in HDF5 is not the sweep's, but each point's label lists its axes in
    sweep order, so the order is taken from where each path appears in the labels.
    """
    values, position = [], {}
    for name in sorted(points):
        attrs = points[name].attrs
        point = {k[len("axis:"):]: text(v) for k, v in attrs.items() if k.startswith("axis:")}
        label = text(attrs.get("label", ""))
        for axis in point:
            m = re.search(r"(?:^| )" + re.escape(axis) + "=", label)
            position.setdefault(axis, m.start() if m else len(label))
        values.append(point)
    if not values:
        raise ResultError("the file has no points")
    axes = sorted(position, key=lambda a: position[a])
    return axes, values


def axis_text(value):
    """One stored axis value as the spec's text: ints as ints, floats in the shortest form."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return repr(float(value))


def read_axes(axes_group, n, path):
    """Axis paths in sweep order and each point's axis values (schema 2: typed /axes/<path>).

    Each dataset holds one value per point and its `position` in the sweep; text axes hold ""
    where a list sweep leaves the axis at its default, which is left out of that point.
    """
    found = []
    for name, dataset in axes_group.items():
        if not isinstance(dataset, h5py.Dataset) or dataset.shape != (n,):
            raise ResultError(f"{path}: /axes/{name} is not one value per point ({n})")
        axis = text(dataset.attrs.get("path", name))
        found.append((int(dataset.attrs.get("position", len(found))), axis, dataset[()]))
    found.sort(key=lambda entry: entry[0])
    values = [{} for _ in range(n)]
    for _, axis, column in found:
        for i, value in enumerate(column):
            shown = axis_text(value)
            if shown != "":
                values[i][axis] = shown
    if not values:
        raise ResultError("the file has no points")
    return [axis for _, axis, _ in found], values


# Version-1 names of datasets that version 2 renamed.
V1_NAMES = {"energy_breakdown_analog": "energy_j_by_component_analog",
            "energy_breakdown_digital": "energy_j_by_component_digital"}


def read_results(results, n, path, version):
    """Every numeric per-point dataset under /results, keyed by its version-2 path relative to
    /results; accuracy as points x trials."""
    out = {}

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "fiu":
            return
        try:
            data = np.asarray(obj[()], dtype=float)
            if name == "accuracy" and version == 1:  # flat, row-major points x trials
                data = data.reshape(n, -1)
        except ValueError as e:
            raise ResultError(f"{path}: /results/{name}: {e}") from e
        if name == "accuracy":
            if data.ndim != 2 or data.shape[0] != n:
                raise ResultError(f"{path}: /results/accuracy has shape {data.shape}, expected "
                                  f"({n}, trials)")
        elif data.shape != (n,):
            raise ResultError(f"{path}: /results/{name} has shape {data.shape}, expected ({n},)")
        head, _, rest = name.partition("/")
        out[f"{V1_NAMES[head]}/{rest}" if version == 1 and head in V1_NAMES else name] = data

    results.visititems(visit)
    return out


def axis_unit(axis):
    """Shown unit and display scale of an axis, from its key's unit suffix."""
    for suffix, unit, scale in SUFFIX_UNITS:
        if axis.endswith(suffix):
            return unit, scale
    return "", 1.0


def axis_label(axis):
    """Axis title with its unit, e.g. 'read noise σ/G (%)'."""
    unit, _ = axis_unit(axis)
    name = AXIS_NAMES.get(axis, axis)
    return f"{name} ({unit})" if unit else name


def short_value(axis, value):
    """An axis value in display units, for tick labels: '3 bit', '1%', 'reram'."""
    unit, scale = axis_unit(axis)
    try:
        shown = f"{float(value) * scale:g}"
    except ValueError:
        return value
    return f"{shown}{'' if unit == '%' else ' '}{unit}".rstrip()


def value_label(axis, value):
    """A legend entry or panel title for one axis value: 'read noise σ/G 1%'."""
    return f"{AXIS_NAMES.get(axis, axis)} {short_value(axis, value)}"


def series(sweep, x_axis):
    """Points grouped by the values of every axis but x_axis, each group sorted by x.

    Returns [(legend label, point indices)], in order of first appearance, so that any grid,
    zip or list sweep gives one line per combination of the other axes.
    """
    others = [a for a in sweep.axes if a != x_axis]
    xs = sweep.numeric(x_axis)
    groups = {}
    for i, v in enumerate(sweep.values):
        key = tuple(v.get(a, "") for a in others)
        groups.setdefault(key, []).append(i)
    out = []
    for key, idx in groups.items():
        label = ", ".join(value_label(a, k) for a, k in zip(others, key)) or "all points"
        out.append((label, sorted(idx, key=lambda i: xs[i])))
    return out


def si_scale(values, unit):
    """A factor and unit label (e.g. 1e6, 'µJ') that bring typical values to 1..1000."""
    positive = [v for v in np.ravel(values) if v > 0]
    if not positive:
        return 1.0, unit
    typical = float(np.median(positive))
    factor, prefix = SI_PREFIXES[0]
    for f, p in SI_PREFIXES:
        if typical >= f:
            factor, prefix = f, p
    return 1.0 / factor, prefix + unit


def file_mode():
    """The mode a plain open() would give a new file (0666 less the umask)."""
    mask = os.umask(0o022)  # reading the umask means setting it: restore it at once
    os.umask(mask)
    return 0o666 & ~mask


def save(fig, out_dir, stem, dpi):
    """Write the figure as PNG and SVG, each to a temporary name first, then renamed.

    A crash or a full disk then never leaves a half-written figure under the final name.
    """
    written = []
    for fmt in FORMATS:
        final = os.path.join(out_dir, f"{stem}.{fmt}")
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{stem}.", suffix=f".{fmt}.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                # No date in the SVG, so that rerunning on the same file gives the same bytes.
                meta = {"Date": None} if fmt == "svg" else {}
                fig.savefig(f, format=fmt, dpi=dpi, metadata=meta, bbox_inches="tight")
            os.chmod(tmp, file_mode())  # mkstemp makes 0600; give the usual mode
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        written.append(final)
    plt.close(fig)
    return written


def subtitle(sweep):
    """Trials and images behind each accuracy point, so a reader can judge the bands."""
    images = f", {sweep.images} test images" if sweep.images else ""
    if sweep.trials == 1:  # no spread over trials to draw: say so rather than show a 0 band
        return f"1 trial per point{images}; no trial spread to show"
    return f"{sweep.trials} trials per point{images}; band: 95 % CI of the mean"


def plot_accuracy_lines(ax, sweep, x_axis, style="-o", label_prefix=""):
    """Accuracy mean with its 95 % CI band against x_axis, one line per series.

    Returns the line handles, so a caller with a second y axis can build one legend.
    """
    r = sweep.results
    mean = r["accuracy_mean"] * 100.0
    ci = r.get("accuracy_ci95", np.zeros_like(mean)) * 100.0
    _, scale = axis_unit(x_axis)
    xs = np.asarray(sweep.numeric(x_axis)) * scale
    handles = []
    for label, idx in series(sweep, x_axis):
        (line,) = ax.plot(xs[idx], mean[idx], style, label=label_prefix + label, ms=4)
        ax.fill_between(xs[idx], mean[idx] - ci[idx], mean[idx] + ci[idx],
                        color=line.get_color(), alpha=0.2, lw=0)
        handles.append(line)
    ax.set_xlabel(axis_label(x_axis))
    ax.set_ylabel("top-1 accuracy (%)")
    ax.grid(True, alpha=0.3)
    return handles


def reference_line(ax, reference):
    """A dashed line at a reference accuracy (e.g. float32) given on the command line."""
    if reference is None:
        return []
    value, label = reference
    return [ax.axhline(value * 100.0, color="0.3", ls="--", lw=1, label=label)]


def figure_accuracy_vs_noise(sweep, x_axis, reference):
    """Accuracy against one noise axis: how fast accuracy falls as the devices get worse."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    handles = plot_accuracy_lines(ax, sweep, x_axis)
    handles += reference_line(ax, reference)
    ax.set_title(f"{sweep.name}: accuracy against {AXIS_NAMES.get(x_axis, x_axis)}\n"
                 f"{subtitle(sweep)}", fontsize=9)
    ax.legend(handles=handles, fontsize=8)
    return fig


def figure_accuracy_vs_time(sweep, t_axis, reference):
    """Accuracy against the time since programming, on a log axis: drift and its remedies."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    handles = plot_accuracy_lines(ax, sweep, t_axis)
    handles += reference_line(ax, reference)
    ax.set_xscale("log")
    ax.set_title(f"{sweep.name}: accuracy against {AXIS_NAMES.get(t_axis, t_axis)}\n"
                 f"{subtitle(sweep)}", fontsize=9)
    ax.legend(handles=handles, fontsize=8)
    return fig


def figure_adc_bits(sweep, bits_axis, reference):
    """Accuracy and ADC energy against ADC bits on two y axes: the resolution trade-off."""
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    handles = plot_accuracy_lines(ax, sweep, bits_axis, label_prefix="accuracy: ")
    handles += reference_line(ax, reference)
    adc = sweep.results.get("energy_j_by_component_analog/adc")
    images = sweep.results.get("images")
    if adc is not None and images is not None:
        per_inference = adc / np.where(images > 0, images, 1.0)
        factor, unit = si_scale(per_inference, "J")
        twin = ax.twinx()
        bits = np.asarray(sweep.numeric(bits_axis))
        groups = series(sweep, bits_axis)
        same = all(np.allclose(per_inference[idx], per_inference[groups[0][1]])
                   for _, idx in groups)
        if same:  # one line: the converter count and energy do not depend on the other axes
            others = [AXIS_NAMES.get(a, a) for a in sweep.axes if a != bits_axis]
            groups = [(f"any {', '.join(others)}" if others else "", groups[0][1])]
        colors = [h.get_color() for h in handles]
        for k, (label, idx) in enumerate(groups):
            color = "0.2" if same else colors[k % len(colors)]
            (line,) = twin.plot(bits[idx], per_inference[idx] * factor, "--s", ms=3, lw=1,
                                color=color, label="ADC energy" + (f": {label}" if label else ""))
            handles.append(line)
        twin.set_yscale("log")
        # Plain numbers; minor ticks are labelled only when the data span under a decade.
        twin.yaxis.set_major_formatter(LogFormatter())
        twin.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))
        twin.set_ylabel(f"ADC energy per inference ({unit})")
    ax.set_xticks(sorted(set(sweep.numeric(bits_axis))))
    ax.set_title(f"{sweep.name}: accuracy and ADC energy against ADC resolution\n"
                 f"{subtitle(sweep)}", fontsize=9)
    # Below the plot: inside it, the legend would hide points of one axis or the other.
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=2, frameon=False)
    return fig


def figure_wire_resistance(sweep, r_axis, reference):
    """Accuracy against the wire-segment resistance: where IR drop starts to cost accuracy.

    Row and column segments are usually swept together (a zip sweep); the other wire axes are
    then not series of their own. One colour per array size, one line style per solve.
    """
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    r = sweep.results
    mean = r["accuracy_mean"] * 100.0
    ci = r.get("accuracy_ci95", np.zeros_like(mean)) * 100.0
    xs = np.asarray(sweep.numeric(r_axis))
    others = [a for a in sweep.axes if not a.endswith("_wire_ohm")]
    solve_axis = "tile.wires.ir_drop"
    styles = {"exact": "-o", "first_order": "--s"}
    colour_axes = [a for a in others if a != solve_axis]
    colours = {}
    handles = []
    groups = {}
    for i, v in enumerate(sweep.values):
        groups.setdefault(tuple(v.get(a, "") for a in others), []).append(i)
    for key, idx in groups.items():
        idx = sorted(idx, key=lambda i: xs[i])
        point = dict(zip(others, key))
        colour_key = tuple(point.get(a, "") for a in colour_axes)
        colour = colours.setdefault(colour_key, f"C{len(colours) % 10}")
        solve = point.get(solve_axis, "")
        label = base = ", ".join(value_label(a, point[a]) for a in colour_axes)
        if solve:
            label = f"{label}, {solve.replace('_', ' ')}" if label else solve
        if solve == "none":  # ideal wires: the resistance is unused, so a level, not a line
            line = ax.axhline(float(np.mean(mean[idx])), color=colour, ls=":", lw=1,
                              label=f"{base}, ideal wires" if base else "ideal wires")
            handles.append(line)
            continue
        (line,) = ax.plot(xs[idx], mean[idx], styles.get(solve, "-o"), color=colour, ms=4,
                          label=label or "all points")
        ax.fill_between(xs[idx], mean[idx] - ci[idx], mean[idx] + ci[idx], color=colour,
                        alpha=0.15, lw=0)
        handles.append(line)
    handles += reference_line(ax, reference)
    ax.set_xscale("log")
    ax.set_xlabel(axis_label(r_axis))
    ax.set_ylabel("top-1 accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{sweep.name}: accuracy against wire resistance (solid: exact solve, "
                 f"dashed: first order)\n{subtitle(sweep)}", fontsize=9)
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=2, frameon=False)
    return fig


def panel_axis(sweep):
    """The axis that splits the breakdown into panels: workloads or models first.

    Workloads differ in energy by orders of magnitude, so each gets its own linear scale;
    otherwise the axis with the fewest values keeps the panel count small.
    """
    for axis in ("workload", "model"):
        if axis in sweep.axes and len(sweep.distinct(axis)) > 1:
            return axis
    multi = [a for a in sweep.axes if len(sweep.distinct(a)) > 1]
    return min(multi, key=lambda a: len(sweep.distinct(a))) if multi else None


def breakdown(sweep, side):
    """{component: per-point energy per inference} for 'analog' or 'digital'."""
    prefix = f"energy_j_by_component_{side}/"
    images = sweep.results.get("images", np.ones(len(sweep.values)))
    images = np.where(images > 0, images, 1.0)
    return {k[len(prefix):]: v / images for k, v in sweep.results.items()
            if k.startswith(prefix)}


def panel_bars(sweep, idx, panel, analog, digital):
    """Bars of one panel: one in-memory bar per point, then the digital bars.

    The digital baseline usually does not depend on the in-memory axes; identical digital
    bars are drawn once rather than repeated.
    """
    others = [a for a in sweep.axes if a != panel and len(sweep.distinct(a)) > 1]

    def name(i, side):  # (values, side): the caller lays them out on one line or two
        return (", ".join(short_value(a, sweep.values[i].get(a, "")) for a in others), side)

    bars = [(name(i, "in-memory"), {c: v[i] for c, v in analog.items()}) for i in idx]
    seen = []  # (first point, components) of each distinct digital bar
    for i in idx:
        parts = {c: v[i] for c, v in digital.items()}
        if not any(all(math.isclose(parts[c], s[c]) for c in parts) for _, s in seen):
            seen.append((i, parts))
    for i, parts in seen:
        label = ("", "digital") if len(seen) == 1 else name(i, "digital")
        bars.append((label, parts))
    return bars


def panels(sweep, panel):
    """[(title, point indices)] of each panel; one panel of every point without a panel axis."""
    if panel is None:
        return [("all points", list(range(len(sweep.values))))]
    return [(value_label(panel, v), [i for i, p in enumerate(sweep.values)
                                     if p.get(panel, "") == v])
            for v in sweep.distinct(panel)]


def figure_energy_breakdown(sweep, panel, _reference):
    """Stacked component energy, in-memory against digital: where the energy goes."""
    analog, digital = breakdown(sweep, "analog"), breakdown(sweep, "digital")
    components = sorted(set(analog) | set(digital))
    cmap = plt.get_cmap("tab20")
    colors = {c: cmap(k % 20) for k, c in enumerate(components)}
    groups = panels(sweep, panel)
    ncols = min(len(groups), 3)
    nrows = math.ceil(len(groups) / ncols)
    n_bars = max(len(panel_bars(sweep, idx, panel, analog, digital)) for _, idx in groups)
    width = max(3.2, 0.55 * n_bars + 1.2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, 3.6 * nrows), squeeze=False)
    for ax, (title, idx) in zip(axes.flat, groups):
        bars = panel_bars(sweep, idx, panel, analog, digital)
        totals = [sum(parts.values()) for _, parts in bars]
        factor, unit = si_scale([max(totals)], "J")
        bottom = np.zeros(len(bars))
        for c in components:
            heights = np.array([parts.get(c, 0.0) for _, parts in bars]) * factor
            ax.bar(range(len(bars)), heights, bottom=bottom, color=colors[c], label=c,
                   width=0.7, edgecolor="white", linewidth=0.3)
            bottom += heights
        for k, total in enumerate(totals):
            ax.annotate(f"{total * factor:.3g}", (k, total * factor), ha="center",
                        va="bottom", fontsize=7)
        ax.set_xticks(range(len(bars)))
        crowded = len(bars) > 4  # two-line labels side by side, else one line, slanted
        sep = " " if crowded else "\n"
        ax.set_xticklabels([sep.join(p for p in b if p) for b, _ in bars], fontsize=7,
                           rotation=40 if crowded else 0, ha="right" if crowded else "center")
        ax.set_ylabel(f"energy per inference ({unit})")
        ax.set_ylim(0, max(totals) * factor * 1.12)
        ax.set_title(title, fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
    spare = list(axes.flat[len(groups):])
    for ax in spare:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[c]) for c in components]
    if spare:
        spare[0].legend(handles, components, loc="center", fontsize=8, title="component")
    else:
        fig.legend(handles, components, loc="center left", bbox_to_anchor=(1.0, 0.5),
                   fontsize=8, title="component")
    fig.suptitle(f"{sweep.name}: energy per inference by component, in-memory against "
                 f"digital (linear scale per panel)", fontsize=10)
    fig.tight_layout()
    return fig


def is_noise_axis(axis):
    """A device non-ideality axis: programming error, read noise and the like."""
    leaf = axis.rsplit(".", 1)[-1]
    return axis.startswith("tile.device.") and ("noise" in leaf or "sigma" in leaf)


def choose_figures(sweep):
    """[(figure name, builder, its axis)] for every figure the file's contents support."""
    r, axes = sweep.results, sweep.axes
    numeric = [a for a in axes if sweep.numeric(a) is not None and len(sweep.distinct(a)) > 1]
    chosen = []
    if "accuracy_mean" in r:
        noise = [a for a in numeric if is_noise_axis(a)]
        if noise:
            x = max(noise, key=lambda a: len(sweep.distinct(a)))
            chosen.append(("accuracy_vs_noise", figure_accuracy_vs_noise, x))
        times = [a for a in numeric if a.endswith("t_inference_s")]
        if times:
            chosen.append(("accuracy_vs_time", figure_accuracy_vs_time, times[0]))
        bits = [a for a in numeric if a.endswith("adc.bits")]
        if bits:
            chosen.append(("accuracy_adc_energy_vs_bits", figure_adc_bits, bits[0]))
        wires = [a for a in numeric if a.startswith("tile.wires.") and a.endswith("_wire_ohm")]
        if wires:
            chosen.append(("accuracy_vs_wire_resistance", figure_wire_resistance, wires[0]))
    if any(k.startswith("energy_j_by_component_analog/") for k in r) and any(
            k.startswith("energy_j_by_component_digital/") for k in r):
        chosen.append(("energy_breakdown", figure_energy_breakdown, panel_axis(sweep)))
    return chosen


def fraction(value):
    """An accuracy as a fraction in [0, 1]: catches a percentage passed by mistake."""
    x = float(value)
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not a fraction in [0, 1]")
    return x


def parse_args(argv):
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("result", help="results.h5 written by xbarsim sweep")
    p.add_argument("-o", "--output", required=True, help="folder for the figures")
    p.add_argument("--dpi", type=int, default=120, help="PNG resolution (default 120)")
    p.add_argument("--reference-accuracy", type=fraction, metavar="A",
                   help="draw a dashed line at this accuracy (a fraction, e.g. the float32 "
                        "accuracy from xbarsim eval on the same images)")
    p.add_argument("--reference-label", default="float32 reference",
                   help="legend text of the reference line")
    return p.parse_args(argv)


def main(argv=None):
    """Load, choose, draw; print every file written."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        sweep = load_sweep(args.result)
    except (ResultError, OSError) as e:
        print(f"plot.py: error: {e}", file=sys.stderr)
        return 2
    chosen = choose_figures(sweep)
    if not chosen:
        print(f"plot.py: error: {args.result}: nothing to plot (needs accuracy against a "
              f"tile.device noise axis or tile.adc.bits, or an energy breakdown)",
              file=sys.stderr)
        return 1
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "xbarsim"})
    reference = None
    if args.reference_accuracy is not None:
        reference = (args.reference_accuracy, args.reference_label)
    try:
        if os.path.exists(args.output) and not os.path.isdir(args.output):
            raise NotADirectoryError(f"{args.output}: exists and is not a folder")
        os.makedirs(args.output, exist_ok=True)
        for name, build, axis in chosen:
            fig = build(sweep, axis, reference)
            for path in save(fig, args.output, f"{sweep.name}_{name}", args.dpi):
                print(path)
    except OSError as e:
        # One line, as for bad input: an unwritable, full or misnamed output folder.
        where = e.filename if e.filename else args.output
        reason = e.strerror if e.strerror else str(e)
        print(f"plot.py: error: cannot write the figures to {where}: {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
