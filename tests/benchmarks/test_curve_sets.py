"""Candidate sets with curves (jaxnas.benchmarks.curve_sets) on the real NB-NLP logs, and their
CurveProblem."""

import dataclasses

import numpy as np
import pytest

from jaxnas.benchmarks import curve_sets
from jaxnas.search import multifidelity as mf


@pytest.fixture(scope="module")
def nbnlp(data_dir):
    if not (data_dir / "nbnlp" / "train_logs_wikitext-2_logs.zip").is_file():
        pytest.skip("NB-NLP WikiText-2 logs not found")
    return data_dir


def test_nbnlp_set_cached_and_problem(nbnlp, tmp_path):
    s = curve_sets.Settings()
    cs = curve_sets.load_or_build("nbnlp_wt2", s, tmp_path, nbnlp, download=False)
    n = len(cs.x)
    assert cs.curves.shape == (n, 50) and list(cs.epochs) == list(range(1, 51))
    assert not cs.higher_is_better and np.isfinite(cs.curves).all() and (cs.full_time > 0).all()
    assert (tmp_path / "nbnlp_wt2.npz").is_file()
    again = curve_sets.load_or_build("nbnlp_wt2", s, tmp_path, nbnlp, download=False)
    for a, b in zip(cs, again, strict=True):
        np.testing.assert_array_equal(a, b)
    # Other settings of a set that does not depend on them: rebuilt, same arrays.
    other = dataclasses.replace(s, candidate_seed=3)
    rebuilt = curve_sets.load_or_build("nbnlp_wt2", other, tmp_path, nbnlp, download=False)
    np.testing.assert_array_equal(rebuilt.curves, cs.curves)
    cp = mf.from_curve_set(cs, num_neighbours=5)
    assert cp.sign == -1.0 and not cp.bounded and cp.e_max == 50
    np.testing.assert_allclose(cp.curves, -cs.curves)
    assert np.asarray(cp.problem.neighbours).shape == (n, 5)
    with pytest.raises(ValueError, match="unknown candidate set"):
        curve_sets.build("nope", s)
