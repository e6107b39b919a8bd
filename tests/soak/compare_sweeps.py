#!/usr/bin/python3
"""Compares two sweep output folders for the kill-and-resume soak (tests/soak/kill_resume.sh).

    compare_sweeps.py REFERENCE CANDIDATE

Exit 0 when CANDIDATE holds exactly what REFERENCE holds:
  - the same set of files (no temporaries left behind by a kill, no failure reports);
  - every file other than results.h5 byte for byte (summary.csv, every task file, the
    manifest);
  - results.h5 (schema_version 2, docs/result_format.md#hdf5): the same objects, and every
    dataset and attribute with the same type, shape and bytes (the typed /axes, the points x
    trials accuracy and the `per` and `batch` attributes of the energies included). Two things differ between any two runs, interrupted or not, and are left out:
    the root attribute `date_and_time_utc` (when the file was written) and the HDF5 object
    modification times in the object headers, which is why the file is compared object by
    object instead of with cmp.
Exit 1 with one line per difference otherwise.
"""
import os
import sys

import h5py
import numpy as np

# Root attributes that record when the file was written, not what was computed.
RUN_DEPENDENT = {"date_and_time_utc"}
# The results.h5 layouts this script was written for: a file of another layout is reported, not
# compared, since two files equal in a layout it does not know prove nothing about it.
KNOWN_SCHEMA_VERSIONS = {2}


def files_of(folder):
    out = set()
    for root, _, names in os.walk(folder):
        for name in names:
            out.add(os.path.relpath(os.path.join(root, name), folder))
    return out


def value_bytes(value):
    array = np.asarray(value)
    return array.dtype.str, array.shape, array.tobytes()


def hdf5_contents(path):
    """Every object of the file: its kind, and the type, shape and bytes of what it holds."""
    out = {}
    with h5py.File(path, "r") as f:
        version = f.attrs.get("schema_version")
        if version is None or int(version) not in KNOWN_SCHEMA_VERSIONS:
            raise ValueError(f"{path}: schema_version {version} is not one this script knows "
                             f"({sorted(KNOWN_SCHEMA_VERSIONS)})")

        def record(name, obj):
            if isinstance(obj, h5py.Dataset):
                out["dataset " + name] = (obj.dtype.str, obj.shape, value_bytes(obj[()]))
            else:
                out["group " + name] = ()
            for key, value in obj.attrs.items():
                if name == "/" and key in RUN_DEPENDENT:
                    continue
                out[f"attribute {name}@{key}"] = value_bytes(value)

        record("/", f)
        f.visititems(record)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reference, candidate = sys.argv[1], sys.argv[2]
    problems = []
    ref_files, cand_files = files_of(reference), files_of(candidate)
    for name in sorted(ref_files - cand_files):
        problems.append(f"{candidate}/{name}: missing (it is in {reference})")
    for name in sorted(cand_files - ref_files):
        problems.append(f"{candidate}/{name}: not in {reference} (left behind by a kill?)")
    for name in sorted(ref_files & cand_files):
        a, b = os.path.join(reference, name), os.path.join(candidate, name)
        if name == "results.h5":
            try:
                ra, rb = hdf5_contents(a), hdf5_contents(b)
            except ValueError as e:
                problems.append(str(e))
                continue
            for key in sorted(ra.keys() ^ rb.keys()):
                problems.append(f"{b}: {key} only in {'the reference' if key in ra else 'it'}")
            problems += [f"{b}: {key} differs" for key in sorted(ra.keys() & rb.keys())
                         if ra[key] != rb[key]]
        else:
            with open(a, "rb") as fa, open(b, "rb") as fb:
                if fa.read() != fb.read():
                    problems.append(f"{b}: differs from {a}")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
