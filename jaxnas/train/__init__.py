"""jaxnas.train (import the submodules directly, e.g. `from jaxnas.train import ...`)."""
