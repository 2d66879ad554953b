"""Streamlit pages and UI components: read selections, call ``metrics``, draw."""
