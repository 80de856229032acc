"""Waypoint's engine room: data contract, analytics, persistence. Never imports Streamlit."""
