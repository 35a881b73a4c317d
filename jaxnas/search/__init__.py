"""jaxnas.search (import the submodules directly, e.g. `from jaxnas.search import ...`)."""
