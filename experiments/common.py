"""What every binary shares: ``--config`` / ``--data_dir`` / ``--workdir`` / ``--download``, quiet
logging and progress bars (:mod:`experiments.logs`), :func:`run` (``absl.app.run`` + set-up).

A binary imports this module instead of defining those flags itself (absl flags can be defined
only once per process, and several binaries are imported by the tests in one process)::

    from experiments import common

    def main(argv):
        common.check_no_args(argv)
        workdir = common.workdir("results/x11")  # --workdir, else this default
        bench = builtin.nb201("cifar10", common.data_dir(), download=common.download())
        for seed in common.progress(range(n), desc="seeds"):
            ...

    if __name__ == "__main__":
        common.run(main)

Multi-host: every binary takes ``--coordinator_address`` / ``--num_processes`` /
``--process_id`` (or ``--distributed_auto`` on Cloud TPU pod slices, SLURM or Open MPI, where
JAX detects all three); :func:`run` calls :func:`jaxnas.mesh.initialize` with them before
``main``, so before anything touches devices. Every process then runs the same program on the
same data; only process 0 writes files (:func:`jaxnas.io.set_writer` is False elsewhere; orbax
checkpoints are written by the primary host, every process takes part in the save)::

    python -m experiments.nb201_search ... --coordinator_address=10.0.0.1:1234 \
        --num_processes=2 --process_id=0      # and --process_id=1 on the second host

Thread settings (``OPENBLAS_NUM_THREADS``) are made in ``experiments/__init__.py``, which Python
runs before any ``experiments.<name>`` module body and so before jax is imported.
"""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Callable

from absl import app, flags
from ml_collections import config_flags

import experiments
from experiments.logs import progress as progress  # progress: re-exported
from experiments.logs import quiet_logging
from jaxnas import io as jio
from jaxnas import mesh
from jaxnas.data import resolve_data_dir

THREAD_ENV = experiments.THREAD_ENV

_DATA_DIR = flags.DEFINE_string(
    "data_dir",
    None,
    "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else <jaxnas cache>/data).",
)
_WORKDIR = flags.DEFINE_string(
    "workdir", None, "Where this binary writes its results (each binary has its own default)."
)
_DOWNLOAD = flags.DEFINE_bool(
    "download", True, "Download missing benchmark files (sha256-checked) into the cache."
)
_THIRD_PARTY_LOGS = flags.DEFINE_bool(
    "third_party_logs", False, "Show INFO logging of other libraries (orbax, jax, etils, ...)."
)

_COORDINATOR = flags.DEFINE_string(
    "coordinator_address",
    None,
    "Multi-host: host:port of process 0's jax.distributed coordinator (every process passes it).",
)
_NUM_PROCESSES = flags.DEFINE_integer(
    "num_processes", None, "Multi-host: number of processes of the run."
)
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "Multi-host: this process's index.")
_DISTRIBUTED_AUTO = flags.DEFINE_bool(
    "distributed_auto",
    False,
    "Multi-host: jax.distributed.initialize() with everything auto-detected (Cloud TPU pod "
    "slices, SLURM, Open MPI); leave the three flags above unset.",
)


def define_config(default: str, help_text: str, name: str = "config"):
    """The binary's ``--config`` flag (an ml_collections config file, locked against new keys),
    overridable field by field as ``--config.<field>=...``."""
    return config_flags.DEFINE_config_file(name, default, help_text, lock_config=True)


def config_main(default: str, help_text: str, fn: Callable[..., object]):
    """The ``main`` of a binary that runs ``fn(config, workdir)`` on its ``--config`` (defined
    here with :func:`define_config`) and ``--workdir``."""
    config = define_config(default, help_text)

    def main(argv):
        check_no_args(argv)
        fn(config.value, workdir())

    return main


def data_dir() -> pathlib.Path:
    """The data directory: ``--data_dir`` > ``$JAXNAS_DATA_DIR`` > ``<jaxnas cache>/data``."""
    return resolve_data_dir(_DATA_DIR.value)


def workdir(default: str | pathlib.Path | None = None) -> pathlib.Path:
    """``--workdir``, else ``default``; raises ``app.UsageError`` when neither is given."""
    w = _WORKDIR.value or default
    if w is None:
        raise app.UsageError("--workdir is required")
    return pathlib.Path(w)


def download() -> bool:
    """``--download``: whether missing benchmark files may be downloaded."""
    return _DOWNLOAD.value


def check_no_args(argv) -> None:
    """Raises ``app.UsageError`` on positional arguments (all input goes through flags)."""
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")


def initialize_distributed() -> None:
    """:func:`jaxnas.mesh.initialize` from the multi-host flags (a no-op without them); on every
    process but process 0 file writes through :mod:`jaxnas.io` are then turned off."""
    n = _NUM_PROCESSES.value
    mesh.initialize(_COORDINATOR.value, n, _PROCESS_ID.value, auto=_DISTRIBUTED_AUTO.value)
    multi = _DISTRIBUTED_AUTO.value or (n or 1) > 1
    if multi and not mesh.is_primary():
        jio.set_writer(False)


def run(main: Callable[[list[str]], object]) -> None:
    """``absl.app.run(main)`` with :func:`quiet_logging` and :func:`initialize_distributed`
    applied after flag parsing."""

    def _main(argv):
        quiet_logging(third_party=_THIRD_PARTY_LOGS.value)
        initialize_distributed()
        return main(argv)

    # `--help` lists the binary's own flags; the shared ones (--config, --data_dir, --workdir,
    # the multi-host settings) are defined here, so they are made key flags of the binary too.
    for flag in flags.FLAGS.get_flags_for_module(__name__):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(_main)
