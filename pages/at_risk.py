"""At-risk accounts: a CSM's morning list, why each account is on it, the play to run and
who owns it; the CSM's call on each account; one account in detail; expansion and CSM load.
Routing only: each part lives in ui/at_risk/ and gets the context it needs."""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from ui.at_risk.account import pick_account, show_account
from ui.at_risk.compute import at_risk_rows
from ui.at_risk.context import at_risk_context
from ui.at_risk.csm_load import show_csm_load
from ui.at_risk.expansion import show_expansion
from ui.at_risk.listing import show_list
from ui.data.empty import may_import, stop_without_data_for

context = at_risk_context()
bands = context.plan.bands

st.title("At-risk accounts")
st.caption(
    "Accounts whose health score calls for escalation (below "
    f"{bands.escalate}) or executive involvement (below {bands.executive}), "
    "worst first, with the signals that fired and the rescue play from the journey map."
)

stop_without_data_for(
    context.access,
    context.dataset,
    "There is no customer data in this workspace yet. Load your tables or the demo data "
    "on the Data page to see which accounts need attention.",
)

at_risk = at_risk_rows(context)
where = " (set the analysis date on the Data page)" if may_import(context.access) else ""
st.caption(f"As of {context.as_of}{where}.")
tab_list, tab_expansion, tab_load = st.tabs(
    ["At-risk list", "Expansion-ready", "CSM load"], key="ar_tab", on_change="rerun"
)
if tab_list.open:
    with tab_list:
        shown = show_list(context, at_risk)
        if not shown.is_empty():
            picked = pick_account(shown)
            if picked:
                show_account(context, picked, shown)
if tab_expansion.open:
    with tab_expansion:
        show_expansion(context)
if tab_load.open:
    with tab_load:
        show_csm_load(context)
