"""Questions generated from ECTSum's expert summaries, each with the passage and figure of its
call that answer it.

A summary bullet ("q3 adjusted earnings per share $0.83", "sees fy revenue $1.82 billion to
$1.83 billion") gives a figure, the words that name what it measures, whether it is guidance,
and the call's company and quarter (from the file name). The call is searched for a line that
states the same figure (unit and value within 0.5%, both ends of a range) and shares a word
of its name; that line's words around the figure are the evidence. A bullet the call does not
state, states only for another metric, or states in several places that disagree on the
name is dropped, never forced. The question names the company and the quarter.

    python -m benchmarks.generate_questions ../shared/corpus/ectsum-val eval/ectsum_val.jsonl

The same program makes training examples from `ectsum-library/` (with `--prefix t`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from assistant.figures import Figure, english_figures
from assistant.text.lexical import token_set
from assistant.vocabulary import QUESTION_TOKENS

UNITS = {"USD", "%"}
GUIDANCE_RE = re.compile(
    r"\b(?:sees|expects?|guides|guidance|outlook|view|forecast(?:s|ing)?)\b", re.I
)
CHANGE_RE = re.compile(r"\b(?:rose|fell|up|down|increased|decreased|grew|declined)\b", re.I)
ESTIMATE_RE = re.compile(r"\b(?:estimate|consensus|analysts?|expected)\b", re.I)
LEAD_RE = re.compile(
    r"^(?:compname|[a-z&.' ]{0,40}?)?\s*(?:reports?|says|posts?|announces?|sees|expects)?\s*",
    re.I,
)
PERIOD_WORDS_RE = re.compile(
    r"\b(?:q[1-4]|fy|full[- ]year|fiscal|quarter(?:ly)?|qtrly|(?:19|20)\d{2}|year|for|of|in|"
    r"the|compname|reports?|says|sees|expects|company|versus|vs|to|rose|fell|up|down|was|were|"
    r"per cent|percent)\b",
    re.I,
)
# Words of a bullet that name no metric, as the tokenizer that compares them writes them.
FILLER = QUESTION_TOKENS | token_set("q fy compname reports sees expects qtrly company")
MAX_EVIDENCE = 90
PER_SHARE_AFTER_RE = re.compile(r"\s*(?:per|a)\s+(?:diluted\s+)?share\b", re.I)


@dataclass(frozen=True)
class Generated:
    doc: str
    question: str
    evidence: str
    figure: dict
    bullet: str


def bullet_figure(bullet: str, period: str) -> Figure | None:
    """The figure a bullet states: the first amount or percentage before any estimate it is
    compared with ("$2.6 billion versus refinitiv ibes estimate of $2.64 billion")."""
    cut = ESTIMATE_RE.search(bullet)
    head = bullet[: cut.start()] if cut else bullet
    head = re.sub(r"(\d)\s*percent\b", r"\1%", head, flags=re.I)
    for figure in english_figures(head, period):
        if figure.unit in UNITS and figure.kind != "prior":  # not "increased from $2.70"
            return figure
    return None


def metric_words(bullet: str, figure_start: int) -> frozenset[str]:
    """The words that name what the bullet's figure measures: its words before the figure,
    without the company mask, periods, verbs of reporting and question words."""
    words = PERIOD_WORDS_RE.sub(" ", bullet[:figure_start])
    return frozenset(t for t in token_set(words) if t not in FILLER and not t.isdigit())


LEADING_WORDS_RE = re.compile(
    r"^(?:(?:reports?|says|posts?|announces?|sees|expects|raises|lowers|reaffirms|maintains|"
    r"maintaining|raising|lowering|reaffirming|total|fiscal year|fiscal|full year|quarterly)\s+)+",
    re.I,
)
TRAILING_WORDS_RE = re.compile(
    r"(?:\s+(?:of|was|were|is|are|at|to|in|for|rose|fell|up|down|increased|decreased|grew|"
    r"declined|range|the|view|outlook|guidance|at end|end|between|be|estimated|expected|about|"
    r"approximately|around|roughly|nearly))+\s*$",
    re.I,
)
CUT_RE = re.compile(
    r"\s+(?:are|is|was|were|will|include|includes|included|for|excluding|including|on a|"
    r"in (?:the )?range|in (?:the )?(?:low|mid|high)|to be)\b.*$",
    re.I,
)
CHANGE_WORDS = "up down rose fell increased decreased grew declined"
RATE_WORDS = "growth margin rate ratio percent share yield return"
PREPOSITIONS = {"from", "for", "of", "in", "at", "excluding", "including", "per", "on", "to"}
MAX_PHRASE_WORDS = 7
RATE_TOKENS = token_set(RATE_WORDS)
CHANGE_TOKENS = token_set(CHANGE_WORDS)


def metric_phrase(bullet: str, figure_start: int, ticker: str) -> str:
    """The bullet's name for the metric, as a question can say it: the words before the
    figure after the last comma (a leading clause qualifies), without the company mask, the
    company's ticker, periods, reporting verbs and what follows a verb ("capital expenditures
    are estimated to be in range of" is "capital expenditures")."""
    text = re.sub(r"\([^)]*\)", " ", bullet[:figure_start])
    parts = [p for p in text.split(",") if re.search(r"[a-z]{3}", p, re.I)]
    text = parts[-1] if parts else ""
    if len(parts) > 1 and re.match(r"\s*(?:excluding|including|on a|in|for)\b", text, re.I):
        text = parts[-2]
    # "allete inc - qtrly earnings per share", "for q4 2020 expect adjusted diluted eps": what
    # comes before a company's legal suffix or a verb of guidance is not the metric.
    text = re.sub(r"^.*?\b(?:inc|corp|co|ltd|plc)\b\.?\s*-?\s*", "", text, flags=re.I)
    text = re.sub(r"^[^-]{2,40}\s-\s+", "", text)  # "unitedhealth - cash flows from operations"
    text = re.sub(
        r"^.*?\b(?:sees|expects?|increases|raises|lowers|reaffirms|maintains|maintaining|"
        r"forecasting|forecasts?|delivered|reported)\s+",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(r"\b(?:compname|q[1-4]|fy|full[- ]year|qtrly|quarterly)\b", " ", text, flags=re.I)
    text = re.sub(rf"\b(?:{re.escape(ticker)}|(?:19|20)\d{{2}})\b", " ", text, flags=re.I)
    text = LEADING_WORDS_RE.sub("", " ".join(text.split()))
    text = CUT_RE.sub("", text)
    text = TRAILING_WORDS_RE.sub("", text)
    text = " ".join(text.split()).strip(" ,.;:-")
    return text if len(text.split()) <= MAX_PHRASE_WORDS else ""


def head_word(phrase: str) -> str | None:
    """The noun that names the metric: the last word before the first preposition
    ("revenues from continuing operations", "earnings per share")."""
    words = phrase.lower().split()
    for k, word in enumerate(words):
        if word in PREPOSITIONS and k > 0:
            words = words[:k]
            break
    tokens = [t for t in token_set(words[-1]) if t not in FILLER] if words else []
    return tokens[0] if tokens else None


def same_figure(a: Figure, b: Figure) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is None and y is None
        return abs(x - y) <= abs(y) * 0.005 + 1e-9

    return a.unit == b.unit and close(a.value, b.value) and close(a.high, b.high)


def evidence_of(line: str, figure: Figure) -> str:
    """The words of the line around the figure, whole words, at most MAX_EVIDENCE long."""
    start, end = figure.span
    left = max(0, start - (MAX_EVIDENCE - (end - start)) // 2)
    right = min(len(line), left + MAX_EVIDENCE)
    if left > 0:
        left = line.find(" ", left) + 1 or left
    if right < len(line):
        right = line.rfind(" ", start, right) if line.rfind(" ", end, right) > 0 else right
    return line[left:right].strip(" ,.;:")


QUARTER_SAID_RE = re.compile(r"\bq([1-4])(?:\s+(?:of\s+)?(?:fiscal\s+)?((?:19|20)\d{2}))?\b", re.I)
YEAR_SAID_RE = re.compile(
    r"\b(?:(?:fy|full[- ]year|fiscal(?:\s+year)?|year)\s*((?:19|20)\d{2})?|((?:19|20)\d{2}))\b",
    re.I,
)


def said_period(bullet: str, call_period: str) -> str | None:
    """The period a bullet names, when it names one: "q4 2020" or "q4" (the call's year),
    "fy 2021" or "2021" (a full year: "full-year 2021"); None for the call's own quarter."""
    call_year = call_period[-4:]
    quarter = QUARTER_SAID_RE.search(bullet)
    if quarter:
        said = f"Q{quarter[1]} {quarter[2] or call_year}"
        return None if said == call_period else said
    year = YEAR_SAID_RE.search(bullet)
    if year and (year[1] or year[2] or re.search(r"\b(?:fy|full[- ]year)\b", bullet, re.I)):
        return f"full-year {year[1] or year[2] or call_year}"
    return None


ORDINALS = ("first", "second", "third", "fourth")


def pick(forms: tuple[str, ...], phrasing: int) -> str:
    """The first form, or for phrasing 1, 2, ... one of the others in turn."""
    return forms[1 + (phrasing - 1) % (len(forms) - 1)] if phrasing else forms[0]


def question_for(
    ticker: str,
    period: str,
    phrase: str,
    guidance: bool,
    change: bool,
    said: str | None,
    phrasing: int = 0,
) -> str:
    """The question, in the first phrasing or (for training) one of the others: a ranker fitted
    on one phrasing learns its wording, not what an analyst asks."""
    if guidance:
        target = f" for {said}" if said else ""
        forms = (
            f"What {phrase} guidance did {ticker} give{target} on its {period} call?",
            f"What {phrase} does {ticker} expect{target}, according to its {period} call?",
            f"What {phrase} outlook did {ticker} give{target} on the {period} call?",
        )
        return pick(forms, phrasing)
    asked = said or period
    if phrasing and re.fullmatch(r"Q[1-4] \d{4}", asked):
        asked = f"the {ORDINALS[int(asked[1]) - 1]} quarter of {asked[-4:]}"
    when = f"for {asked}" if asked.startswith("full-year") else f"in {asked}"
    if change:
        forms = (
            f"By how much did {ticker}'s {phrase} change {when}?",
            f"What was the change in {ticker}'s {phrase} {when}?",
            f"How much did {phrase} change at {ticker} {when}?",
        )
    else:
        forms = (
            f"What was {ticker}'s {phrase} {when}?",
            f"What {phrase} did {ticker} report {when}?",
            f"How much {phrase} did {ticker} deliver {when}?",
            f"{ticker} {phrase} {when}?",
        )
    return pick(forms, phrasing)


def generate_for_call(call: Path, summary: Path, rephrase: bool = False) -> list[Generated]:
    meta = json.loads(Path(f"{call}.meta.json").read_text(encoding="utf-8"))
    ticker, period = meta["ticker"], meta["period"]
    lines = call.read_text(encoding="utf-8").splitlines()
    stated = [(line, english_figures(line, period)) for line in lines]
    out: list[Generated] = []
    seen: set[tuple] = set()
    for bullet in summary.read_text(encoding="utf-8").splitlines():
        bullet = bullet.strip()
        figure = bullet_figure(bullet, period)
        if figure is None:
            continue
        words = metric_words(bullet, figure.span[0])
        phrase = metric_phrase(bullet, figure.span[0], ticker)
        head = head_word(phrase)
        if not words or len(phrase) < 3 or head is None or head in CHANGE_TOKENS:
            continue  # "tons sold 1.3 million, down 13.1%" names no metric before its rate
        guidance = bool(GUIDANCE_RE.search(bullet))
        change = figure.unit == "%" and bool(CHANGE_RE.search(bullet)) and not guidance
        if figure.unit == "%" and not change and not token_set(phrase) & RATE_TOKENS:
            continue  # "sees fy revenue up 3 to 5 percent": a rate the question would not ask
        # The line must state the figure and name the metric's head noun: "Revenues at
        # Textron Aviation of $1.6 billion" does not answer the aviation backlog.
        matches = [
            (len(words & token_set(line)), line, f)
            for line, figures in stated
            for f in figures
            if same_figure(f, figure) and head in token_set(line)
        ]
        if not matches:
            continue  # the call does not state it (or states it for another metric)
        best = max(m[0] for m in matches)
        line, found = next((line, f) for n, line, f in matches if n == best)
        # One question per figure of a call: "idacorp qtrly earnings per share $1.38" and "q2
        # earnings per share $1.38" ask the same.
        key = (figure.unit, round(figure.value, 6), figure.high)
        if key in seen:
            continue
        seen.add(key)
        if PER_SHARE_AFTER_RE.match(bullet, figure.span[1]) and "share" not in phrase.lower():
            phrase += " per share"  # "2021 earnings of $3.23 per share"
        question = question_for(
            ticker, period, phrase, guidance, change, said_period(bullet[: figure.span[0]], period)
        )
        if question in {g.question for g in out}:
            continue  # two figures the question cannot tell apart: neither is asked twice
        expected = {"value": figure.value, "unit": figure.unit}
        if figure.high is not None:
            expected["range_high"] = figure.high
        out.append(Generated(call.name, question, evidence_of(line, found), expected, bullet))
        if rephrase:  # the same fact asked again in another phrasing, chosen by the bullet
            other = 1 + zlib.crc32(bullet.encode()) % 3
            said = said_period(bullet[: figure.span[0]], period)
            again = question_for(ticker, period, phrase, guidance, change, said, other)
            out.append(Generated(call.name, again, evidence_of(line, found), expected, bullet))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path, help="a folder of calls with summaries/ beside them")
    parser.add_argument("out", type=Path, help="the question file to write (JSON lines)")
    parser.add_argument("--prefix", default="v", help="question ids: v0001, v0002, ...")
    parser.add_argument("--split", default="ectsum-val")
    parser.add_argument(
        "--rephrase", action="store_true", help="ask each fact twice, in two phrasings (training)"
    )
    args = parser.parse_args()
    calls = sorted(args.corpus.glob("*.txt"))
    rows, bullets = [], 0
    for call in calls:
        summary = args.corpus / "summaries" / call.name
        if not summary.exists():
            continue
        bullets += sum(1 for b in summary.read_text(encoding="utf-8").splitlines() if b.strip())
        for item in generate_for_call(call, summary, args.rephrase):
            rows.append(
                {
                    "id": f"{args.prefix}{len(rows) + 1:04d}",
                    "split": args.split,
                    "doc": item.doc,
                    "lang": "en",
                    "kind": "figure",
                    "question": item.question,
                    "evidence": item.evidence,
                    "figure": item.figure,
                    "bullet": item.bullet,
                }
            )
    args.out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    print(
        f"{len(calls)} calls, {bullets} bullets: {len(rows)} questions written to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
