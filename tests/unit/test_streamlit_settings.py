"""Streamlit reads the project's `.streamlit/config.toml` as the server does (from the
project's root): a misspelt section or option would be dropped silently, so the settings
that matter are read back through Streamlit itself."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit import config

ROOT = Path(__file__).resolve().parents[2]


def test_no_garbage_collection_after_every_script_run() -> None:
    """0.16 s of CPU per live refresh: more than a core for a sixteen-screen workshop."""
    here = Path.cwd()
    try:
        os.chdir(ROOT)
        config.get_config_options(force_reparse=True)
        assert config.get_option("runner.postScriptGC") is False
        assert config.get_option("client.showErrorDetails") == "none"
    finally:
        os.chdir(here)
        config.get_config_options(force_reparse=True)
