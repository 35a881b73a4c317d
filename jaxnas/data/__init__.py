"""The data layer: registry of upstream files, verified local lookup / download, readers.

Typical use::

    from jaxnas import data

    table = data.load_nb101_tfrecord("nb101_ecnas_4v9e")    # verified, cached as .npz
    nb201 = data.load_nb201()                               # keyed by official index
    sur = data.load_yahpo_nb301()                           # a surrogate model, not data
    curve = data.yahpo_curve(sur, genotypes, epochs=range(1, 99))

Where files are looked for and how to provide them: :mod:`jaxnas.data.store`.
"""

from jaxnas.data.errors import (
    ChecksumError,
    DataError,
    DataNotFoundError,
    DownloadError,
    FormatError,
)
from jaxnas.data.naslib import (
    DARTS_OPS,
    DartsArchTable,
    NaslibZCTable,
    NB301ZCTable,
    load_darts_archs,
    load_naslib_zc,
    load_nb301_zc,
    parse_darts_compact,
    read_darts_archs,
    read_naslib_zc,
    read_nb301_zc,
)
from jaxnas.data.nb101 import (
    NB101Record,
    NB101Table,
    NB101VisTable,
    iter_nb101_tfrecord,
    load_nb101_tfrecord,
    load_nb101_vis,
    read_nb101_tfrecord,
    read_nb101_vis,
)
from jaxnas.data.nb201 import (
    NB201ArchTable,
    NB201Table,
    arch_str_to_naslib,
    load_nb201,
    naslib_to_arch_str,
    read_nb201,
    read_nb201_archs,
)
from jaxnas.data.nbnlp import NBNLPTable, load_nbnlp, read_nbnlp_logs
from jaxnas.data.registry import REGISTRY, TASKSET_TASKS, DataFile, entry
from jaxnas.data.store import (
    cache_root,
    download_file,
    fetch,
    file_sha256,
    locate,
    resolve_data_dir,
    sha256_file,
    verify,
)
from jaxnas.data.tables import cached_table
from jaxnas.data.taskset import TaskSetTable, load_taskset, read_taskset
from jaxnas.data.tfrecord import crc32c, iter_tfrecord, masked_crc32c, write_tfrecord
from jaxnas.data.yahpo import (
    YahpoCurve,
    YahpoNB301,
    darts_compact_to_config,
    encode_configs,
    load_yahpo_nb301,
    yahpo_curve,
)

__all__ = [
    "DARTS_OPS",
    "REGISTRY",
    "TASKSET_TASKS",
    "ChecksumError",
    "DataError",
    "DataFile",
    "DataNotFoundError",
    "DartsArchTable",
    "DownloadError",
    "FormatError",
    "NB101Record",
    "NB101Table",
    "NB101VisTable",
    "NB201ArchTable",
    "NB201Table",
    "NB301ZCTable",
    "NBNLPTable",
    "NaslibZCTable",
    "TaskSetTable",
    "YahpoCurve",
    "YahpoNB301",
    "arch_str_to_naslib",
    "cache_root",
    "cached_table",
    "crc32c",
    "darts_compact_to_config",
    "download_file",
    "encode_configs",
    "entry",
    "fetch",
    "file_sha256",
    "iter_nb101_tfrecord",
    "iter_tfrecord",
    "load_darts_archs",
    "load_naslib_zc",
    "load_nb101_tfrecord",
    "load_nb101_vis",
    "load_nb201",
    "load_nb301_zc",
    "load_nbnlp",
    "load_taskset",
    "load_yahpo_nb301",
    "locate",
    "masked_crc32c",
    "naslib_to_arch_str",
    "parse_darts_compact",
    "read_darts_archs",
    "read_naslib_zc",
    "read_nb101_tfrecord",
    "read_nb101_vis",
    "read_nb201",
    "read_nb201_archs",
    "read_nb301_zc",
    "read_nbnlp_logs",
    "read_taskset",
    "resolve_data_dir",
    "sha256_file",
    "verify",
    "write_tfrecord",
    "yahpo_curve",
]
