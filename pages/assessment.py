"""Maturity assessment: rate the onboarding operation on the six-capability matrix, together.

Two ways in. A member of the workspace: an owner or editor opens a round, creates respondent
links (each shown once, valid for a number of days, revocable), watches who has answered
(never what), reveals and closes; a viewer reads the rounds and their results. A respondent
arrives through a respondent link (?round=TOKEN, opened by ui/guest.py, which limits them to
that round), joins with a name and answers on their own screen; their personal key goes into
the URL (&me=...) so that they can come back and change their answers until the round closes.

Routing only: who is looking is worked out once here and handed to the view for them; the
parts live in ui/assessment/.
"""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from ui.assessment.facilitator import show_facilitator
from ui.assessment.respondent import show_respondent
from ui.assessment.viewer import Respondent, who_is_looking

st.title("Maturity assessment")

viewer = who_is_looking()
if isinstance(viewer, Respondent):
    show_respondent(viewer)
else:
    show_facilitator(viewer)
