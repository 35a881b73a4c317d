"""Pretraining pipelines (import the submodules directly, e.g.
``from jaxnas.pretrain import arch2vec``)."""
