#!/usr/bin/python3
"""`xbarsim optimize` under MPI (docs/optimizer.md#parallel-runs-determinism-and-resume).

    test_mpi_optimize.py XBARSIM MPIEXEC SOURCE_DIR

A small optimisation (the MLP, ADC bits 3..6) under -np 2 gives exactly the one-process
result: candidates.csv, allocation.csv, every evaluation file and every /candidates and
/result dataset of results.h5, byte for byte or value for value. Then a run stopped after a
few evaluations on one process resumes under -np 2 and equals it too.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_mpi_sweep import mpi_prefix, run  # noqa: E402


def args(source, out):
    return ["optimize", "sram", "--model", os.path.join(source, "data/models/fmnist_mlp.h5"),
            "--max-accuracy-drop", "0.02", "--range", "tile.adc.bits=3:6", "--trials", "2",
            "--search-images", "160", "--calibration-images", "64", "--test-images", "200",
            "--batch", "64", "--seed", "5", "-o", out]


def results_of(folder):
    out = {}
    for name in ("candidates.csv", "allocation.csv"):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = f.read()
    ev = os.path.join(folder, "evaluations")
    for name in sorted(os.listdir(ev)):
        with open(os.path.join(ev, name), "rb") as f:
            out["evaluations/" + name] = f.read()
    with h5py.File(os.path.join(folder, "results.h5"), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] in ("candidates", "result"):
                out[name] = np.asarray(obj[()]).tobytes()
        f.visititems(visit)
    return out


def main():
    xbarsim, mpiexec, source = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        one, many, resumed = (os.path.join(tmp, n) for n in ("one", "many", "resumed"))
        run([xbarsim, *args(source, one)])
        run([*mpi_prefix(mpiexec, 2), xbarsim, *args(source, many), "--jobs", "2"])
        run([xbarsim, *args(source, resumed), "--stop-after", "4"], expect=1)
        run([*mpi_prefix(mpiexec, 2), xbarsim, *args(source, resumed), "--resume"])
        want = results_of(one)
        for folder in (many, resumed):
            got = results_of(folder)
            if got.keys() != want.keys():
                sys.exit(f"FAIL: {folder}: other files or datasets: {sorted(got.keys() ^ want.keys())}")
            for key in want:
                if got[key] != want[key]:
                    sys.exit(f"FAIL: {folder}: {key} differs from the one-process run")
    print("PASS")


if __name__ == "__main__":
    main()
