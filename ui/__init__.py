"""Streamlit-side helpers shared by the pages: resources, current workspace, sidebar."""
