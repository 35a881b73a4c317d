"""jaxnas.analysis (import the submodules directly, e.g. `from jaxnas.analysis import ...`)."""
