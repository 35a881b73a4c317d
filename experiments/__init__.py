"""The experiment binaries (``python -m experiments.<name>``).

Python runs this file before the body of any ``experiments.<name>`` module, so the thread
settings below take effect before the binary imports jax or numpy. They use ``setdefault``:
a variable already set in the environment wins. Nothing here imports jax.

``OPENBLAS_NUM_THREADS=1``: jaxlib's CPU linear algebra (``eigh``/``cholesky`` under ``vmap``)
otherwise starts one OpenBLAS thread pool per call and oversubscribes the cores; one thread was
measured faster for the vmapped searches (see ``experiments/nb201_search.py``).
``TF_CPP_MIN_LOG_LEVEL=1``: XLA's C++ INFO lines off (warnings and errors stay).
"""

import os

THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1"}
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "1"}

for _name, _value in {**THREAD_ENV, **QUIET_ENV}.items():
    os.environ.setdefault(_name, _value)
