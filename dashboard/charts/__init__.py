"""Plotly figures. Each takes a tidy frame from ``metrics`` and returns a figure;
every page shows the same numbers as a table beside it."""
