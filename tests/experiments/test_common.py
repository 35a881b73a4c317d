"""experiments/__init__.py (thread settings before jax) and experiments/common.py (shared flags,
quiet logging)."""

import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO

_PROBE = textwrap.dedent(
    """
    import os, pathlib, sys
    import orbax.checkpoint as ocp
    from absl import logging
    from experiments import common

    def main(argv):
        common.check_no_args(argv)
        logging.info("own info line")
        logging.info("data_dir=%s", common.data_dir())
        logging.info("workdir=%s", common.workdir("default_wd"))
        logging.info("download=%s", common.download())
        d = pathlib.Path(sys.argv[0]).parent / "ckpt"
        ocp.PyTreeCheckpointer().save((d / "x").resolve(), {"a": 1}, force=True)

    common.run(main)
    """
)


def _env(**kw):
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "JAXNAS_DATA_DIR")
    }
    env.update(kw)
    return env


def test_init_sets_threads_before_jax():
    code = (
        "import os, sys, experiments; assert 'jax' not in sys.modules; "
        "print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                       env=_env(OPENBLAS_NUM_THREADS="3"), capture_output=True, text=True,
                       timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "3"  # the user's setting wins


def test_package_init_runs_before_jax_in_a_binary():
    # ``python -m experiments.X`` imports the package (experiments/__init__.py, which sets the
    # variables without importing jax, see above) before X's body imports jax.
    cmd = [sys.executable, "-X", "importtime", "-m", "experiments.common"]
    r = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    names = [ln.rsplit("|", 1)[-1].strip() for ln in r.stderr.splitlines() if "|" in ln]
    assert "experiments" in names and "jax" in names
    assert names.index("experiments") < names.index("jax")


def _probe(tmp_path, *args, **env):
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    return subprocess.run([sys.executable, str(script), *args], cwd=REPO, env=_env(**env),
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_shared_flags_and_quiet_logging(tmp_path):
    env = {"PYTHONPATH": str(REPO), "JAXNAS_DATA_DIR": str(tmp_path / "env_data")}
    r = _probe(tmp_path, **env)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert any("own info line" in ln for ln in lines)
    assert any(f"data_dir={tmp_path / 'env_data'}" in ln for ln in lines)  # env var when no flag
    assert any("workdir=default_wd" in ln for ln in lines)
    assert any("download=True" in ln for ln in lines)
    third_party_info = [ln for ln in lines if ln.startswith("I") and "probe.py" not in ln]
    assert third_party_info == [], third_party_info
    # The flag beats the environment; --third_party_logs brings orbax's INFO lines back.
    r = _probe(tmp_path, "--data_dir=/flag/data", "--workdir=w", "--nodownload",
               "--third_party_logs", **env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "data_dir=/flag/data" in r.stderr and "workdir=w" in r.stderr
    assert "download=False" in r.stderr
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("I") and "probe.py" not in ln]
