"""Mac Roman or another code page: Excel for Mac's "CSV (Macintosh)" writes Mac Roman, which charset-normalizer
takes for a sister Mac code page (Turkish, Icelandic) or a Windows one, so that "5€" would become "5ğ" or "5Ř".
The readings are weighed by the characters that betray a wrong code page (`odd_characters`)."""

from __future__ import annotations

# Non-ASCII characters that are common in any western text, wherever they stand.
COMMON_SYMBOLS = frozenset("€£¥¢°§©®™’‘“”„‚–—…•·«»¿¡×÷±ºª\u00a0")


def odd_characters(text: str) -> int:
    """How many characters of a decoded text betray a wrong code page: undecodable or control characters,
    unusual symbols (‡, ◊, ∂), a capital inside a lower-case word ("cafŽ") or a letter right after a digit
    ("5Ř" for "5€")."""
    odd = 0
    for index, char in enumerate(text):
        if char.isascii() or char in COMMON_SYMBOLS:
            continue
        before = text[index - 1] if index else " "
        if not char.isalpha() or (char.isupper() and before.islower()) or before.isdigit():
            odd += 1
    return odd


def weigh_mac_roman(encoding: str, sample: bytes) -> tuple[str, bool]:
    """`encoding`, or Mac Roman where it reads the sample more plausibly, or where `encoding` is another Mac
    code page that reads it no better; and whether the choice is uncertain (the reading chosen has odd
    characters, or both readings are clean and differ)."""
    chosen = sample.decode(encoding, errors="replace")
    mac = sample.decode("mac_roman", errors="replace")
    odd_chosen, odd_mac = odd_characters(chosen), odd_characters(mac)
    if odd_mac < odd_chosen or (encoding.startswith("mac") and odd_mac <= odd_chosen):
        return "mac_roman", bool(odd_mac) or (chosen != mac and not odd_chosen)
    return encoding, bool(odd_chosen) or (chosen != mac and not odd_mac)
