"""Shared test fixtures.

The real benchmark files are read from ``$JAXNAS_DATA_DIR`` (``.ci/run`` points it at
``../shared/data``); when unset, ``../shared/data`` next to the repository is used if present.
Tests that need a file that is absent are skipped with a message saying where it was looked for.
"""

import os
import pathlib

import jax
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")

REPO = pathlib.Path(__file__).resolve().parents[1]


def _data_dir() -> pathlib.Path:
    env = os.environ.get("JAXNAS_DATA_DIR")
    if env:
        return pathlib.Path(env)
    return REPO.parent / "shared" / "data"


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
