"""Themes, the library: the themes a small business already knows its customers talk about, with the names
an owner uses at a staff meeting. A library is a TOML file (analysis/themes/libraries/ holds the presets: a
small food or retail business, and a clinic) that an owner can copy, edit and extend; `load_library` reads a
preset by name or a file by path and says exactly what is wrong with a file it cannot use.

Written back with `library_toml` (the dashboard's editor and "add to the library"): the format is a few
strings and lists of strings, so Pulse writes it itself (JSON's string escapes are valid TOML strings) rather
than adding a TOML-writing dependency.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from pulse.errors import InputError

PRESETS = ("small_business", "clinic")
NO_LIBRARY = "none"  # themes are only discovered
DEFAULT_LIBRARY = "small_business"
IMPERSONAL_DETECTOR = "impersonal"  # the one `detector` a library theme can name
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class LibraryTheme:
    """One theme of a library. `detector` names a detector that fills the theme instead of matching (only
    IMPERSONAL_DETECTOR: the texts the impersonal-experience detector flags)."""

    key: str
    heading: str
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    detector: str | None = None

    @property
    def phrases(self) -> list[str]:
        """What a sentence is compared with: the name and description, then each example."""
        described = f"{self.name}: {self.description}" if self.description else self.name
        return [described, *self.examples]


@dataclass(frozen=True)
class ThemeLibrary:
    name: str
    themes: tuple[LibraryTheme, ...] = ()
    description: str = ""
    source: str = field(default="", compare=False)  # the preset's name or the file read

    @property
    def matched(self) -> list[LibraryTheme]:
        """The themes found by matching sentences (all but the detectors' themes)."""
        return [theme for theme in self.themes if theme.detector is None]

    def theme(self, key: str) -> LibraryTheme | None:
        return next((theme for theme in self.themes if theme.key == key), None)

    def headings(self) -> list[str]:
        return list(dict.fromkeys(theme.heading for theme in self.themes))


EMPTY_LIBRARY = ThemeLibrary(name="No library", source=NO_LIBRARY)


def load_library(choice: str | Path) -> ThemeLibrary:
    """The library `choice` names: a preset (PRESETS), NO_LIBRARY, or the path of a TOML file."""
    source = str(choice).strip()
    return EMPTY_LIBRARY if source == NO_LIBRARY else parse_library(library_text(source), source)


def library_text(choice: str) -> str:
    """The TOML text, comments included, of a preset (PRESETS) or of the file at path `choice`."""
    if choice in PRESETS:
        return (files("analysis.themes") / "libraries" / f"{choice}.toml").read_text("utf-8")
    path = Path(choice).expanduser()
    if not path.is_file():
        raise InputError(
            f"There is no theme library {choice!r}.",
            hint=f"Name a preset ({', '.join(PRESETS)}), {NO_LIBRARY!r}, or the path of a .toml file; "
            "`pulse themes library --show small_business` prints one to start from.",
        )
    return path.read_text("utf-8")


def parse_library(text: str, source: str = "") -> ThemeLibrary:
    """The library in TOML `text`; InputError naming the theme and field when something is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"The theme library {source or ''} is not valid TOML: {error}.".replace("  ", " "),
            hint="Check the quotes and brackets on that line; the presets show the format.",
        ) from None
    themes = data.get("theme", [])
    if not isinstance(themes, list) or not all(isinstance(item, dict) for item in themes):
        raise InputError(
            "A theme library lists its themes as [[theme]] tables.", hint="See the presets for the format."
        )
    parsed = tuple(_theme(item, number) for number, item in enumerate(themes, start=1))
    keys = [theme.key for theme in parsed]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise InputError(
            f"The theme library uses the key {repeated[0]!r} for more than one theme.",
            hint="Give each theme its own key.",
        )
    return ThemeLibrary(
        name=str(data.get("name") or "Theme library"),
        themes=parsed,
        description=str(data.get("description") or ""),
        source=source,
    )


def _theme(item: dict[str, object], number: int) -> LibraryTheme:
    where = f"Theme {number} ({item.get('name') or item.get('key') or 'unnamed'})"
    for required in ("key", "heading", "name"):
        if not isinstance(item.get(required), str) or not str(item[required]).strip():
            raise InputError(f"{where} has no {required}.", hint=f'Add a line such as {required} = "...".')
    key = str(item["key"]).strip()
    if not KEY.match(key):
        raise InputError(
            f"{where}: the key {key!r} is not a short lower-case id.",
            hint="Use lower-case letters, digits and underscores, starting with a letter (at most 40).",
        )
    detector = item.get("detector")
    if detector is not None and detector != IMPERSONAL_DETECTOR:
        raise InputError(
            f"{where}: there is no detector {detector!r}.", hint='The one detector is "impersonal".'
        )
    examples, keywords = _strings(item, "examples", where), _strings(item, "keywords", where)
    if detector is None and not examples and not keywords:
        raise InputError(
            f"{where} has neither examples nor keywords, so no text can match it.",
            hint="Add a few examples in your customers' words.",
        )
    return LibraryTheme(
        key=key,
        heading=str(item["heading"]).strip(),
        name=str(item["name"]).strip(),
        description=str(item.get("description") or "").strip(),
        examples=examples,
        keywords=tuple(word.lower() for word in keywords),
        detector=str(detector) if detector else None,
    )


def _strings(item: dict[str, object], name: str, where: str) -> tuple[str, ...]:
    values = item.get(name, [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InputError(
            f"{where}: {name} must be a list of strings.", hint=f'Write {name} = ["...", "..."].'
        )
    return tuple(value.strip() for value in values if value.strip())


def with_theme(library: ThemeLibrary, theme: LibraryTheme) -> ThemeLibrary:
    """`library` with `theme` added (or replacing the theme of the same key)."""
    kept = [existing for existing in library.themes if existing.key != theme.key]
    return replace(library, themes=(*kept, theme))


def owned_file(library: ThemeLibrary) -> Path | None:
    """The file `library` was read from when it is the owner's own (not a preset, not NO_LIBRARY)."""
    if library.source in (*PRESETS, NO_LIBRARY, ""):
        return None
    path = Path(library.source)
    return path if path.is_file() else None


def save_library(library: ThemeLibrary, path: Path) -> None:
    """Write `library` to `path` as TOML, whole or not at all (a temporary file beside it, then renamed), after
    checking that what is written reads back the same."""
    text = library_toml(library)
    if parse_library(text) != library:
        raise InputError(
            "Pulse could not write this theme library so that it reads back the same.",
            hint="Edit the file by hand; `pulse themes library --check FILE` checks it.",
        )
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(
            f"Pulse could not write the theme library {path}: {error.strerror}.",
            hint="Check that the file and its folder are writable by the user running Pulse.",
        ) from None


def discovered_theme(
    library: ThemeLibrary, name: str, keywords: list[str], quotes: list[str], heading: str = "New themes"
) -> LibraryTheme:
    """A library theme made from a discovered one: its name, its key phrases as keywords and its quotes as
    examples, under a key the library does not use yet."""
    return LibraryTheme(
        key=theme_key(name, {theme.key for theme in library.themes}),
        heading=heading,
        name=name,
        description=f"Found by Pulse: {', '.join(keywords[:4])}.",
        examples=tuple(quotes[:5]) or (name,),
        keywords=tuple(word.lower() for word in keywords[:6]),
    )


def theme_key(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A key for a theme named `name` that is not in `taken` ("Card delivery" -> "card_delivery")."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:36] or "theme"
    base = base if base[0].isalpha() else f"t_{base}"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def library_toml(library: ThemeLibrary) -> str:
    """`library` as the TOML text that parse_library reads back."""
    lines = [f"name = {_string(library.name)}"]
    if library.description:
        lines.append(f"description = {_string(library.description)}")
    for theme in library.themes:
        lines += ["", "[[theme]]", f"key = {_string(theme.key)}", f"heading = {_string(theme.heading)}"]
        lines.append(f"name = {_string(theme.name)}")
        if theme.description:
            lines.append(f"description = {_string(theme.description)}")
        if theme.examples:
            lines += ["examples = [", *[f"  {_string(example)}," for example in theme.examples], "]"]
        if theme.keywords:
            lines.append(f"keywords = [{', '.join(_string(word) for word in theme.keywords)}]")
        if theme.detector:
            lines.append(f"detector = {_string(theme.detector)}")
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
