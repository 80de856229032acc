"""The parts of the maturity-assessment page. pages/assessment.py works out who is looking
(`viewer.who_is_looking`) and hands that value to the respondent or the facilitator view;
both draw the shared round, results and export parts."""
