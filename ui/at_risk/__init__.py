"""The parts of the at-risk page (the list, one account, expansion, CSM load);
pages/at_risk.py routes between them and passes each the context it needs."""
