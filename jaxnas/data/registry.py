"""Registry of the upstream benchmark files jaxnas reads.

Every entry records where a file lives in the local data directory (``relpath``), where it
comes from upstream (``repo`` @ ``commit`` : ``path``), its sha256 and size, and its licence.
The registry is a constant: nothing here touches the file system.

Entries whose upstream commit is not precisely known have ``commit=None``; they cannot be
downloaded and :func:`jaxnas.data.fetch` says so and where to place the file by hand.
"""

from __future__ import annotations

import dataclasses
import types
import urllib.parse
from collections.abc import Mapping

DEFAULT_BASE_URL = "https://raw.githubusercontent.com"


@dataclasses.dataclass(frozen=True)
class DataFile:
    """One upstream data file.

    Attributes:
      name: short registry key, e.g. ``"nb101_ecnas_4v9e"``.
      relpath: path relative to the data directory, e.g. ``"nb101/energy_4V9E.tfrecord"``.
      repo: upstream ``owner/name`` (GitHub) or None.
      commit: upstream commit (40 hex digits) or None when not precisely known.
      path: path of the file inside the upstream repository, or None.
      sha256: sha256 hex digest of the file.
      size: size in bytes.
      licence: licence of the file as far as known.
      description: one line on what the file holds.
      note: anything uncertain about provenance.
      source_url: a direct download URL for files not hosted on GitHub (then ``repo``,
        ``commit`` and ``path`` may be None); a non-default ``base_url`` replaces its host.
    """

    name: str
    relpath: str
    repo: str | None
    commit: str | None
    path: str | None
    sha256: str
    size: int
    licence: str
    description: str
    note: str = ""
    source_url: str | None = None

    @property
    def downloadable(self) -> bool:
        """Whether the upstream coordinates are precise enough to build a download URL."""
        return bool(self.source_url or (self.repo and self.commit and self.path))

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        """Raw-file URL ``{base_url}/{owner}/{repo}/{commit}/{path}``, or :attr:`source_url`.

        Raises:
          ValueError: if the upstream commit or path is not known.
        """
        if self.source_url:
            if base_url.rstrip("/") == DEFAULT_BASE_URL:
                return self.source_url
            path = urllib.parse.urlsplit(self.source_url).path.lstrip("/")
            return f"{base_url.rstrip('/')}/{path}"
        if not self.downloadable:
            raise ValueError(
                f"{self.relpath}: upstream location not precisely known "
                f"(repo={self.repo}, commit={self.commit}, path={self.path}); {self.note}"
            )
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{self.path}"


_NASLIB = "automl/NASLib"
_VIS = "tiga1231/nasbench-vis"
_ECNAS = "PedramBakh/EC-NAS-Bench"
_YAHPO = "slds-lmu/yahpo_data"
_YAHPO_COMMIT = "0e288068134f4af8d231c63d2a941e5ab8060ef0"
_NLP = "fmsnew/nas-bench-nlp-release"
_DYHPO = "machinelearningnuremberg/DyHPO"
_DYHPO_COMMIT = "cfba15aecf21e8c312c45d053f1ab6426a9973ce"
_SURROGATE_NOTE = "A trained surrogate model (YAHPO Gym nb301 v2), not measured data."

TASKSET_TASKS = (
    "FixedTextRNNClassification_imdb_patch128_LSTM128_avg_bs64",
    "FixedTextRNNClassification_imdb_patch128_LSTM128_embed128_bs64",
    "FixedTextRNNClassification_imdb_patch32_GRU64_avg_bs128",
    "FixedTextRNNClassification_imdb_patch32_IRNN64_relu_last_bs128",
    "FixedTextRNNClassification_imdb_patch32_LSTM128_bs128",
    "FixedTextRNNClassification_imdb_patch32_VRNN64_relu_avg_bs128",
)

_TASKSET_SHA = (
    ("5f5a332e45231a5639d43ff35ffac6bba28836593953a428dc0b508f8d4ea264", 3213812),
    ("cf04eeed0cf4f4950666841756d9988d4d529c8aebd433c0303464cfec5a4e2d", 3230232),
    ("d3650db950bf292d52972db69fe3bfd7d2588d68b7b40f5c496977e8ebab11bc", 3365837),
    ("2e82adc0fed36722e6ef38e4a3ab54d77e8495ce7482f35389000e29da5ac010", 2841114),
    ("08a52b1102b6b010ece9fa5549b2b16b0e782aca3fbd8119b4c0447fa9d72558", 3373258),
    ("e48a689597342aec59c60ed94f58cff5d874bff581642f7f6662fea874b1b1b1", 3008500),
)

_APACHE_LICENCE_SHA = "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4"


def _entries() -> tuple[DataFile, ...]:
    f = DataFile
    out = [
        # --- NAS-Bench-101 -------------------------------------------------------------
        f(
            "nb101_vis_20k",
            "nb101/nasbench_vis_data-20k.json",
            _VIS,
            "107938e6bcb1c2ebb34c1966e1e604bfdecd7c40",
            "static/data/data-20k.json",
            "7eaca9658aebf16443d3df5b38e61fe75d85787abc485cfc9a2088328443c3e9",
            2862972,
            "none stated in the repo; NAS-Bench-101 data (Apache-2.0), cite NAS-Bench-101",
            "20,001 NB101 models, column-wise: hash, validation accuracy at 4/12/36/108 "
            "epochs, training time, params (no graphs)",
        ),
        f(
            "nb101_naslib_zc",
            "nb101/naslib_zc_nasbench101.json",
            _NASLIB,
            "22280f711aa782fe9157d1b4e5ce4f83f47ab908",
            "naslib/data/zc_nasbench101.json",
            "c34840bc9af68b6ebaa7f052e42c1749a9a737d7243078be2a5548052bc5a0c2",
            259564,
            "Apache-2.0",
            "500 NB101 graphs with 108-epoch validation accuracy, FLOPs, params and "
            "zero-cost proxy scores",
        ),
        f(
            "nb101_naslib_zen",
            "nb101/naslib_nb101_zen.zip",
            _NASLIB,
            "7c721be0401aef71bbac035f3eebdb3fe5447f6c",
            "run/results/benchmarks/nb101_zen.zip",
            "8e15014bb9919b42c29542d4fbd1c355f7ca37e02a2199af4510c354617d83c0",
            381800,
            "Apache-2.0",
            "10,250 NB101 graphs as NASLib tuples with a Zen-NAS score; no accuracy",
        ),
        f(
            "nb101_ecnas_4v9e",
            "nb101/energy_4V9E.tfrecord",
            _ECNAS,
            None,
            "ecnas/ecnas/utils/data/tabular_benchmarks/energy_4V9E.tfrecord",
            "eba6c177999103d7c938028e410836c1b62213a076b0e7436de85da8f81d974c",
            893556,
            "MIT",
            "EC-NAS-Bench in the NAS-Bench-101 TFRecord format: 91 cells with <= 4 vertices, "
            "budgets 4/12/36/108 x 3 repeats, with energy",
            "Found in the repository's git history as blob "
            "d73fb1b8ba91235f97421d8ed6fd713e0cbeb3fb; the commit is not recorded "
            "(the path is the one the file has in the repository).",
        ),
        f(
            "nb101_ecnas_5v9e",
            "nb101/energy_5V9E.tfrecord",
            _ECNAS,
            None,
            "ecnas/ecnas/utils/data/tabular_benchmarks/energy_5V9E.tfrecord",
            "0be8df1e21dac4e7a927ee13823fb3f30fd900f8dee2a41f1572319e8af702cc",
            2136916,
            "MIT",
            "EC-NAS-Bench, NB101 TFRecord format: 2,532 cells with <= 5 vertices, 4-epoch "
            "budget only",
            "Found in the repository's git history as blob "
            "bf49cab6d53f6b7cb8accd49b2e105fc20ba7065; the commit is not recorded.",
        ),
        f(
            "nb101_ecnas_license",
            "nb101/LICENSE.ec-nas-bench",
            _ECNAS,
            None,
            "LICENSE",
            "aa009f50de6f75ae19c3a4b6426dc4cd8fdeaeddf8c09e055457fce82a05539d",
            1069,
            "MIT",
            "Licence of the EC-NAS-Bench files",
            "The repository's LICENSE; the commit is not recorded.",
        ),
        # --- NAS-Bench-201 -------------------------------------------------------------
        f(
            "nb201_naslib_zen",
            "nb201/naslib_nb201_zen.zip",
            _NASLIB,
            "0428083bb8a5c79823da72bd471cf2aabd3a3bb7",
            "run/results/benchmarks/nb201_zen.zip",
            "6c9aec8cd0c235d7b7a37a27f224bb719e7376e8048f2dd6d91bc06dcfcc2a2e",
            1661280,
            "Apache-2.0 (NB201 data: MIT)",
            "All 15,625 NB201 cells x 3 datasets: NASLib op-index tuple, final validation "
            "accuracy, Zen score",
        ),
        f(
            "nb201_vis_arch",
            "nb201/nasbench_vis_nas-201-arch.json",
            _VIS,
            "680e8b3290611b16c337c0739f4c61e009c046d7",
            "static/data/nas-201-arch.json",
            "1782705d4e2685f789c5292bf5ba2ad07149db3360b1d1abd61d76d3467c8f79",
            2714311,
            "none stated in the repo; NAS-Bench-201 data (MIT)",
            "The 15,625 official NB201 arch strings in API index order + CIFAR-10 test "
            "accuracy (200 epochs, seed mean)",
        ),
        f(
            "nb201_naslib_zc",
            "nb201/naslib_zc_nasbench201.json",
            _NASLIB,
            None,
            "naslib/data/zc_nasbench201.json",
            "5dcbbcd56812a9f62164a376bc7df4082ab3af612082b6d26a845930e6eb8641",
            1963032,
            "Apache-2.0",
            "725 NB201 cells x 3 datasets with FLOPs, params, validation accuracy and "
            "zero-cost proxy scores",
            "June 2022 version of the NASLib file; the commit is not recorded.",
        ),
        # --- DARTS / NAS-Bench-301 -----------------------------------------------------
        f(
            "darts_naslib_archs",
            "darts/naslib_archs_nasbench301.json",
            _NASLIB,
            None,
            "naslib/data/archs/archs_nasbench301.json",
            "6b68ff99698cfa490cc47001fa5d1664ffc2aac50599ca6cabc79fe87855d4b5",
            1615935,
            "Apache-2.0",
            "11,221 DARTS genotypes (the NB301 training architectures), no labels",
            "The commit is not recorded.",
        ),
        f(
            "darts_naslib_zc",
            "darts/naslib_zc_nasbench301.json",
            _NASLIB,
            "6639fd1579010457885c641553c55b0c153045aa",
            "naslib/data/zc_nasbench301.json",
            "537e9abd6f0b14fdffdfcb3c07b18a037647b5c80808b3b2cf9a51b1b491aba1",
            820765,
            "Apache-2.0",
            "725 DARTS genotypes with FLOPs, params, zero-cost proxies and val_accuracy that "
            "are NB301 v1.0 surrogate predictions (not real training)",
        ),
    ]
    yahpo = (
        ("model", "model_v2.onnx", 2781646,
         "e7168d495cf7fe6419b69234a052571536c2a5f6d7a8a2aead4e9d04dffac1d6"),
        ("encoding", "encoding_v2.json", 6706,
         "b16bb8db9aa5a9b688cd97e782643abe96bd166baa445675f57cbcf5e6128a98"),
        ("config_space", "config_space_v2.json", 18982,
         "3135c6f8347f491fd31e8fa7a5e9607ea926c9a8558a6a21a1419d55a01884f2"),
        ("best_params", "best_params_v2.json", 298,
         "bceed7c436a3d7a7594fddec2d6b0ae171dae8384815b7633bc7ea0c2e980ad8"),
        ("param_set", "param_set_v2.R", 12758,
         "430ad7f1f2cc52e3872ae49e1c8ac17b94ba4ca9d22698d158afad602cce67f4"),
        ("readme", "README.txt", 167,
         "9e49d65a5048809ad46130349a47564ae9ed278e0e0613f157888555fa806e0b"),
    )  # fmt: skip
    for key, fname, size, sha in yahpo:
        out.append(
            f(
                f"yahpo_nb301_{key}",
                f"darts/yahpo_nb301_v2/{fname}",
                _YAHPO,
                _YAHPO_COMMIT,
                f"nb301/{fname}",
                sha,
                size,
                "Apache-2.0",
                f"YAHPO Gym nb301 surrogate, v2: {fname}",
                _SURROGATE_NOTE,
            )
        )
    out.append(
        f(
            "yahpo_nb301_license",
            "darts/yahpo_nb301_v2/LICENSE",
            _YAHPO,
            None,
            None,
            "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
            11358,
            "Apache-2.0",
            "Licence text shipped with the YAHPO nb301 files",
            "Upstream path and commit of this copy are not recorded.",
        )
    )
    # --- NAS-Bench-NLP -----------------------------------------------------------------
    out.append(
        f(
            "nbnlp_wikitext2_logs",
            "nbnlp/train_logs_wikitext-2_logs.zip",
            _NLP,
            "a6d90a3b19e3966b1d009c0970b3761aa46707d1",
            "train_logs_wikitext-2/logs.zip",
            "f5052d6bea6398001e32c986322a243e8cdedffa906caf242eb0a62ee105aa12",
            879000,
            "Apache-2.0",
            "345 JSON training logs of recurrent cells on WikiText-2 (50-epoch loss curves)",
        )
    )
    out.append(
        f(
            "nbnlp_license",
            "nbnlp/LICENSE",
            _NLP,
            None,
            "LICENSE",
            _APACHE_LICENCE_SHA,
            11357,
            "Apache-2.0",
            "Apache-2.0 licence text for the NAS-Bench-NLP logs",
            "Assumed to be the repository's LICENSE; the commit is not recorded.",
        )
    )
    # --- TaskSet (via DyHPO) -----------------------------------------------------------
    for task, (sha, size) in zip(TASKSET_TASKS, _TASKSET_SHA, strict=True):
        out.append(
            f(
                "taskset_" + task.removeprefix("FixedTextRNNClassification_"),
                f"taskset/{task}.json",
                _DYHPO,
                _DYHPO_COMMIT,
                f"data/taskset/{task}.json",
                sha,
                size,
                "Apache-2.0 (TaskSet data by Google, Apache-2.0)",
                f"TaskSet {task}: 1,000 Adam configurations with 51-point loss curves",
            )
        )
    out.append(
        f(
            "taskset_license",
            "taskset/LICENSE",
            _DYHPO,
            None,
            "LICENSE",
            _APACHE_LICENCE_SHA,
            11357,
            "Apache-2.0",
            "Apache-2.0 licence text for the TaskSet files",
            "Assumed to be the repository's LICENSE; the commit is not recorded.",
        )
    )
    # --- CIFAR-10 (DARTS evaluation) ----------------------------------------------------
    out.append(
        f(
            "cifar10_python",
            "cifar10/cifar-10-python.tar.gz",
            None,
            None,
            None,
            # sha256 as pinned by TensorFlow's Keras loader (tensorflow/tensorflow
            # tensorflow/python/keras/datasets/cifar10.py, ``file_hash``); size as reported by
            # downloads of the official file (the official page gives md5
            # c58f30108f718f92721af3b95e74349a, which torchvision checks). Not re-hashed here:
            # this machine has no copy of the file.
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            170498071,
            "no licence stated; cite Krizhevsky, Learning Multiple Layers of Features from "
            "Tiny Images (2009)",
            "CIFAR-10, python version: 5 pickled training batches of 10,000 32x32 RGB images "
            "and a test batch of 10,000, labels 0..9",
            "From https://www.cs.toronto.edu/~kriz/cifar.html; sha256 and size from cited "
            "sources, not verified on this machine.",
            source_url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        )
    )
    return tuple(out)


def _build() -> Mapping[str, DataFile]:
    entries = _entries()
    table = {e.name: e for e in entries}
    if len(table) != len(entries) or len({e.relpath for e in entries}) != len(entries):
        raise AssertionError("duplicate registry names or paths")
    return types.MappingProxyType(table)


REGISTRY: Mapping[str, DataFile] = _build()
"""All known data files, keyed by :attr:`DataFile.name` (read-only)."""


def taskset_name(task: str) -> str:
    """Registry name of a TaskSet task file, e.g. ``taskset_imdb_patch32_LSTM128_bs128``."""
    return "taskset_" + task.removeprefix("FixedTextRNNClassification_")


def entry(name: str | DataFile) -> DataFile:
    """Looks up a registry entry by name or by relative path.

    Args:
      name: a registry name (``"nb101_ecnas_4v9e"``), a relative path
        (``"nb101/energy_4V9E.tfrecord"``) or a :class:`DataFile`, returned unchanged.

    Returns:
      The :class:`DataFile`.

    Raises:
      KeyError: naming the known entries when ``name`` is not registered.
    """
    if isinstance(name, DataFile):
        return name
    if name in REGISTRY:
        return REGISTRY[name]
    for e in REGISTRY.values():
        if e.relpath == name:
            return e
    raise KeyError(
        f"unknown data file {name!r}; known names: {', '.join(sorted(REGISTRY))} "
        "(a relative path such as 'nb101/energy_4V9E.tfrecord' works too)"
    )
