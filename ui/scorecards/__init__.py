"""The parts of the scorecards page, one module per analysis section; pages/scorecards.py
routes between them and passes each the context and view it needs."""
