"""The dashboard's Streamlit settings (.streamlit/config.toml) that Pulse's promises rest on."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config

CONFIG = Path(__file__).resolve().parents[3] / ".streamlit" / "config.toml"


def test_config__tables_offer_no_raw_csv_download() -> None:
    # Streamlit's own "Download as CSV" of a table writes every cell as it is: a customer's "=HYPERLINK(...)"
    # would run in a spreadsheet. Pulse's downloads (pulse/tables.py) neutralise them instead.
    settings = tomllib.loads(CONFIG.read_text("utf-8"))
    assert settings["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config.get_config_options()  # an option this Streamlit reads
