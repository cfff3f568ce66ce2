"""The rules for the dashboard's built-in accounts: what a user name may hold, and how strong a password must
be. Pure checks (no store): store/users.py applies them, the CLI applies them before asking for a password."""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

from pulse.errors import InputError

MAX_USERNAME_CHARS = 200  # the users table's column
MIN_PASSWORD_CHARS = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses and more)
# zxcvbn's own limit (its time grows fast with length): a longer password is judged on its start
ESTIMATED_CHARS = 72
_UNPRINTABLE = {"Cc", "Cf", "Zl", "Zp"}  # control and format characters, line and paragraph separators
_PASSWORD_HINT = "A few unrelated words make a long password that is easy to remember."


def normalise_username(username: str) -> str:
    """A user name as stored and compared: leading and trailing spaces removed, Unicode in composed form (NFC),
    so that the same name typed on any system is the same name."""
    return unicodedata.normalize("NFC", username.strip())


def check_username(username: str) -> str:
    """The normalised user name, or an InputError saying why it cannot be one."""
    name = normalise_username(username)
    if not name:
        raise InputError("A user needs a name.", hint="Use their email address or first name.")
    unprintable = sorted(
        {f"U+{ord(char):04X}" for char in name if unicodedata.category(char) in _UNPRINTABLE}
    )
    if unprintable:
        raise InputError(
            f"The user name {name!r} contains control or invisible characters ({', '.join(unprintable)}).",
            hint="Use letters, digits and punctuation only, on one line (an email address works).",
        )
    if len(name) > MAX_USERNAME_CHARS:
        raise InputError(
            f"The user name has {len(name)} characters; at most {MAX_USERNAME_CHARS} are kept.",
            hint="Use a shorter name, such as their email address.",
        )
    return name


def check_password(password: str, username: str = "") -> str:
    """`password`, or an InputError saying why it is too easy to guess: too short, containing the user name
    (in any case), or scored below MIN_PASSWORD_SCORE by zxcvbn (common passwords, words, repeats,
    sequences, keyboard patterns, dates)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            f"The password has {len(password)} characters; it needs at least {MIN_PASSWORD_CHARS}.",
            hint=_PASSWORD_HINT,
        )
    name = normalise_username(username)
    if name and name.casefold() in password.casefold():
        raise InputError(
            "The password contains the user name, so it is among the first guesses.",
            hint=f"Choose one without the name. {_PASSWORD_HINT}",
        )
    estimate = zxcvbn(password[:ESTIMATED_CHARS], user_inputs=[name] if name else [])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        feedback = estimate["feedback"]
        why = feedback["warning"] or "It follows a pattern that is tried early."
        raise InputError(
            f"The password is too easy to guess. {why}",
            hint=" ".join([*feedback["suggestions"], _PASSWORD_HINT]),
        )
    return password
