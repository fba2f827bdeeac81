"""Worker processes of the lab: one BLAS thread each.

The lab's matrices are too small for BLAS threads to pay off, while one worker process per core
doubles the throughput on two cores; a sweep, the data experiments, a live training run and the
MFU measurement all start their workers inside :func:`single_threaded_blas`.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def single_threaded_blas():
    """Children started while this is active get one BLAS thread each (spawned processes read the
    environment at import); the environment is restored on exit."""
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: "1" for name in _THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
