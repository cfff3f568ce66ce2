"""The theme library: presets load, files are checked with messages that say what to fix, and what Pulse writes
reads back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.themes.library import (
    EMPTY_LIBRARY,
    PRESETS,
    discovered_theme,
    library_toml,
    load_library,
    owned_file,
    parse_library,
    save_library,
    theme_key,
    with_theme,
)
from pulse.errors import InputError


@pytest.mark.parametrize("preset", PRESETS)
def test_load_library__presets_have_headings_one_detector_theme_and_read_back_the_same(preset: str) -> None:
    library = load_library(preset)
    assert 12 <= len(library.themes) <= 40
    assert len(library.headings()) >= 4
    assert [theme.key for theme in library.themes if theme.detector] == ["impersonal"]
    assert all(theme.examples and theme.keywords for theme in library.matched)
    assert parse_library(library_toml(library)) == library


def test_load_library__none_is_empty_and_a_missing_file_says_what_to_name() -> None:
    assert load_library("none") == EMPTY_LIBRARY
    with pytest.raises(InputError) as raised:
        load_library("/no/such/themes.toml")
    assert "small_business" in (raised.value.hint or "")


def test_load_library__reads_an_owners_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(
        'name = "Bike shop"\n[[theme]]\nkey = "repairs"\nheading = "Service"\nname = "Repairs"\n'
        'examples = ["they fixed my puncture in ten minutes"]\n',
        encoding="utf-8",
    )
    library = load_library(str(path))
    assert (library.name, library.themes[0].name, library.source) == ("Bike shop", "Repairs", str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[theme]]\nkey = "a"\nname = "A"\nexamples = ["x"]', "Theme 1 (A) has no heading"),
        (
            '[[theme]]\nkey = "Bad Key"\nheading = "H"\nname = "A"\nexamples = ["x"]',
            "not a short lower-case id",
        ),
        ('[[theme]]\nkey = "a"\nheading = "H"\nname = "A"', "neither examples nor keywords"),
        ('[[theme]]\nkey = "a"\nheading = "H"\nname = "A"\ndetector = "magic"', "no detector 'magic'"),
        ('[[theme]]\nkey = "a"\nheading = "H"\nname = "A"\nexamples = "x"', "examples must be a list"),
        (
            '[[theme]]\nkey = "a"\nheading = "H"\nname = "A"\nkeywords = ["x"]\n'
            '[[theme]]\nkey = "a"\nheading = "H"\nname = "B"\nkeywords = ["y"]',
            "key 'a' for more than one theme",
        ),
        ('name = "unclosed', "is not valid TOML"),
    ],
)
def test_parse_library__a_bad_file_says_which_theme_and_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_library(text, "mine.toml")
    assert message in raised.value.message and raised.value.hint


def test_discovered_theme__joins_the_library_under_a_key_of_its_own() -> None:
    library = load_library("small_business")
    theme = discovered_theme(library, "Delivery", ["card delivery", "tracking"], ["Where is my card?"])
    assert theme.key == "delivery_2" and theme.examples == ("Where is my card?",)
    added = with_theme(library, theme)
    assert parse_library(library_toml(added)).theme("delivery_2") == theme
    assert theme_key("10% off!") == "t_10_off"


def test_save_library__writes_the_owners_file_whole_and_says_when_it_cannot(tmp_path: Path) -> None:
    assert owned_file(load_library("small_business")) is None and owned_file(EMPTY_LIBRARY) is None
    path = tmp_path / "mine.toml"
    path.write_text(library_toml(load_library("clinic")), encoding="utf-8")
    library = load_library(str(path))
    assert owned_file(library) == path
    added = with_theme(library, discovered_theme(library, "Parking", ["car park"], ["Nowhere to park"]))
    save_library(added, path)
    assert load_library(str(path)) == added and not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(InputError) as raised:
        save_library(added, tmp_path / "no-such-folder" / "mine.toml")
    assert "writable" in (raised.value.hint or "")
