#!/usr/bin/env python3
"""End-to-end test of experiments/plot.py on the quick modes of the shipped studies.

Usage: test_plot.py XBARSIM_BINARY SOURCE_DIR (exit status 0 = pass).

Runs `xbarsim sweep --quick --jobs 1` on every study in SOURCE_DIR/experiments into a
temporary folder, plots each result, and checks that the figures the file's contents call
for exist as valid, non-empty PNG and SVG files with no temporary file left behind. Then
checks that plot.py refuses, with a non-zero exit and a message, an HDF5 file that is not a
sweep result and a sweep result with an unknown schema_version, and that it draws the same
figures from a result rewritten in the version-1 layout (schema_version 1: axis:KEY
attributes, a flat accuracy, energy_breakdown_* groups) as from the version-2 original.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import h5py

# Figures each quick study must give (experiments/plot.py names them <study>_<figure>).
EXPECTED = {
    "adc_bits": ["accuracy_adc_energy_vs_bits", "energy_breakdown"],
    "noise_accuracy": ["accuracy_vs_noise"],
    "drift_accuracy": ["accuracy_vs_time"],
    "relaxation_accuracy": ["accuracy_vs_time"],
    "energy_compare": ["energy_breakdown"],
    "ir_drop": ["accuracy_vs_wire_resistance"],
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

failures = []


def check(condition, message):
    """Record a failure and carry on, so one run reports every problem."""
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def run(cmd, **kwargs):
    """Run a command, capturing its output as text."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)


def plot(source, result, out_dir):
    """plot.py on one file, with this interpreter (the one that has h5py and matplotlib)."""
    return run([sys.executable, os.path.join(source, "experiments", "plot.py"), result,
                "-o", out_dir])


def check_png(path):
    """PNG signature, an IHDR chunk first, and a plausible image and file size."""
    with open(path, "rb") as f:
        head = f.read(24)
    size = os.path.getsize(path)
    if not check(head[:8] == PNG_MAGIC and head[12:16] == b"IHDR", f"{path}: not a PNG"):
        return
    width, height = struct.unpack(">II", head[16:24])
    check(200 <= width <= 5000 and 200 <= height <= 5000,
          f"{path}: implausible size {width} x {height} px")
    check(5_000 <= size <= 3_000_000, f"{path}: implausible file size {size} bytes")


def check_svg(path):
    """An XML document with one complete <svg> element."""
    with open(path, encoding="utf-8") as f:
        body = f.read()
    check(body.lstrip().startswith("<?xml") and "<svg" in body
          and body.rstrip().endswith("</svg>"), f"{path}: not a complete SVG file")


def check_study(binary, source, tmp, study):
    """Quick sweep of one study, then its figures; returns the result file (or None)."""
    spec = os.path.join(source, "experiments", study, "experiment.yaml")
    out = os.path.join(tmp, study)
    start = time.monotonic()
    r = run([binary, "sweep", spec, "--quick", "--jobs", "1", "-o", out], cwd=tmp)
    print(f"{study}: sweep --quick {time.monotonic() - start:.1f} s")
    result = os.path.join(out, "results.h5")
    if not check(r.returncode == 0 and os.path.isfile(result),
                 f"{study}: sweep failed ({r.returncode}): {r.stderr.strip()}"):
        return None
    figures = os.path.join(tmp, "figures", study)
    r = plot(source, result, figures)
    if not check(r.returncode == 0, f"{study}: plot.py failed ({r.returncode}): "
                                    f"{r.stderr.strip()}"):
        return result
    expected = {f"{study}_{name}.{fmt}" for name in EXPECTED[study] for fmt in ("png", "svg")}
    present = set(os.listdir(figures))
    check(present == expected, f"{study}: figures {sorted(present)}, expected {sorted(expected)}")
    for name in sorted(expected & present):
        path = os.path.join(figures, name)
        check(os.path.getsize(path) > 0, f"{path}: empty")
        (check_png if name.endswith(".png") else check_svg)(path)
    return result


def check_rejects(source, tmp, sweep_result):
    """plot.py must refuse a non-sweep HDF5 file and an unknown schema_version, writing nothing."""
    model = os.path.join(source, "data", "models", "fmnist_cnn.h5")  # HDF5, but a model
    bad_schema = os.path.join(tmp, "schema99.h5")
    shutil.copyfile(sweep_result, bad_schema)
    with h5py.File(bad_schema, "r+") as f:
        f.attrs["schema_version"] = 99
    text_file = os.path.join(tmp, "not_hdf5.h5")
    with open(text_file, "w", encoding="utf-8") as f:
        f.write("not an HDF5 file\n")
    cases = [(model, "not an xbarsim sweep result"), (bad_schema, "schema_version 99"),
             (text_file, "not an HDF5 file")]
    for k, (path, message) in enumerate(cases):
        out = os.path.join(tmp, f"rejected_{k}")
        r = plot(source, path, out)
        check(r.returncode != 0, f"plot.py accepted {path}")
        check(message in r.stderr, f"plot.py on {path}: message {r.stderr.strip()!r} lacks "
                                   f"{message!r}")
        check(not os.path.exists(out) or not os.listdir(out),
              f"plot.py wrote files for the rejected {path}")


def to_version_1(v2, v1):
    """Rewrite a version-2 result in the version-1 layout that earlier releases wrote."""
    shutil.copyfile(v2, v1)
    with h5py.File(v1, "r+") as f:
        f.attrs["schema_version"] = 1
        for name, column in f["axes"].items():
            path = column.attrs["path"]
            path = path.decode() if isinstance(path, bytes) else path
            for i, value in enumerate(column[()]):
                text = value.decode() if isinstance(value, bytes) else (
                    str(int(value)) if column.dtype.kind == "i" else repr(float(value)))
                if text:
                    f["points"][f"{i:05d}"].attrs["axis:" + path] = text
        del f["axes"]
        accuracy = f["results"].get("accuracy")
        if accuracy is not None:
            points, trials = accuracy.shape
            flat = accuracy[()].reshape(-1)
            del f["results/accuracy"]
            f["results/accuracy"] = flat
            f["results/accuracy"].attrs["shape"] = f"{points}x{trials}"
        for side in ("analog", "digital"):
            if f"results/energy_j_by_component_{side}" in f:
                f.move(f"results/energy_j_by_component_{side}",
                       f"results/energy_breakdown_{side}")
            if f"results/energy_per_inference_j_{side}" in f:
                del f[f"results/energy_per_inference_j_{side}"]


def check_version_1(source, tmp, sweep_result):
    """plot.py reads version-1 files too: the same figures, byte for byte, as from version 2."""
    v1 = os.path.join(tmp, "version1.h5")
    to_version_1(sweep_result, v1)
    out2, out1 = os.path.join(tmp, "figures_v2"), os.path.join(tmp, "figures_v1")
    r2, r1 = plot(source, sweep_result, out2), plot(source, v1, out1)
    if not check(r2.returncode == 0 and r1.returncode == 0,
                 f"plot.py on version 2 ({r2.returncode}) or 1 ({r1.returncode}) failed: "
                 f"{r2.stderr.strip()} {r1.stderr.strip()}"):
        return
    svgs = sorted(n for n in os.listdir(out2) if n.endswith(".svg"))
    svgs1 = sorted(n for n in os.listdir(out1) if n.endswith(".svg"))
    check(svgs and svgs == svgs1, f"figures of version 2 {svgs}, of version 1 {svgs1}")
    for name in sorted(set(svgs) & set(svgs1)):
        with open(os.path.join(out2, name), "rb") as a, open(os.path.join(out1, name), "rb") as b:
            check(a.read() == b.read(), f"{name}: version 1 and version 2 figures differ")


def check_output_errors(source, tmp, sweep_result):
    """An output folder that cannot be made or written: one line on stderr, exit 2."""
    blocker = os.path.join(tmp, "a_file")
    with open(blocker, "w", encoding="utf-8") as f:
        f.write("not a folder\n")
    for out in (blocker, os.path.join(blocker, "figures")):
        r = plot(source, sweep_result, out)
        check(r.returncode == 2, f"plot.py -o {out}: exit {r.returncode}, expected 2")
        lines = r.stderr.strip().splitlines()
        check(len(lines) == 1, f"plot.py -o {out}: {len(lines)} lines on stderr: {r.stderr!r}")
        check("Traceback" not in r.stderr, f"plot.py -o {out}: a traceback: {r.stderr!r}")
        check(blocker in r.stderr, f"plot.py -o {out}: message {r.stderr!r} lacks the path")


def main():
    """Every study, then the rejections; report and exit non-zero on any failure."""
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for path, what in ((binary, "xbarsim binary"), (os.path.join(source, "experiments",
                                                                  "plot.py"), "plot.py")):
        if not os.path.isfile(path):
            print(f"test_plot.py: no {what} at {path}", file=sys.stderr)
            return 2
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="xbarsim_test_plot_") as tmp:
        results = {study: check_study(binary, source, tmp, study) for study in EXPECTED}
        sample = results.get("energy_compare") or next((r for r in results.values() if r), None)
        if check(sample is not None, "no sweep result to build the rejection cases from"):
            check_rejects(source, tmp, sample)
            both = results.get("adc_bits") or sample  # accuracy, int axis, energy breakdown
            check_version_1(source, tmp, both)
            check_output_errors(source, tmp, sample)
    print(f"test_plot.py: {time.monotonic() - start:.1f} s, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
