"""Who may do what: people, roles, the acting identity of a unit of work, and guest links.

Every use case that reads or changes workspace data calls `require` with the session it was
given; the session carries the acting identity (`bind`), so the decision lives here and not in
which buttons a page draws. Nothing here imports Streamlit: the pages work out who is looking
and bind it; scripts and the first-start demo act as `SYSTEM`.
"""
