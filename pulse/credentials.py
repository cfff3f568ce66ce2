"""The rules for the dashboard's built-in accounts: what a user name may hold, how strong a password must be, and
what an account's email address must look like. Pure checks (no store): store/users.py applies them, the CLI
applies them before asking for a password."""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn

from pulse.errors import InputError

MAX_USERNAME_CHARS = 200  # the users table's column
MAX_EMAIL_CHARS = 320  # users.email; 64 before the @ and 255 after it at most
# one address, nothing around it: a part before the @, and a domain of at least two labels
_EMAIL = re.compile(
    r"[^\s@<>(),;:\"\[\]]{1,64}@(?=.{1,255}$)[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+"
)
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


def check_email(address: str) -> str:
    """An account's email address (where case notifications reach them), trimmed; InputError when it does not
    look like one address: "name@example.com", no display name, spaces or list of several."""
    text = address.strip()
    unprintable = any(unicodedata.category(char) in _UNPRINTABLE for char in text)
    if len(text) > MAX_EMAIL_CHARS or unprintable or not _EMAIL.fullmatch(text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InputError(
            f"{shown!r} does not look like an email address.",
            hint="Give one address such as ann@example.com, without a name or angle brackets around it.",
        )
    return text
