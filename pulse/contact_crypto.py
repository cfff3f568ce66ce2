"""Respondents' contact details, encrypted at rest with PULSE_CONTACT_KEY.

The key is a Fernet key (AES-128-CBC with an HMAC-SHA256 over each token: cryptography's `Fernet`), made by
`pulse contacts key`. Several keys may be given, separated by commas, to change the key without losing what was
stored: the first encrypts, every one of them decrypts (cryptography's `MultiFernet`), and `pulse contacts
rotate` encrypts the stored contacts again with the first, after which the old keys can go. Without a key Pulse
keeps no contact details. Defined here, on the ground floor, so that the store, the importer and the CLI share
one cipher and one set of messages.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from pulse.errors import ConfigError
from pulse.settings import MAKE_CONTACT_KEY_HINT

ContactKey = SecretStr | str | bytes  # one key, or several separated by commas (the first encrypts)
ContactCipher = MultiFernet

KEY_VARIABLE = "PULSE_CONTACT_KEY"
MAKE_KEY_HINT = MAKE_CONTACT_KEY_HINT
ROTATE_HINT = (
    "Set PULSE_CONTACT_KEY to the key that stored them, or to the new key and the old one separated by a comma "
    "(new,old); then `pulse contacts rotate` encrypts them again with the new one."
)


class ContactKeyError(ConfigError):
    """Stored contact details that the key cannot open (another key stored them, or the bytes were changed).
    `readable` holds those that it could open, by author hash; `unreadable` the author hashes of the others, so
    that a page can show the readable ones and say which are not."""

    def __init__(self, message: str, hint: str, readable: dict[str, str], unreadable: list[str]) -> None:
        super().__init__(message, hint)
        self.readable = readable
        self.unreadable = unreadable


def new_key() -> str:
    """A new random Fernet key (32 bytes, URL-safe base64), for PULSE_CONTACT_KEY."""
    return Fernet.generate_key().decode("ascii")


def contact_keys(key: ContactKey) -> list[str]:
    """The keys in `key`, in order: one key, or several separated by commas (blank parts ignored)."""
    text = key.get_secret_value() if isinstance(key, SecretStr) else key
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    return [part.strip() for part in text.split(",") if part.strip()]


def check_contact_key(key: ContactKey) -> list[Fernet]:
    """A Fernet per key in `key`; ConfigError, naming the key's position but never its value, when one is not a
    Fernet key or there is none."""
    fernets, problem = _fernets(key)
    if problem:
        raise ConfigError(f"{KEY_VARIABLE}: {problem}.", hint=MAKE_KEY_HINT)
    return fernets


def key_problem(key: ContactKey) -> str | None:
    """What is wrong with `key`, in words that never show it ("not a Fernet key..."), or None."""
    return _fernets(key)[1]


def _fernets(key: ContactKey) -> tuple[list[Fernet], str | None]:
    keys = contact_keys(key)
    if not keys:
        return [], "no key in it"
    fernets = []
    for position, text in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(text))
        except (ValueError, TypeError):
            which = "" if len(keys) == 1 else f" (key {position} of {len(keys)})"
            return [], (
                f"not a Fernet key{which}: a key is 32 random bytes in URL-safe base64, 44 characters "
                "ending in '='"
            )
    return fernets, None


def build_cipher(key: ContactKey | ContactCipher | None) -> ContactCipher:
    """The cipher of `key` (PULSE_CONTACT_KEY's value): the first key encrypts, every key decrypts.
    ConfigError when the key is unset (Pulse keeps no contact details then) or malformed."""
    if isinstance(key, MultiFernet):
        return key
    if key is None:
        raise ConfigError(
            f"{KEY_VARIABLE} is unset, so Pulse keeps no contact details and cannot read stored ones.",
            hint=MAKE_KEY_HINT,
        )
    return MultiFernet(check_contact_key(key))


def encrypt_text(cipher: ContactCipher, text: str) -> bytes:
    """`text` as a Fernet token (random IV: the same text gives a different token each time)."""
    return cipher.encrypt(text.encode("utf-8"))


def decrypt_text(cipher: ContactCipher, token: bytes) -> str | None:
    """The text of `token`, or None when no key of `cipher` opens it (or it is not a token)."""
    try:
        return cipher.decrypt(bytes(token)).decode("utf-8")
    except (InvalidToken, UnicodeDecodeError, TypeError):
        return None


def rotate_token(cipher: ContactCipher, token: bytes) -> bytes | None:
    """`token` encrypted again with the first key (its time kept), or None when no key opens it."""
    try:
        return cipher.rotate(bytes(token))
    except (InvalidToken, TypeError):
        return None
