"""notebooks/colab_tpu.ipynb runs end to end (on CPU, at smoke size: the settings cell is
replaced, nothing else), so the notebook cannot rot."""

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "colab_tpu.ipynb"


def _settings(data_dir, workdir) -> str:
    return "\n".join([
        "REPO_URL = ''",
        f"REPO_DIR = {str(REPO)!r}",
        "INSTALL = False",
        f"DATA_DIR = {str(data_dir)!r}",
        f"WORKDIR = {str(workdir)!r}",
        "SEARCH_FLAGS = ['--config=experiments/configs/search_nb201.py:smoke',",
        "                \"--config.methods=('rs','arch2vec_bo')\", '--pretrain',",
        "                '--pretrain_config=experiments/configs/arch2vec_nb201.py:smoke',",
        "                '--pretrain_config.num_cells=0',",
        "                '--pretrain_config.eval_batch_size=2048']",
        "CATE_FLAGS = ['--config=experiments/configs/cate_nb201.py:smoke']",
        "DATA_FILES = ['nb201_naslib_zen', 'nb201_vis_arch']",
    ])  # fmt: skip


def test_notebook_has_one_settings_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    src = tagged[0].source
    assert "search_nb201.py\"" in src and "cate_nb201.py\"" in src  # reference settings
    assert ":reference" in src and "INSTALL = True" in src


@pytest.mark.slow
def test_colab_notebook_runs_at_smoke_size_on_cpu(tmp_path, data_dir):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = _settings(data_dir, tmp_path)
    NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs)
    assert "verified" in text and "arch2vec pretrained on NB201" in text
    shown = [o for o in outputs if o.output_type == "display_data"]
    markdown = "".join(o.data.get("text/markdown", "") for o in shown)
    assert "| cifar10 | arch2vec-BO | 2 |" in markdown
    assert any("image/png" in o.data for o in shown)
    assert (tmp_path / "cate_nb201" / "results.json").is_file()
