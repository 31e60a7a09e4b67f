"""The store: SQLAlchemy models, migrations and queries. Knows nothing of tornado or IPython."""

from mlops_jlab.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
