"""xbarsim: accuracy, ADC resolution and energy of analog in-memory DNN accelerators.

A thin layer over the C++ library (docs/python.md)::

    import xbarsim
    arch = xbarsim.Arch("reram", overrides={"tile.adc.bits": 6})
    result = xbarsim.evaluate(arch, "fmnist_cnn.h5", limit=1000)

Every job returns the fields of the command line's ``--format json`` as dicts,
lists and numpy arrays; every library error is raised as ``xbarsim.Error`` or
one of its subclasses (``ConfigError``, ``ShapeError``, ``IoError``) with the
command line's message.
"""

from ._xbarsim import (  # noqa: F401  (the public API)
    AnalogMatrix,
    Arch,
    ConfigError,
    Error,
    IoError,
    NetworkSession,
    ShapeError,
    __version__,
    data_dir,
    estimate_energy,
    evaluate,
    git_sha1,
    program,
    sweep,
)

__all__ = [
    "AnalogMatrix", "Arch", "ConfigError", "Error", "IoError", "NetworkSession",
    "ShapeError", "data_dir", "estimate_energy", "evaluate", "program", "sweep",
]
