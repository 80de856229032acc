"""The parts of the Data page, one module per tab or concern; pages/data.py routes between
them and passes each the workspace and the data it shows."""
