"""Domain core of the children's services outcomes dashboard.

Plain Python: framework (ECM outcomes, aims, NSF standards), indicator catalogue,
DuckDB store, statistics and import/export. It never imports streamlit, so the
same code serves the dashboard, the CLI, notebooks and tests.
"""

__version__ = "0.1.0"
