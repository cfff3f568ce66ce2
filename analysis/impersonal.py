"""Flag complaints that the service felt impersonal or automated, with the cues that fired.

Two kinds of evidence, both explainable by a cue name an owner understands ("no human reachable",
"phone tree or hold queue", "automated email or text", ...):

- keyword rules (regular expressions) per cue family. Strong rules flag a text on their own unless it is
  clearly positive; weak rules (a bot, an app, a kiosk, "automated") need a negative text, or a clause
  that the sentiment scorer reads as negative, so that praise of automation is not a complaint;
- paraphrases: each sentence of the text is embedded (all-MiniLM-L6-v2 by default) and compared with the
  prototype phrases of each family (`analysis.impersonal_prototypes`). A sentence fires a family when it is
  close enough to one of its phrases and closer to it than to the counter-prototypes (praise of automation,
  a rude human who did engage, plain delays and faults).

The score (0..1) is the strongest evidence plus a little for each further family; a text is flagged at
FLAG_AT, which `python -m analysis.train_impersonal` chooses by source on labelled data and writes to
models/impersonal-threshold.json (0.55: a paraphrase alone then needs a cosine of about 0.685; below that it is
left for a person, in the Explorer's "Needs a look"). The rules and prototypes are the project's own text. v2's
thresholds were chosen on half of `impersonal_dev.csv` (see `analysis.impersonal_eval`); v3's further phrasings
(passed between departments, promised call-backs that never came, unanswered calls and emails, scripted
answers) and its precision fixes (a hold on a cheque or an account, automatic payments, self-install kits) come
from the missed and false flags on the training-allowed rows of `impersonal_dev2.csv` (CFPB and FCC
complaints); its Trustpilot rows, never read while designing, measure it (README).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from analysis.embeddings import Embedder, source_of
from analysis.impersonal_prototypes import ALL_PROTOTYPES, COUNTER_PROTOTYPES, prototype_phrases
from analysis.impersonal_threshold import FLAG_AT
from analysis.sentiment import score_sentiment, split_segments

SIMILARITY_FLOOR = 0.65  # a sentence this close (cosine) to a family's phrase may fire it
COUNTER_MARGIN = 0.05  # ... if it is at least this much closer to the family than to any counter-prototype
NEGATIVE_BELOW = -0.05  # weak keyword cues count only in texts this negative
POSITIVE_ABOVE = 0.5  # a text this positive needs a strong keyword cue to be flagged
STRONG_RULE_SCORE = 0.75
WEAK_RULE_SCORE = 0.55
EXTRA_FAMILY_BONUS = 0.1

_N = r"(?:n'?t|n’t| not)"
STRONG_RULES: dict[str, str] = {
    "no human reachable": (
        r"\b(talk|speak|chat)(ed|ing)? (to|with) (a |an )?(real |actual |live )(person|human|someone|somebody)\b"
        r"|\b(real|actual|live) (person|human)\b|\b(a|any|to a) human\b|\bsomeone (real|who works)\b"
        r"|\b(just )?(want|wanted|need|needed|trying|tried|asked) to (talk|speak) (to|with) (a |an )?(real |actual |live )?"
        r"(person|human|someone|somebody|anyone|anybody|a manager)\b"
        r"|\bno (phone number|contact number|way to contact)\b|\bnobody (real|reads)\b"
        r"|\b(no ?one|no-one|nobody)( ever)? (answers|answered|picks up|picked up)\b"
        r"|\b(couldn'?t|could not|could never|can'?t|cannot|never|unable to|no way to|impossible to|hard to"
        r"|difficult to) (reach|contact|get hold of|get through|get in touch|speak to (any|some)one|talk to (any|some)one)\b"
        r"|\b(trying|tried|try) to get (hold of )?(someone|somebody|anyone|anybody|a (real |live )?(person|human))\b"
    ),
    "no one got back to me": (
        r"\b(no ?one|no-one|nobody)( has| had| ever)? (got|gets|get|getting) back\b"
        r"|\b(no ?one|no-one|nobody)( has| had| ever)? (called|rang|rung|phoned|contacted|emailed|replied"
        r"|responded|bothered)\b"
        r"|\b(never|no|not|without|didn'?t get( a| any)?|awaiting( a)?|waiting (on|for)( a)?) ?call ?backs?\b"
        r"|\bcall ?backs? (that )?(never|did not|didn'?t|not)\b"
        r"|\b(never|didn'?t|did not|not|haven'?t|have not|failed to|won'?t|don'?t)( even)? (call|ring|phone)(ed)?"
        r" (me |us )?back\b"
        r"|\b(calls|emails|messages) (not|never) (returned|answered)\b"
        r"|\bno (email |e-mail )?(reply|replies|response|responses|answer)\b"
        r"|\bnot returning (my |our )?(calls|emails|messages)\b|\bcall ?backs? (as|when) promised\b"
        r"|\b(would|'d|will) (call|ring|phone)( me| us)?( back)?\b[^.!?]{0,80}\b(never|didn'?t|did not|no call"
        r"|neither|nobody|no one)\b"
        r"|\b(not|never|haven'?t|have not|didn'?t|did not)( even)? (replied|replying|responded|responding|return(ed)?"
        r" (the|my) (email|call|message)s?)\b"
        r"|\b(heard|got) nothing back\b|\bnever (heard|got) back\b|\b(complaint|email|emails|DMs?) (was |were )?"
        r"(ignored|unanswered)\b|\bchecked your DMs\b"
        r"|\b(would|'d|will|going to|were to|was to)( \w+ and)? (get back|contact|follow up|reach out|respond)\b[^.!?]{0,80}"
        r"\b(never|didn'?t|did not|don'?t|do not|nobody|no ?one|nothing|haven'?t heard|no (call|word|reply|response))\b"
        r"|\b(yet to|still to|still haven'?t|still have not) (receive|get|hear|had)\b[^.!?]{0,30}\b(call ?back|response"
        r"|reply|answer)\b|\b(getting|get|got) (anyone|anybody|someone|somebody) to (call|ring|phone|email) (me |us )?back\b"
        r"|\b(no ?one|no-one|nobody) (have|has|had) (gotten|got) back\b"
        r"|\bnever (called|contacted|emailed|rang) (me |us )?(back|to follow up)\b"
        r"|\b(calls|emails|messages|complaints|requests) (have been|had been|were|are|being|been) ignored\b"
        r"|\b(ignored|ignoring|ignores|ignore) (all |any of )?(my |our )?(emails|messages|calls|complaints?|questions?|requests?"
        r"|letters?)\b"
        r"|\b(had to|have to|having to) (keep )?(chase|chasing)\b|\bnever (heard|had) (anything|a word)\b"
        r"|\bstill (waiting|awaiting) (for )?(a |any )?(reply|response|answer|call ?back)\b"
        r"|\b(nobody|no ?one|no-one) (has )?(been in touch|contacted)\b"
        r"|\b(no ?one|no-one|nobody|no person|no (rep|representative|agent))( has| had| ever| is| was)? (calling|contacting"
        r"|returned|follow(ed|s)? up|contacted|called)\b|\bnever follow(ed)? up\b|\bno follow[- ]?ups?\b"
        r"|\b(not|never|haven'?t|have not|hasn'?t|has not|didn'?t|did not)( yet| ever)? (received|gotten|got|get|had|heard)"
        r"( back)? (a |any )?(response|reply|call ?back|call|further communication|word)\b"
        r"|\b(have|has|had) heard nothing\b|\b(haven'?t|have not|never) heard (anything |a thing )?back\b"
        r"|\b(not|never|didn'?t|did not|won'?t|will not|refuse to|refused to|refuses to) (return|returned|returning|take|taking"
        r"|answer|answering) (my|our|any of my|any of our) (phone )?(calls|emails|messages)\b"
        r"|\b(not|never|won'?t|will not|doesn'?t|does not|didn'?t|did not|refuse to|refused to) respond(ed)? to (any of )?"
        r"(my|our) (emails|calls|messages|letters|complaints|requests)\b"
        r"|\b(said|told|promised|assured)\b[^.!?]{0,80}\b(call|get back|contact|reach out|follow up|email)(ed)?\b[^.!?]{0,60}"
        r"\b(never|didn'?t|did not|nobody|no ?one|nothing|not happen)\b"
    ),
    "phone tree or hold queue": (
        r"\bpress(ing)? (\d|one|two)\b|\b(phone|call) tree\b|\b(on (the )?(phone|line|hold)|holding|kept holding|hold for"
        r"|hold times?)\b.{0,20}"
        r"\b(\d+|an?|two|three|ages|hours?|forever|long)\b.{0,12}\b(min(ute)?s?|hours?|ages|forever|long)\b"
        r"|\bon hold\b|\bhold music\b|\bhold times?\b|\b(in|kept in) a queue\b"
        r"|\bautomated (\w+ )?(menu|message|system|call|voice|phone|prompts?|line|attendant|recording|\"?what)"
        r"|\brecorded (message|voice)\b|\b(straight|directly|always|only|just|goes|went|sent|go) to (a |the )?voice ?mail"
        r"|\bvoice ?mail (box )?(is |was )?full\b|\bautomated voice ?mail\b"
    ),
    "passed around": (
        r"\bpass(ed)? (around|round|from (person to person|pillar to post))\b"
        r"|\btransferr?(ed)? (me )?(to|between) (\d|two|three|different|another|several)\b.{0,10}(dep|team|people)"
        r"|\bpassed through \d\b|\bround in circles\b|\bnobody (wants|wanted) to deal\b"
        r"|\b((transferr?(ed|ing)?|redirect(ed|ing)?|pass(ed|ing)?|bounc(ed|ing)|thrown|tossed|tossing) (me |us )?"
        r"|sent (me|us) )(around|back and forth|from one \w+ to (another|the next))\b"
        r"|\bfrom one (person|department|dept|rep|representative|agent|employee) to (another|the next)\b"
        r"|\b(kept|keep|keeps) (transferring|redirecting|tossing|passing|sending|bouncing) (me|us)\b"
        r"|\btransferr?(ed|ing)? (me |us )?[^.!?]{0,40}\b(\d+|three|four|five|six|multiple|several|many|numerous"
        r"|countless) times\b|\b(constantly|always|just|kept|keep|keeps) transferr?(ing|s)? (me|us)\b"
        r"|\b(transferr?(ed|ing)?|redirect(ed|ing)?) (me |us )?to (various|multiple|several|numerous|different|many)"
        r" (people|personnel|departments|reps|agents|numbers|representatives)\b"
        r"|\b(the|a|another) run[- ]?around\b|\brun[- ]?arounds\b"
        r"|\b(talking|writing|speaking|talk|write|speak) to a (brick )?wall\b"
    ),
    "canned reply": (
        r"\b(canned|copy[- ]?(and[- ])?paste[d]?|templated?|scripted|boilerplate|generic|form|standard|stock) "
        r"(reply|replies|response|responses|answer|answers|email|emails|message|messages|letter)\b"
        r"|\bsame (\w+ )?(reply|response|answer|paragraph)\b|\bauto[- ]?(repl(y|ies)|responses?)\b"
        r"|\bword for word\b|\bcrib sheet\b|\bread(ing)? (from|off) a script\b|\bscripted\b|\brehearsed\b"
        r"|\b(generic|form|standard|stock|canned) (forms|form letters?)\b|\bauto[- ]?generated (letters?|emails?|responses?"
        r"|replies|messages?)\b"
        r"|\b(text|texts|email|emails) (instead of|rather than) (a )?(call|phone call|person|human|conversation)\b"
    ),
    "felt like a number": (
        r"\b(just|like|another) (a )?(number|statistic)\b"
        r"|\bimpersonal\b|\bfaceless\b|\brobotic\b|\blike a robot\b|\bsoulless\b"
        r"|\bpersonal touch\b|\bhuman touch\b|\bdon'?t know me\b|\bdoesn'?t know me\b"
        r"|\btreat(ed|s)? (me |us )?like (a )?(stranger|number|robot)s?\b"
    ),
}

WEAK_RULES: dict[str, str] = {
    "chatbot": r"\b(chat ?bots?|bots?|robots?|virtual assistant|(chat|automated) (assistant|window|box))\b",
    "automated email or text": (
        r"\b(automated|automatic|auto-generated|no-?reply)\b(?! (bill|payments?|withdrawals?|renewals?|debits?|deductions?"
        r"|drafts?|billing|transfers?|deposits?|pay)\b)|\bdear (valued )?customer\b"
    ),
    "pushed to an app or kiosk": (
        r"\b(kiosks?|touch ?screens?|self[- ]?(service|checkouts?)|(use|download) (the|an|your) app)\b(?! (equipment|kits?)\b)"
    ),
}

_STRONG = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in STRONG_RULES.items()}
_WEAK = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in WEAK_RULES.items()}
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[a-z])\.{2,}|\s+-\s+")
_NOISE = re.compile(r"https?://\S+|@\w+|#")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Finding:
    """The verdict on one text: `score` 0..1, `impersonal` (score >= FLAG_AT), and the cues that fired."""

    score: float
    impersonal: bool
    cues: tuple[str, ...]


@dataclass(frozen=True)
class PrototypeIndex:
    """Embedded prototype phrases: one row per phrase, its family, and whether the family is a counter one."""

    vectors: np.ndarray
    families: tuple[str, ...]
    family_of_row: np.ndarray  # index into families, per row of vectors
    counter_rows: np.ndarray  # bool per row of vectors


def sentences(text: str) -> list[str]:
    """The sentences of `text`, without links, @handles and #, each with at least two words. A sentence keeps
    its final full stop, as the sentiment scorer's segments do (`split_segments`), so that a one-sentence text
    is its own sentence and each piece is embedded once (analysis/pipeline.py)."""
    cleaned = _NOISE.sub(" ", text)
    parts = (_SPACES.sub(" ", part).strip(" ,;-").lstrip(".") for part in _SENTENCE_END.split(cleaned))
    return [part for part in parts if len(part.split()) >= 2]


def rule_cues(text: str) -> tuple[list[str], list[str]]:
    """(strong, weak) rule families whose keywords are in `text`."""
    strong = [name for name, pattern in _STRONG.items() if pattern.search(text)]
    return strong, [name for name, pattern in _WEAK.items() if pattern.search(text)]


def confirmed_weak_cues(
    texts: Sequence[str],
    weak_cues: Sequence[list[str]],
    sentiment_scores: Sequence[float],
    embedder: Embedder,
) -> list[list[str]]:
    """Per text, the weak cues that count: all of them in a negative text; in any other text, those in a
    clause that the sentiment scorer reads as negative ("Great bread, but the kiosk is a nightmare.")."""
    candidates = [
        (number, name, clause)
        for number, (text, names, score) in enumerate(zip(texts, weak_cues, sentiment_scores, strict=True))
        if score >= NEGATIVE_BELOW
        for name in names
        for clause in split_segments(text)
        if _WEAK[name].search(clause)
    ]
    labels, _scores = score_sentiment([clause for _, _, clause in candidates], embedder)
    confirmed = [
        list(names) if score < NEGATIVE_BELOW else []
        for names, score in zip(weak_cues, sentiment_scores, strict=True)
    ]
    for (number, name, _clause), label in zip(candidates, labels, strict=True):
        if label == "negative" and name not in confirmed[number]:
            confirmed[number].append(name)
    return confirmed


def build_prototype_index(embedder: Embedder) -> PrototypeIndex:
    """Embed every prototype phrase once with `embedder`."""
    families = tuple(ALL_PROTOTYPES)
    family_of_row = np.array([i for i, family in enumerate(families) for _ in ALL_PROTOTYPES[family]])
    counter = np.array([families[i] in COUNTER_PROTOTYPES for i in family_of_row])
    vectors = np.asarray(embedder(prototype_phrases()), dtype=np.float32)
    return PrototypeIndex(vectors, families, family_of_row, counter)


_INDEXES: dict[int, tuple[Embedder, PrototypeIndex]] = {}


def prototype_index(embedder: Embedder) -> PrototypeIndex:
    """The prototype index of `embedder`, built once per embedder object (the one that computes the vectors:
    every PieceEmbeddings of a source shares the source's index)."""
    source = source_of(embedder)
    cached = _INDEXES.get(id(source))
    if cached is None or cached[0] is not source:
        cached = (source, build_prototype_index(embedder))
        _INDEXES[id(source)] = cached
    return cached[1]


def paraphrase_similarities(sentence_vectors: np.ndarray, index: PrototypeIndex) -> dict[str, float]:
    """Per cue family, the best cosine of any sentence that is closer to it than to every counter family."""
    if len(sentence_vectors) == 0:
        return {}
    cosines = sentence_vectors @ index.vectors.T  # (sentences, phrases)
    counter_best = cosines[:, index.counter_rows].max(axis=1)
    best: dict[str, float] = {}
    for family_number, family in enumerate(index.families):
        if family in COUNTER_PROTOTYPES:
            continue
        family_best = cosines[:, index.family_of_row == family_number].max(axis=1)
        eligible = family_best[family_best >= counter_best + COUNTER_MARGIN]
        if eligible.size:
            best[family] = float(eligible.max())
    return best


def paraphrase_score(similarity: float) -> float:
    """0..1 from a cosine: 0.5 at SIMILARITY_FLOOR, rising to 1 at a cosine of 1."""
    return 0.5 + 0.5 * (similarity - SIMILARITY_FLOOR) / (1 - SIMILARITY_FLOOR)


def judge(
    strong: list[str], weak: list[str], similarities: dict[str, float], sentiment_score: float
) -> Finding:
    """Combine rule cues and paraphrase similarities of one text into a Finding."""
    evidence: dict[str, float] = {name: WEAK_RULE_SCORE for name in weak}
    evidence.update({name: STRONG_RULE_SCORE for name in strong})
    for family, similarity in similarities.items():
        if similarity >= SIMILARITY_FLOOR:
            evidence[family] = max(evidence.get(family, 0.0), paraphrase_score(similarity))
    if not evidence:
        return Finding(0.0, False, ())
    ranked = sorted(evidence, key=lambda name: -evidence[name])
    score = min(1.0, evidence[ranked[0]] + EXTRA_FAMILY_BONUS * (len(ranked) - 1))
    if sentiment_score > POSITIVE_ABOVE and not strong:
        score *= 0.5  # praise (of automation, say) that merely resembles a complaint
    flagged = score >= FLAG_AT
    return Finding(round(score, 4), flagged, tuple(ranked) if flagged else ())


def detect_impersonal(
    texts: Sequence[str | None], sentiment_scores: Sequence[float | None], embedder: Embedder | None = None
) -> list[Finding]:
    """One Finding per text. `sentiment_scores` are -1..1 (negative is a complaint); `embedder` turns
    sentences into unit vectors (default: analysis.embeddings.embed, all-MiniLM-L6-v2)."""
    embedder = embedder or _default_embedder()
    index = prototype_index(embedder)
    texts_split = [sentences(text or "") for text in texts]
    flat = [sentence for parts in texts_split for sentence in parts]
    vectors = np.asarray(embedder(flat), dtype=np.float32) if flat else np.zeros((0, index.vectors.shape[1]))
    scores = [float(score or 0.0) for score in sentiment_scores]
    rules = [rule_cues(text or "") for text in texts]
    weak = confirmed_weak_cues([text or "" for text in texts], [weak for _, weak in rules], scores, embedder)
    findings: list[Finding] = []
    start = 0
    for (strong, _), weak_cues, parts, score in zip(rules, weak, texts_split, scores, strict=True):
        similarities = paraphrase_similarities(vectors[start : start + len(parts)], index)
        findings.append(judge(strong, weak_cues, similarities, score))
        start += len(parts)
    return findings


def _default_embedder() -> Embedder:
    from analysis.embeddings import embed

    return embed


def add_impersonal(
    frame: pl.DataFrame, text_column: str = "text", embedder: Embedder | None = None
) -> pl.DataFrame:
    """Add `impersonal_cues` (list of cue names), `impersonal_score` (0..1) and `impersonal` (score >= FLAG_AT).

    Needs `sentiment_score` (-1..1, see analysis.sentiment). `embedder` defaults to all-MiniLM-L6-v2.
    """
    sentiment_scores = frame["sentiment_score"].to_list()
    findings = detect_impersonal(frame[text_column].to_list(), sentiment_scores, embedder)
    return frame.with_columns(
        pl.Series("impersonal_cues", [list(f.cues) for f in findings], dtype=pl.List(pl.String)),
        pl.Series("impersonal_score", [f.score for f in findings], dtype=pl.Float64),
        pl.Series("impersonal", [f.impersonal for f in findings], dtype=pl.Boolean),
    )
