"""The README's main job: :mod:`experiments.search_table` (whose default config is the NB201
table), under the name the README uses::

    python -m experiments.nb201_search --config=experiments/configs/search_nb201.py:laptop \
        --pretrain --data_dir=../shared/data --workdir=results/nb201_main
"""

from experiments import common
from experiments.search_table import main

if __name__ == "__main__":
    common.run(main)
