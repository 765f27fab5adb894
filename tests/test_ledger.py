"""The figure ledger: metric keys shared by one metric's names (phrasings taken from the
development calls and bank reports), rows that quote their own passage, and the same rows from
the CLI and the HTTP API of a real server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import httpx
import pytest

from assistant.answers.ledger import metric_key, metric_words, rows_of, select
from assistant.vocabulary import (
    METRIC_CHANGING_WORDS,
    METRIC_KEYS,
    METRIC_LEADING_WORDS,
    NOT_METRIC_WORDS,
)
from benchmarks.serving import Server
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (
            ("diluted EPS", "earnings per diluted share", "Diluted earnings per share"),
            "eps_diluted",
        ),
        (("CET1", "common equity tier 1 ratio", "CET1 capital ratio"), "cet1_ratio"),
        (
            ("net sales", "Revenues", "total revenue", "group revenue for the december quarter"),
            "revenue",
        ),
        (("adjusted EBITDA", "Adjusted EBITDA"), "ebitda_adjusted"),
        (
            ("non-GAAP operating profit", "core operating profit", "adjusted operating income"),
            "operating_income_adjusted",
        ),
        (("same-store sales", "comp store sales", "comparable sales"), "same_store_sales"),
        (
            ("net income", "net earnings", "Net income attributable to common shareholders"),
            "net_income",
        ),
        (("RoTCE", "return on tangible common equity"), "rotce"),
        (("quarterly dividend", "dividends"), "dividend"),
    ],
)
def test_one_metric_said_several_ways_has_one_key(names, key):
    assert {metric_key(name) for name in names} == {key}


def test_qualifiers_come_from_the_figures_own_clause():
    assert metric_key("earnings per share", "adjusted diluted earnings per share of $1.23") == (
        "eps_diluted_adjusted"
    )
    assert metric_key("net income", "GAAP net income of $12 million") == "net_income"
    assert metric_key("revenue", "non-GAAP revenue") == "revenue_adjusted"


def test_a_part_or_another_measure_keeps_a_key_of_its_own():
    assert metric_key("system sales") == "system_sales"  # not the company's revenue
    assert metric_key("operating margin") == "operating_margin"
    assert metric_key("EBITDA margin") == "ebitda_margin"
    assert metric_key("revenue growth") == "revenue_growth"
    assert metric_key("net interest income") == "net_interest_income"  # not net income


def test_fillers_and_clauses_get_no_key():
    for label in ("turning to slide", "slide", "sequentially", None, ""):
        assert metric_key(label) is None
    assert metric_key("in covid generated ventilator revenue in our march quarter") is None
    for label in ("preliminary", "run"):  # "a preliminary 13.5%", "a run rate of"
        assert metric_key(label) is None


def test_a_label_that_names_nothing_takes_the_metric_its_clause_names():
    from assistant.answers.ledger import named_metric

    assert named_metric("Our CET1 ratio ticked up to a preliminary 13.5%") == "cet1_ratio"
    assert named_metric("adjusted diluted EPS came in at a record $1.23") == (
        "eps_diluted_adjusted"
    )
    assert named_metric("we grew deposits across the franchise") is None


def test_every_vocabulary_phrase_has_words_and_maps_to_its_own_key():
    for key, phrases in METRIC_KEYS.items():
        for phrase in phrases:
            assert metric_words(phrase), phrase
            # Its base key; a qualifier in the phrase itself is added ("diluted").
            assert metric_key(phrase).removesuffix("_diluted") == key, phrase
    for word in (*METRIC_LEADING_WORDS, *METRIC_CHANGING_WORDS, *NOT_METRIC_WORDS):
        assert metric_words(word), word


def test_every_row_quotes_its_own_passage(seed_index, assistant_on):
    store = assistant_on(seed_index).store
    chunks = {c.chunk_id: c for c in store.chunks}
    rows = rows_of(store)
    assert len(rows) > 100
    for row in rows:
        chunk = chunks[row.chunk_id]
        said = " ".join([chunk.text, chunk.translation or "", *(c.text for c in chunk.cells)])
        assert row.text in said, row
        assert row.doc_id == chunk.doc_id


def test_one_metric_meets_under_one_key_across_calls(ectsum_library):
    rows = rows_of(ectsum_library.store)
    revenue = select(rows, metric="revenue")
    assert {r.doc_id for r in revenue} >= {"RMD_q1_2022", "AAP_q3_2021", "DPZ_q2_2021"}
    assert len({(r.label or "").lower() for r in revenue}) >= 3  # "net sales", "revenues", ...
    eps = select(rows, metric="EPS")
    assert {r.metric for r in eps} <= {"eps", "eps_diluted", "eps_adjusted", "eps_diluted_adjusted"}
    assert len({r.doc_id for r in eps}) >= 3
    rmd = select(rows, company="rmd", metric="revenue")
    assert rmd and {r.ticker for r in rmd} == {"RMD"}
    ordered = [r.period for r in select(rows, company="RMD", metric="revenue", kind="actual")]
    assert ordered.index("Q2 2021") < ordered.index("Q1 2022")  # fiscal order, not text order
    assert all(r.period == "Q1 2022" for r in select(rows, company="RMD", period="q1 2022"))


def test_the_cli_and_the_api_give_the_same_rows(seed_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "figures",
            "--company",
            "LexinFintech",
            "--csv",
            "--index",
            str(index),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    server = Server(index, tmp_path / "server.log")
    try:
        server.wait_ready()
        response = httpx.get(
            f"{server.url}/v1/figures", params={"company": "LexinFintech", "format": "csv"}
        )
        as_json = httpx.get(
            f"{server.url}/v1/figures", params={"company": "lexinfintech", "metric": "revenue"}
        ).json()
    finally:
        server.stop()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == cli
    assert cli.count("\n") > 50 and cli.startswith("company,ticker,period,metric,")
    assert as_json["figures"] and {f["metric"].split("_")[0] for f in as_json["figures"]} == {
        "revenue"
    }


def test_a_question_across_quarters_gets_one_cited_line_per_quarter(ectsum_library):
    result = ectsum_library.ask("How did RMD's revenue trend from Q2 2021 to Q1 2022?")
    assert result.found
    assert [(i["period"], i["text"], i["unit"]) for i in result.series] == [
        ("Q2 2021", "$800 million", "USD"),
        ("Q1 2022", "$904 million", "USD"),
    ]
    assert result.missing_periods == ("Q3 2021", "Q4 2021")  # said missing, never filled in
    assert "Not in the documents: Q3 2021, Q4 2021." in result.answer
    cited = {c.n: c for c in result.citations}
    for item in result.series:
        citation = cited[item["citation"]]
        assert item["text"] in citation.text  # the number is in the passage it cites
        assert citation.doc_id.startswith("RMD_")
        assert f"[{item['citation']}]" in result.answer
    assert {c.period for c in result.citations} == {"Q2 2021", "Q1 2022"}


def test_questions_about_one_period_or_an_unknown_metric_are_answered_as_before(
    ectsum_library,
):
    one = ectsum_library.ask("What was RMD's revenue in Q1 2022?")
    assert one.found and one.series == ()
    unknown = ectsum_library.ask("How did RMD's mask resupply program trend over time?")
    assert unknown.series == ()


def notes_library(tmp_path, encoder, notes: dict[str, tuple[str, str, str]]):
    """An index of notes written here: {file stem: (company, period, text)}, each with its
    sidecar."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, (company, period, text) in notes.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (folder / f"{name}.txt.meta.json").write_text(
            json.dumps({"company": company, "period": period, "type": "notes"}), encoding="utf-8"
        )
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), encoder)
    assistant.build([folder])
    return assistant


def test_losses_are_negative_and_a_clause_ends_with_its_sentence(tmp_path, encoder):
    text = (
        "In the fourth quarter, we reported a net loss of $1.8 billion and a net loss per share "
        "of $1.16 on $17.4 billion of revenues. Excluding the notable items, diluted EPS would "
        "have been $0.84 for the quarter.\n\n"
        "The Devices segment recorded an operating loss of $12 million, while gross margin "
        "rose 3% to 41.5%."
    )
    assistant = notes_library(tmp_path, encoder, {"testco-q4-2023": ("Testco", "Q4 2023", text)})
    rows = {(r.metric, r.text): r for r in rows_of(assistant.store)}
    # A loss is the metric's negative value; its text stays as written.
    assert rows[("net_income", "$1.8 billion")].value == -1.8e9
    assert rows[("eps", "$1.16")].value == -1.16
    assert rows[("operating_income", "$12 million")].value == -12e6
    # "of revenues. Excluding ..." : the next sentence's qualifier is not this figure's.
    assert rows[("revenue", "$17.4 billion")].value == 17.4e9
    assert rows[("eps_diluted_adjusted", "$0.84")].value == 0.84
    # A rate is not a loss's amount: the margin keeps its sign.
    assert all(r.value > 0 for r in rows.values() if r.unit == "%")
    # A series quotes a loss's own sentence and lists its figure, as for any other value.
    result = assistant.ask("How did Testco's net income trend through 2023?")
    assert [(i["period"], i["value"]) for i in result.series] == [("Q4 2023", -1.8e9)]
    assert "$1.8 billion (a loss) — “In the fourth quarter, we reported a net loss" in result.answer
    assert "Excluding the notable items" not in result.answer  # not the next sentence
    assert [f.figure.text for f in result.figures] == ["$1.8 billion"]


def test_a_row_has_its_metrics_key_only_in_the_metrics_unit(tmp_path, encoder):
    """Said on Citi's and UBS's calls: capital in dollars beside the CET1 ratio is no CET1
    ratio row."""
    text = (
        "Our CET1 ratio grew to 13.5% which is $14 billion above our regulatory minimum and "
        "still includes a 100bps internal management buffer. Group RWA is expected to drop by "
        "35 billion, freeing up around 5 billion in CET1 capital. Revenues grew 9% to $20.1 "
        "billion."
    )
    assistant = notes_library(tmp_path, encoder, {"bankco-q3-2023": ("Bankco", "Q3 2023", text)})
    rows = rows_of(assistant.store)
    cet1 = {r.text for r in select(rows, metric="cet1")}
    assert cet1 == {"13.5%", "100bps"}
    revenue = {(r.text, r.change) for r in select(rows, metric="revenue")}
    assert revenue == {("9%", "increase"), ("$20.1 billion", None)}


def test_a_rate_key_whose_name_begins_with_an_amounts_is_the_rate():
    """ "ebitda_margin" begins with "ebitda_": it is still a rate, kept in percent."""
    from assistant.answers.ledger import of_its_unit
    from assistant.figures import Figure

    margin = Figure(value=25.0, unit="%", text="25%", span=(0, 3))
    assert of_its_unit("ebitda_margin", margin) == "ebitda_margin"
    assert of_its_unit("ebitda_margin_adjusted", margin) == "ebitda_margin_adjusted"
    assert of_its_unit("ebitda", margin) is None  # an amount's level is never a percentage


def test_slack_shows_a_series_as_a_compact_table(ectsum_library):
    from assistant.answers.schema import answer_model
    from assistant.slack import answer_blocks

    model = answer_model(ectsum_library.ask("How did RMD's revenue trend from Q2 2021 to Q1 2022?"))
    _, blocks = answer_blocks(model)
    tables = [b["text"]["text"] for b in blocks if "```" in b.get("text", {}).get("text", "")]
    assert len(tables) == 1
    lines = tables[0].split("```")[1].splitlines()
    assert lines[1].split() == ["Q2", "2021", "$800", "million", "[1]"]
    assert lines[2].split() == ["Q1", "2022", "$904", "million", "[2]"]
    assert tables[0].endswith("Not in the documents: Q3 2021, Q4 2021")


def test_a_comparison_of_companies_gets_each_companys_cited_figures(ectsum_library):
    result = ectsum_library.ask("Compare RMD's and AAP's revenue")
    assert [(i["company"], i["period"], i["text"]) for i in result.series] == [
        ("AAP", "Q3 2021", "$2.6 billion"),
        ("RMD", "Q2 2021", "$800 million"),
        ("RMD", "Q1 2022", "$904 million"),
    ]
    cited = {c.n: c for c in result.citations}
    for item in result.series:
        assert cited[item["citation"]].doc_id.startswith(item["company"])  # never blended
        assert item["text"] in cited[item["citation"]].text
    assert "AAP · Q3 2021: $2.6 billion" in result.answer
    one = ectsum_library.ask("What were AAP's net sales in Q3 2021?")  # one company: as before
    assert one.series == ()


def test_guidance_against_the_result_is_cited_and_the_gap_marked_computed(tmp_path, encoder):
    calls = {
        "testco-q1-2024": (
            "Testco",
            "Q1 2024",
            "For the full year 2024, we expect revenue of $4.0 billion "
            "to $4.2 billion. Year-to-date revenue was $1.1 billion.",
        ),
        "testco-q3-2024": (
            "Testco",
            "Q3 2024",
            "We now expect full-year 2024 revenue of $4.2 billion to "
            "$4.3 billion. Revenue year-to-date was $3.2 billion.",
        ),
        "testco-q4-2024": (
            "Testco",
            "Q4 2024",
            "Full-year 2024 revenue was $4.4 billion, a record.",
        ),
    }
    assistant = notes_library(tmp_path, encoder, calls)
    result = assistant.ask("Did Testco deliver the 2024 revenue it guided to?")
    kinds = [(i["kind"], i["text"]) for i in result.series]
    assert kinds == [
        ("guidance", "$4.0 billion to $4.2 billion"),  # the first call's guidance
        ("guidance", "$4.2 billion to $4.3 billion"),  # raised on the third-quarter call
        ("actual", "$4.4 billion"),  # not the year-to-date $3.2 billion
    ]
    cited = {c.n: c for c in result.citations}
    assert [cited[i["citation"]].doc_id for i in result.series] == list(calls)
    (gap,) = result.computed
    assert gap["computed"] and gap["inputs"] == [2, 3]
    assert gap["value"] == pytest.approx(0.1e9)
    assert "above the guided $4.2 billion to $4.3 billion" in result.answer


@pytest.mark.parametrize(
    ("key", "written"),
    [
        ("cet1_ratio", "CET1 ratio"),
        ("eps_diluted_adjusted", "adjusted diluted EPS"),
        ("net_income_adjusted", "adjusted net income"),
        ("revenue", "revenue"),
        ("system_sales", "system sales"),
        ("operating_expenses_ratio", "operating expenses ratio"),
    ],
)
def test_an_answer_writes_a_key_as_its_metric_is_said(key, written):
    from assistant.answers.ledger import readable_metric

    assert readable_metric(key) == written
