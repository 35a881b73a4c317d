"""Shared test fixtures and helpers.

The real benchmark files are read from ``$JAXNAS_DATA_DIR`` (``.ci/run`` points it at
``../shared/data``); when unset, ``../shared/data`` next to the repository is used if present.
Tests that need a file that is absent are skipped with a message saying where it was looked for.

Binaries are run with :func:`run_binary` (also the ``run_binary`` fixture), which always passes
``--data_dir`` set to that same directory, so a binary never falls back to the user's cache.

Tests marked ``slow`` are deselected unless ``-m slow`` (or another ``-m`` expression) or
``--run-slow`` (everything) is given, or the test is named by node id (``path::test``): the
README's test command runs the fast ones, ``.ci/run`` then runs the slow ones with ``-m slow``.
"""

import os
import pathlib
import subprocess
import sys

import jax
import pytest
import threadpoolctl

jax.config.update("jax_numpy_rank_promotion", "raise")

REPO = pathlib.Path(__file__).resolve().parents[1]


def _data_dir() -> pathlib.Path:
    env = os.environ.get("JAXNAS_DATA_DIR")
    if env:
        return pathlib.Path(env)
    return REPO.parent / "shared" / "data"


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run tests marked slow"
    )


def pytest_collection_modifyitems(config, items):
    # An explicit -m expression (e.g. ``-m slow`` or ``-m ""``) decides on its own.
    if config.getoption("--run-slow") or config.option.markexpr:
        return
    # Tests named by node id on the command line (path::test) run even when slow.
    named = tuple(a.split("::", 1)[1] for a in config.args if "::" in a)

    def deselect(item) -> bool:
        return "slow" in item.keywords and not item.nodeid.split("::", 1)[1].startswith(named)

    slow = [item for item in items if deselect(item)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not deselect(item)]


def run_binary(
    module: str,
    *args: str,
    data_dir: bool = True,
    timeout: float = 600,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    """Runs ``python -m <module> *args`` from the repository root; never raises on failure.

    Args:
      module: e.g. ``"experiments.x11_table"``.
      *args: flags, each one string (``"--workdir=..."``).
      data_dir: pass ``--data_dir=<the tests' data directory>`` (every binary importing
        ``experiments.common`` has the flag); False for a binary without it.
      timeout: seconds before ``subprocess.TimeoutExpired``.
      env: extra environment variables (added to this process's environment).

    Returns:
      The ``CompletedProcess`` with text ``stdout`` / ``stderr``.
    """
    cmd = [sys.executable, "-m", module, *args]
    if data_dir and not any(a.startswith("--data_dir") for a in args):
        cmd.append(f"--data_dir={_data_dir()}")
    full_env = None if env is None else {**os.environ, **env}
    return subprocess.run(
        cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def run_smoke(module: str, config: str, workdir, *args: str, timeout: float = 900):
    """Runs ``module`` as a user runs a smoke config (``--config=<config>``, ``*args``,
    ``--workdir=<workdir>``, ``--nodownload``, the tests' ``--data_dir``) and fails the test
    unless it exits 0. Returns the ``CompletedProcess``."""
    r = run_binary(
        module, f"--config={config}", *args, f"--workdir={workdir}", "--nodownload",
        timeout=timeout,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return r


@pytest.fixture(name="run_binary", scope="session")
def run_binary_fixture():
    """:func:`run_binary` as a fixture."""
    return run_binary


@pytest.fixture(scope="session")
def data_dir() -> pathlib.Path:
    d = _data_dir()
    if not d.is_dir():
        pytest.skip(f"benchmark data directory {d} not found (set JAXNAS_DATA_DIR)")
    return d


@pytest.fixture(scope="session")
def data_file(data_dir):
    def get(rel: str) -> pathlib.Path:
        p = data_dir / rel
        if not p.is_file():
            pytest.skip(f"data file {p} not found")
        return p

    return get


@pytest.fixture(scope="module")
def single_threaded_blas():
    """BLAS limited to one thread for a module (``pytestmark = pytest.mark.usefixtures(...)``):
    jaxlib's CPU linear algebra calls scipy's OpenBLAS; on an oversubscribed machine its
    spinning threads make small Cholesky / triangular solves ~100x slower."""
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield
