"""Flag complaints that the service felt impersonal or automated, with the cues that fired.

A first, explainable rule set: strong cues (no human reachable, canned replies, "felt like a number", phone
trees) flag a text on their own; weak cues (a bot, an app, a kiosk, "automated") flag it only when the text is
negative, so that praise of automation is not a complaint.
"""

from __future__ import annotations

import re

import polars as pl

IMPERSONAL_VERSION = "cues-1"

STRONG_CUES: dict[str, str] = {
    "no human reachable": (
        r"\b(talk|speak|chat)(ed|ing)? (to|with) (a |an )?(real |actual |live )?(person|human|someone|somebody|"
        r"anyone|anybody|staff|member of staff)\b"
        r"|\b(real|actual|live) (person|human)\b|\b(a|any|to a) human\b|\bsomeone (real|who works)\b"
        r"|\bno (phone|phone number|email address|contact number|way to contact)\b|\bnobody (real|reads|even)\b"
        r"|\b(heard|got) nothing back\b|\bnever (heard|got) back\b|\bno one to ask\b"
        r"|\b(no ?one|no-one|nobody|no human|no person)( ever| has| had| was)? (got|gets|get|answered|answers|"
        r"replied|replies|responded|responds|picked|picks|came|comes|to talk|to speak|to help|there|around|"
        r"available|called|rang|bothered|actually)\b"
        r"|\b(couldn'?t|could not|could never|can'?t|cannot|never|unable to|no way to|impossible to) (reach|"
        r"contact|get hold of|get through)\b"
    ),
    "canned reply": (
        r"\b(canned|copy[- ]?(and[- ])?paste[d]?|templated?|scripted|boilerplate|generic|form) "
        r"(reply|replies|response|responses|answer|answers|email|emails|message|messages)\b"
        r"|\bsame (\w+ )?(reply|response|answer|message|email|paragraph)\b|\bauto[- ]?repl(y|ies)\b"
        r"|\bno-?reply\b|\bform letter\b|\bstock (message|email|reply)\b|\bword for word\b"
        r"|\bdear (valued )?customer\b"
    ),
    "felt like a number": (
        r"\b(just|like|another) (a )?(number|ticket|statistic|transaction|order number)\b"
        r"|\bimpersonal\b|\bfaceless\b|\brobotic\b|\blike a robot\b|\bsoulless\b|\bcold and automated\b"
        r"|\bpersonal touch\b|\bhuman touch\b|\bvending machine\b|\bin a database\b|\bdon'?t know me\b"
        r"|\bdoesn'?t know me\b"
    ),
    "phone tree or hold queue": (
        r"\bpress(ing)? (\d|one|two|1|2)\b|\bphone tree\b|\bon hold\b|\bhold music\b|\bvoicemail\b"
        r"|\bphone line\b.*\b(gone|retired|removed|dead)\b"
    ),
    "round in circles": (
        r"\b(round|around|went|going|go) in circles\b|\b(talking|writing|speaking|talk|write|speak) to a "
        r"(brick )?wall\b"
    ),
}

WEAK_CUES: dict[str, str] = {
    "chatbot": r"\b(chat ?bot|bot|robot|virtual assistant|(chat|automated) (assistant|window|box))\b",
    "automated email": r"\b(automated|automatic|auto-generated|no-?reply)\b|\bdear (valued )?customer\b",
    "pushed to a machine": (
        r"\b(kiosks?|screens?|touchscreens?|touch screens?|machines?|tablet|the app|an app|self[- ]service)\b"
    ),
}

_STRONG = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in STRONG_CUES.items()}
_WEAK = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in WEAK_CUES.items()}


def impersonal_cues(text: str, sentiment_score: float) -> list[str]:
    """The names of the cues that fire in `text`; weak cues only when the text is negative."""
    fired = [name for name, pattern in _STRONG.items() if pattern.search(text)]
    if fired or sentiment_score < -0.05:
        fired += [name for name, pattern in _WEAK.items() if pattern.search(text)]
    strong = any(name in STRONG_CUES for name in fired)
    negative_with_weak = sentiment_score < -0.05 and bool(fired)
    return fired if strong or negative_with_weak else []


def impersonal_score(cues: list[str]) -> float:
    """0..1: how strongly the cues say 'impersonal'; a strong cue alone is 0.6, each further cue adds."""
    strong = sum(name in STRONG_CUES for name in cues)
    weak = len(cues) - strong
    return min(1.0, 0.6 * bool(strong) + 0.5 * bool(weak and not strong) + 0.15 * max(len(cues) - 1, 0))


def add_impersonal(frame: pl.DataFrame, text_column: str = "text") -> pl.DataFrame:
    """Add `impersonal_cues` (list of names), `impersonal_score` (0..1) and `impersonal` (score >= 0.5).

    Needs `sentiment_score` (see analysis.sentiment.add_sentiment).
    """
    cues = [
        impersonal_cues(text or "", score)
        for text, score in zip(frame[text_column], frame["sentiment_score"], strict=True)
    ]
    return frame.with_columns(
        pl.Series("impersonal_cues", cues, dtype=pl.List(pl.String)),
        pl.Series("impersonal_score", [impersonal_score(c) for c in cues], dtype=pl.Float64),
    ).with_columns((pl.col("impersonal_score") >= 0.5).alias("impersonal"))
