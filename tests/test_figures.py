"""Figure extraction: a table of cases from the seeds and realistic call language, the
numbers that must not be read as amounts, and properties over arbitrary text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.figures import (
    chinese_figures,
    document_figures,
    english_figures,
    extract_figures,
    parse_number,
)

# (text, [expected figures]); each expected figure lists the fields to check.
EN_CASES = [
    (
        "our net income increased by 17% to RMB363 million",
        [
            dict(value=17, unit="%", metric="net income", change="increase"),
            dict(value=363e6, unit="CNY", text="RMB363 million", metric="net income"),
        ],
    ),
    (
        "As of quarter end, our outstanding loan balance stood at RMB110 billion.",
        [dict(value=110e9, unit="CNY", metric="outstanding loan balance", scale="billion")],
    ),
    (
        "Revenue was RMB3.7 billion, and non-GAAP profit was RMB390 million.",
        [
            dict(value=3.7e9, unit="CNY", metric="revenue"),
            dict(value=390e6, unit="CNY", metric="non-gaap profit"),
        ],
    ),
    (
        "the board approved a cash dividend of USD0.11 per ADS",
        [dict(value=0.11, unit="USD", qualifier="per ADS", metric="cash dividend")],
    ),
    ("a dividend of US$0.11 per ADS", [dict(value=0.11, unit="USD", qualifier="per ADS")]),
    ("Diluted earnings per share were $0.42", [dict(value=0.42, unit="USD")]),
    ("USD 152 million in proceeds", [dict(value=152e6, unit="USD")]),
    ("RMB 3.7 billion", [dict(value=3.7e9, unit="CNY")]),
    ("HK$2.5 billion of notes", [dict(value=2.5e9, unit="HKD")]),
    ("€40 million", [dict(value=40e6, unit="EUR")]),
    ("revenue of 5 million yuan", [dict(value=5e6, unit="CNY")]),
    ("$1.2bn of buybacks", [dict(value=1.2e9, unit="USD")]),
    ("a net loss of (RMB12.5 million)", [dict(value=-12.5e6, unit="CNY")]),
    ("other income was ($3.1 million)", [dict(value=-3.1e6, unit="USD")]),
    (
        "FPD over 7 days declined by about 8%",
        [dict(value=8, unit="%", change="decrease", approximate=True)],
    ),
    (
        "tech empowerment service income increased by 57%",
        [dict(value=57, unit="%", change="increase", metric="tech empowerment service income")],
    ),
    (
        "revenue was $412.6 million, up 18% year over year",
        [
            dict(value=412.6e6, unit="USD"),
            dict(value=18, unit="%", change="increase", metric="revenue"),
        ],
    ),
    ("operating expenses were down 4% sequentially", [dict(value=4, unit="%", change="decrease")]),
    (
        "Gross margin expanded 140 basis points to 46.2%",
        [dict(value=140, unit="bps", metric="gross margin"), dict(value=46.2, unit="%")],
    ),
    (
        "Our take rate was 2.31%, down 4 bps from the third quarter",
        [
            dict(value=2.31, unit="%", metric="take rate"),
            dict(value=4, unit="bps", change="decrease"),
        ],
    ),
    ("funding costs decreased by 26 basis points", [dict(value=26, unit="bps", change="decrease")]),
    ("transaction losses were 6 bp of volume", [dict(value=6, unit="bps")]),
    (
        "with a number of financial partners growing to 63",
        [dict(value=63, unit="count", metric="number of financial partners")],
    ),
    (
        "We shipped 1,240 autonomous mobile robots",
        [dict(value=1240, unit="count", metric="autonomous mobile robots")],
    ),
    ("active merchants reached 412,000", [dict(value=412000, unit="count")]),
    (
        "we repurchased 4.2 million shares for $150 million",
        [dict(value=4.2e6, unit="count", metric="shares"), dict(value=150e6, unit="USD")],
    ),
    (
        "average contract length is now 38 months",
        [dict(value=38, unit="months", metric="average contract length")],
    ),
    ("payments are 90 days contractually past due", [dict(value=90, unit="days")]),
    ("a 6-month lock-up", [dict(value=6, unit="months")]),
    (
        "provision coverage ratio remains sufficient at approximately 255%",
        [dict(value=255, unit="%", approximate=True, metric="provision coverage ratio")],
    ),
    (
        "The weighted average APR for loans now stands at 23.88%.",
        [dict(value=23.88, unit="%", metric="weighted average APR for loans")],
    ),
    (
        "we now expect revenue of $1.65 billion to $1.70 billion",
        [
            dict(
                value=1.65e9,
                high=1.70e9,
                unit="USD",
                text="$1.65 billion to $1.70 billion",
                metric="revenue",
            )
        ],
    ),
    ("net revenue growth of 15% to 17%", [dict(value=15, high=17, unit="%")]),
    (
        "decline by another 3 to 5 basis points in 2025",
        [dict(value=3, high=5, unit="bps", change="decrease", period="2025")],
    ),
    ("between 8.5% and 9.9% of total revenue", [dict(value=8.5, high=9.9, unit="%")]),
    ("trading at 12.5x earnings", [dict(value=12.5, unit="x")]),
    ("leverage of 3 times", [dict(value=3, unit="x")]),
    (
        "cash position was approximately RMB4.1 billion",
        [dict(value=4.1e9, unit="CNY", approximate=True, metric="cash position")],
    ),
    ("churn stayed below 2% on an annualized basis", [dict(value=2, unit="%", bound="upper")]),
    ("installed base now exceeds 9,800 units", [dict(value=9800, unit="count", bound="lower")]),
    ("a 0.5 percentage point increase", [dict(value=0.5, unit="%", qualifier="percentage points")]),
    ("margin was 12 percent", [dict(value=12, unit="%")]),
    (
        "Total payment volume grew 21% to $48.7 billion in the fourth quarter",
        [
            dict(value=21, unit="%", change="increase"),
            dict(value=48.7e9, unit="USD", period="Q4 2024"),
        ],
    ),
    (
        "It started from 0.66% in Q1, 0.77% in Q2, 1.09% in Q3, and 1.31% in Q4.",
        [
            dict(value=0.66, unit="%", period="Q1 2024"),
            dict(value=1.31, unit="%", period="Q4 2024"),
        ],
    ),
    (
        "loans of RMB463,254,567 and RMB626,229,041 as of December 31, 2022 and December 31, 2023",
        [
            dict(value=463254567, unit="CNY", period="December 31, 2022"),
            dict(value=626229041, unit="CNY", period="December 31, 2023"),
        ],
    ),
    (
        "carrying amounts of RMB2,375,645,263 and RMB3,090,579,581 for the years ended "
        "December 31, 2022 and 2023, respectively",
        [
            dict(value=2375645263, unit="CNY", period="December 31, 2022"),
            dict(value=3090579581, unit="CNY", period="2023"),
        ],
    ),
    (
        "For the full year 2025, we expect revenue of $1.7 billion",
        [dict(value=1.7e9, unit="USD", period="FY2025")],
    ),
    (
        "for the second half of 2024 we paid USD0.11 per ADS",
        [dict(value=0.11, unit="USD", period="H2 2024")],
    ),
]

# Numbers that are not amounts: none of these may give a figure.
NOT_FIGURES = [
    "Welcome to the fourth-quarter 2024 earnings call.",
    "In Q4 we launched the product.",
    "FPD7 and FPD30 improved.",
    "Following the deployment of DeepSeek-V2 in May 2023, we upgraded to DeepSeek-R1.",
    "See Note 5 and Item 7 of the annual report.",
    "as discussed in footnote (1) above",
    "Call 1-800-555-0100 ext. 1234 to join.",
    "The call was held on February 6, 2025 at 1:30pm.",
    "our 2nd and 3rd quarters",
    "90 days delinquency ratio",
]

ZH_CASES = [
    ("營業收入為37億元人民幣", [dict(value=3.7e9, unit="CNY", metric="營業收入", scale="億")]),
    ("我們的貸款餘額為人民幣1,100億元", [dict(value=110e9, unit="CNY", metric="貸款餘額")]),
    ("非美國通用會計準則利潤為3.9億元", [dict(value=390e6, unit="CNY")]),
    (
        "淨利潤增長17%至3.63億元",
        [
            dict(value=17, unit="%", change="increase", metric="淨利潤"),
            dict(value=363e6, unit="CNY"),
        ],
    ),
    ("全年貸款規模1.1萬億元", [dict(value=1.1e12, unit="CNY", scale="萬億")]),
    ("用戶數達到5,000萬", [dict(value=5e7, unit="count", scale="萬")]),
    ("股利支付率將提高到淨收入的 25%", [dict(value=25, unit="%")]),
    ("資金合作夥伴增至６３家", [dict(value=63, unit="count", text="６３家")]),
    ("現金股息為每股0.11美元", [dict(value=0.11, unit="USD")]),
    ("融資成本下降26個基點", [dict(value=26, unit="bps", change="decrease")]),
    ("第四季度,我們的 GMV 為[520億元人民幣]", [dict(value=52e9, unit="CNY", period="Q4 2024")]),
    ("下降約８%", [dict(value=8, unit="%", change="decrease", approximate=True)]),
]


def find(figures, expected):
    for fig in figures:
        if (
            fig.unit == expected["unit"]
            and abs(fig.value - expected["value"]) <= abs(expected["value"]) * 1e-9
        ):
            return fig
    return None


def check(figures, expected_list, text):
    for expected in expected_list:
        fig = find(figures, expected)
        assert fig is not None, (text, expected, figures)
        for key, want in expected.items():
            if key in ("value", "unit"):
                continue
            assert getattr(fig, key) == want, (text, key, getattr(fig, key), want)
        assert text[fig.span[0] : fig.span[1]] == fig.text


@pytest.mark.parametrize(("text", "expected"), EN_CASES)
def test_english(text, expected):
    check(english_figures(text, "Q4 2024"), expected, text)


@pytest.mark.parametrize(("text", "expected"), ZH_CASES)
def test_chinese(text, expected):
    check(chinese_figures(text, "Q4 2024"), expected, text)


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_numbers_that_are_not_amounts(text):
    assert english_figures(text, "Q4 2024") == []


def test_case_table_is_large_enough():
    assert len(EN_CASES) + len(ZH_CASES) + len(NOT_FIGURES) >= 60


def test_every_seed_figure_is_found_in_its_chunk(transcript_doc, filing_doc):
    count = 0
    for doc in (transcript_doc, filing_doc):
        for chunk in chunk_document(doc):
            for fig in extract_figures(chunk, doc.period):
                source = chunk.translation if fig.source == "translation" else chunk.text
                assert source[fig.span[0] : fig.span[1]] == fig.text, (chunk.chunk_id, fig)
                count += 1
    assert count > 400


def test_table_cells_carry_paths_sign_and_nil(filing_doc):
    chunks = chunk_document(filing_doc)
    figures = [f for c in chunks for f in extract_figures(c, filing_doc.period)]
    charge = next(f for f in figures if f.text == "(46,300,172)")
    assert charge.value == -46300172 and charge.unit == "CNY" and charge.source == "table"
    assert charge.row_path == ("Charge-offs",)
    assert charge.column_path[-1] == "Subtotal" and charge.period == "December 31, 2023"
    nil = next(f for f in figures if f.nil)
    assert (nil.text, nil.value) == ("-", 0.0)
    second = next(f for f in figures if f.text == "5,712,315,808")
    assert second.column_path == ("December 31, 2023", "Second lien")


def test_uncertain_and_ai_voiced_figures_are_flagged(transcript_doc):
    chunk = next(c for c in chunk_document(transcript_doc) if "[RMB52 billion]" in c.text)
    figures = extract_figures(chunk, "Q4 2024")
    gmv = next(f for f in figures if f.text == "RMB52 billion")
    assert "uncertain_transcription" in gmv.flags
    revenue = next(f for f in figures if f.text == "RMB3.7 billion")
    assert "uncertain_transcription" not in revenue.flags
    ai = next(
        c
        for c in chunk_document(transcript_doc)
        if "spoken_by_ai" in c.flags and extract_figures(c, "Q4 2024")
    )
    assert all(
        "spoken_by_ai" in f.flags for f in extract_figures(ai, "Q4 2024") if f.source == "text"
    )


MONEY_TEXT = re.compile(r"^(RMB|US\$|USD|\$)\s?([\d,]+(?:\.\d+)?)(?:\s(million|billion))?$")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_extraction_never_raises_and_spans_rebuild_the_text(text):
    for fig in english_figures(text, None) + chinese_figures(text, None):
        assert text[fig.span[0] : fig.span[1]] == fig.text


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["RMB", "US$", "USD", "$"]),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
    st.sampled_from(["", " million", " billion"]),
    st.sampled_from(["Revenue was ", "we invested ", "a dividend of ", ""]),
)
def test_a_figure_text_parses_back_to_its_value(currency, amount, scale, lead):
    text = f"{lead}{currency}{amount:,}{scale}."
    figures = english_figures(text, None)
    assert len(figures) == 1
    fig = figures[0]
    match = MONEY_TEXT.match(fig.text)
    assert match, fig.text
    assert fig.value == parse_number(match.group(2), match.group(3))


def test_negative_turns_and_counts_found_on_real_calls():
    (neg,) = english_figures("Same-store NOI growth was negative 17.4% in the quarter.", None)
    assert (neg.value, neg.unit) == (-17.4, "%")
    (turns,) = english_figures("Net debt to EBITDA ended at 7.1 turns.", None)
    assert (turns.value, turns.unit) == (7.1, "x")
    (count,) = english_figures("We now have 443,000 interconnections.", None)
    assert (count.value, count.unit, count.metric) == (443000, "count", "interconnections")


def test_a_figure_takes_its_period_from_its_own_sentence_before_the_document():
    full, quarter = (
        english_figures("For the full year, revenue was $5.2 billion.", "Q4 2022")[0],
        english_figures("Revenue was $1.4 billion.", "Q4 2022")[0],
    )
    assert (full.period, full.period_stated) == ("FY2022", True)
    assert (quarter.period, quarter.period_stated) == ("Q4 2022", False)
    (stated,) = english_figures("Revenue in the third quarter of 2022 was $9 million.", "Q4 2022")
    assert (stated.period, stated.period_stated) == ("Q3 2022", True)
    # "This year" is the document's fiscal year, said two ways.
    for sentence in (
        "This year, we delivered $81.1 billion of revenue.",
        "We returned $7 billion to shareholders this year.",
    ):
        (year,) = english_figures(sentence, "Q4 2024")
        assert (year.period, year.period_stated) == ("FY2024", True), sentence
    # Earlier in the year, "this year" against last year is the quarter, not the year.
    quarter = english_figures("EPS was $2.23 for this year versus $1.47 last year.", "Q3 2021")[0]
    assert quarter.period == "Q3 2021"
    # An outlook on a fourth-quarter call speaks of the next year: not this fiscal year.
    (outlook,) = english_figures("This year, we expect revenue to grow about 10%.", "Q4 2020")
    assert outlook.kind == "guidance" and outlook.period != "FY2020"


def test_guidance_and_comparatives_are_marked():
    (guided,) = english_figures("We expect 2023 core FFO of $5.40 to $5.50 per share.", "Q4 2022")
    assert guided.kind == "guidance" and guided.high == 5.5
    (outlook,) = english_figures("Our outlook calls for sales growth of 4%.", "Q4 2022")
    assert outlook.kind == "guidance"
    actual, prior = english_figures(
        "Revenue was $1.2 billion, compared to $1.0 billion last year.", "Q4 2022"
    )
    assert (actual.kind, prior.kind) == ("actual", "prior")
    assert prior.metric == "revenue"


@pytest.mark.parametrize(
    ("text", "figure", "kind"),
    [
        # A result compared with an expectation is a result.
        (
            "Underlying profit was $2.4 billion, with a return on CET1 of 16.5% and a "
            "cost/income ratio of 72.8%, in line with our Group targets.",
            "16.5%",
            "actual",
        ),
        ("This brings our CET1 ratio to 14.3%, more in line with our guidance.", "14.3%", "actual"),
        ("In line with our guidance, revenue was $5.1 billion.", "$5.1 billion", "actual"),
        ("As expected, revenue was $5.1 billion.", "$5.1 billion", "actual"),
        # ... and the expectation it is compared with is guidance.
        (
            "Revenue was $5.1 billion, above our guidance of $4.8 billion.",
            "$4.8 billion",
            "guidance",
        ),
        # A guidance word later in the sentence, in another clause, is about another figure.
        (
            "Remaining performance obligations were $99.1 billion as of August 31, 2024, "
            "approximately 39% of which we expect to recognize over the next twelve months.",
            "$99.1 billion",
            "actual",
        ),
        ("Revenue of $1.2 billion is expected next year.", "$1.2 billion", "guidance"),
        ("We expect revenue of $1.2 billion, up 5%.", "5%", "guidance"),
        # Every form of a guidance verb guides, the -ing forms too.
        ("For the year we are anticipating capex of $40 million.", "$40 million", "guidance"),
        ("We're forecasting segment profit of about $10 million.", "$10 million", "guidance"),
        ("We will incur a settlement charge of about $450 million.", "$450 million", "guidance"),
        # "project" the verb guides; a project, the noun, does not
        ("We project capex of about $80 million next year.", "$80 million", "guidance"),
        ("The solar project we completed cost $240 million.", "$240 million", "actual"),
    ],
)
def test_guidance_is_read_from_the_figures_own_clause(text, figure, kind):
    (found,) = [f for f in english_figures(text, "Q2 2024") if f.text == figure]
    assert found.kind == kind


@pytest.mark.parametrize(
    ("text", "figure", "label"),
    [
        (
            "We reported net income of $3.5 billion and an RoTCE of 7.7% on $20.1 billion of "
            "revenues.",
            "$20.1 billion",
            "revenues",
        ),
        ("We ended the quarter with a 13.4% CET1 capital ratio.", "13.4%", "CET1 capital ratio"),
        ("Sales grew 5%, with a 25% operating margin.", "25%", "operating margin"),
        # the parts of a whole are named after them, digits in a name included
        (
            "The going-concern capital ratio was 17.0%, comprised of 14.5% in CET1 capital and "
            "2.5% in additional Tier 1 capital.",
            "14.5%",
            "CET1 capital",
        ),
        (
            "The going-concern capital ratio was 17.0%, comprised of 14.5% in CET1 capital and "
            "2.5% in additional Tier 1 capital.",
            "2.5%",
            "additional tier 1 capital",
        ),
        (
            "Revenue of $5.2 billion consisted of $3.1 billion in product sales and $2.1 billion "
            "from services.",
            "$3.1 billion",
            "product sales",
        ),
    ],
)
def test_a_figure_named_after_it_takes_that_name(text, figure, label):
    (found,) = [f for f in english_figures(text, "Q3 2023") if f.text == figure]
    assert found.metric == label


def test_labels_are_noun_phrases_or_nothing():
    labels = [
        f.metric
        for text in (
            "It was at least 5% higher.",
            "The year averaging 3% is behind us.",
        )
        for f in english_figures(text, None)
    ]
    assert all(label is None or label not in {"at least", "year averaging"} for label in labels)


def test_a_change_then_the_new_level_is_not_a_range():
    change, level = english_figures(
        "Net interest income increased $5 million to $227.9 million.", "Q2 2021"
    )
    assert (change.value, change.change, change.high) == (5e6, "increase", None)
    assert (level.value, level.high) == (227.9e6, None)
    *_, by, new = english_figures(
        "Q3 total revenue declined 11% or $54.1 million to $439.5 million.", "Q3 2020"
    )
    assert (by.change, new.value, new.high) == ("decrease", 439.5e6, None)
    old, raised = english_figures(
        "We are raising our FFO guidance range from $9.70 to $9.80 per share to $10.70 to "
        "$10.80 per share.",
        "Q2 2021",
    )
    assert (old.value, old.high, raised.value, raised.high) == (9.7, 9.8, 10.7, 10.8)


def test_a_range_is_read_low_to_high_whichever_way_it_is_said():
    (decline,) = english_figures("We expect net sales to decline 3.5% to 2.5%.", "Q2 2021")
    assert (decline.value, decline.high) == (2.5, 3.5)
    (loss,) = english_figures("We see a GAAP loss of $1.43 to $1.28 per share.", "Q3 2019")
    assert (loss.value, loss.high) == (1.28, 1.43)


def test_earlier_periods_and_differences_are_not_the_result():
    figures = english_figures(
        "Home sales revenues increased 17% to $6.7 billion on 18,396 homes closed, up from "
        "$5.7 billion on 18,739 homes closed in the prior year.",
        "Q1 2022",
    )
    kinds = {f.text: f.kind for f in figures}
    assert (kinds["18,396"], kinds["18,739"], kinds["$5.7 billion"]) == ("actual", "prior", "prior")
    _, lapped = english_figures(
        "Same-store sales in the US grew 3.5% in the quarter lapping a prior-year increase of "
        "16.1%.",
        "Q2 2021",
    )
    assert lapped.kind == "prior"
    (above,) = english_figures("Adjusted EPS was $0.35 above our Q1 2020 results.", "Q1 2021")
    assert above.change == "increase"
    (behind,) = english_figures("Margin was 40 basis points below last year's.", "Q1 2021")
    assert behind.change == "decrease"


def test_guidance_announced_for_a_period_is_for_that_period():
    text = (
        "Revenue for the quarter was $3.9 billion. Turning to our fourth quarter guidance. "
        "We expect revenue between $4.0 billion and $4.1 billion. Diluted EPS is expected to "
        "be $0.80 to $0.85."
    )
    kinds = {f.text: (f.kind, f.period) for f in english_figures(text, "Q3 2022")}
    assert kinds["$3.9 billion"] == ("actual", "Q3 2022")
    assert kinds["$4.0 billion and $4.1 billion"] == ("guidance", "Q4 2022")
    assert kinds["$0.80 to $0.85"] == ("guidance", "Q4 2022")
    # a period said in a sentence that expects nothing announces nothing
    (_, later) = english_figures(
        "Revenue in the second quarter was $4.0 billion. We expect revenue of $4.1 billion.",
        "Q2 2022",
    )
    assert (later.kind, later.period_stated) == ("guidance", False)


def test_the_prior_year_after_a_figure_is_the_nearer_figures():
    # "in the prior year" belongs to the figure it follows, not to one before that
    kinds = {
        f.text: f.kind
        for f in english_figures(
            "Diluted EPS rose 9% to $1.57 this quarter versus $1.44 in the prior year.", "Q1 2022"
        )
    }
    assert (kinds["$1.57"], kinds["$1.44"]) == ("actual", "prior")
    now, then = english_figures("Net margin was 11.5% compared with 9.8% a year ago.", "Q3 2021")
    assert (now.kind, then.kind) == ("actual", "prior")


def test_an_amount_that_rose_from_another_is_the_change():
    step, before, after = english_figures(
        "Operating income increased $0.3 million from $4.1 million in the prior year quarter "
        "to $4.4 million.",
        "Q2 2021",
    )
    assert (step.change, before.kind, after.change) == ("increase", "prior", None)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Organic revenue growth is expected to be in the range of 2% to 4%.", "organic revenue"),
        ("Capital spending will be significantly reduced to $110 million.", "capital spending"),
        (
            "ECommerce comparable sales were strong, up 16% in the U.S.",
            "ecommerce comparable sales",
        ),
        ("Our comps were positive 8.1% for the quarter.", "comps"),
        (
            "Our Board increased our recurring quarterly dividend to $0.43 per share.",
            "recurring quarterly dividend",
        ),
        (
            "Same-store sales for our international business grew 13.9%.",
            "same-store sales for our international business",
        ),
        ("We ended the quarter with $7.2 billion in liquidity versus $9.4 billion.", "liquidity"),
        ("Revenue in the quarter was $5 million.", "revenue"),
        ("The company sold 2,280 homes.", "homes"),
        # a noun phrase after a verb loses its leading link words
        (
            "Our Board approved an increase in our recurring quarterly dividend to $0.43 a share.",
            "recurring quarterly dividend",
        ),
        ("For the full year, we now expect to deliver 20% core revenue growth.", "core revenue"),
        (
            "We remain on track to deliver our cumulative savings target of $850 million.",
            "cumulative savings target",
        ),
        ("We are keeping our capital plan of $2 billion for next year.", "capital plan"),
        ("Occupancy fell, resulting in occupancy of 54% for the quarter.", "occupancy"),
        ("We aspire to achieve revenue growth in excess of 10% in 2024.", "revenue"),
    ],
)
def test_labels_name_the_metric(text, label):
    assert english_figures(text, "Q1 2021")[0].metric == label


def test_a_reason_clause_says_nothing_of_the_figures_period_or_kind():
    (dividend,) = [
        f
        for f in english_figures(
            "Given our performance year-to-date and expected future growth, our Board approved "
            "a recurring quarterly dividend of $0.43 per share.",
            "Q3 2022",
        )
    ]
    assert (dividend.kind, dividend.period) == ("actual", "Q3 2022")
    (guide,) = english_figures(
        "Based on our results for the full year, we expect revenue of $5 million in the fourth "
        "quarter.",
        "Q3 2022",
    )
    assert (guide.kind, guide.period) == ("guidance", "Q4 2022")


def test_a_figure_set_below_or_above_another_is_the_earlier_one():
    now, before = english_figures(
        "Occupancy for the first quarter was 54%, lower than the 58% occupancy we achieved in "
        "the fourth quarter.",
        "Q1 2022",
    )
    assert (now.kind, before.kind) == ("actual", "prior")
    (bounded,) = english_figures("We aspire to revenue growth in excess of 10%.", "Q4 2021")
    assert (bounded.bound, bounded.kind) == ("lower", "guidance")


def test_an_amount_without_currency_takes_the_documents_when_it_measures_money():
    from assistant.documents import Document, Paragraph

    doc = Document(
        doc_id="acme",
        title="Acme Q3 2021",
        doc_type="transcript",
        source="acme.txt",
        sha256="0" * 64,
        period="Q3 2021",
        blocks=(
            Paragraph("Net income was $45 million.", (1, 1)),
            Paragraph("Third-quarter sales of 712 million were up 23%.", (3, 3)),
            Paragraph("We shipped 10.2 million cases.", (5, 5)),
        ),
    )
    chunks = chunk_document(doc)
    figures = [f for chunk in document_figures(chunks, doc.period) for f in chunk]
    units = {f.text: f.unit for f in figures}
    assert units["712 million"] == "USD"  # sales are money; the call speaks in dollars
    assert units["10.2 million"] == "count"  # cases are not


def test_guidance_for_a_quarter_already_reported_is_next_years():
    (guide,) = english_figures(
        "We expect revenue for the first quarter to be $1.42 billion to $1.43 billion.", "Q4 2020"
    )
    assert (guide.kind, guide.period) == ("guidance", "Q1 2021")
    (actual,) = english_figures("Revenue for the first quarter was $1.2 billion.", "Q4 2020")
    assert actual.period == "Q1 2020"


def test_a_period_right_after_a_figure_is_its_period_with_or_without_the():
    (guide, _) = english_figures(
        "We're expecting adjusted earnings per share of $0.55 to $0.60 in the third quarter, "
        "a 53% to 67% increase versus prior year.",
        "Q2 2021",
    )
    assert (guide.text, guide.period, guide.period_stated) == ("$0.55 to $0.60", "Q3 2021", True)
    (rate,) = english_figures("Net interest margin was 0.66% in Q1.", "Q2 2021")
    assert (rate.period, rate.period_stated) == ("Q1 2021", True)


def test_a_replaced_range_is_the_earlier_figure_and_odd_pairs_are_no_range():
    old, new = english_figures(
        "We are narrowing our guidance from a range of $6.26 to $6.36 to $6.30 to $6.33.",
        "Q3 2021",
    )
    assert (old.kind, new.kind, new.value, new.high) == ("prior", "guidance", 6.3, 6.33)
    figures = english_figures("diluted earnings per share of 14 to $0.16", "Q2 2021")
    assert all(f.high is None for f in figures)
    (zero,) = english_figures("Margin should be 0% to 2%.", "Q2 2021")
    assert (zero.value, zero.high) == (0, 2)


@pytest.mark.parametrize(
    ("question", "label", "said"),
    [
        ("What were net sales in the quarter?", "SALES, Net of returns and allowances", True),
        ("What were net sales in the statements of income?", "OTHER INCOME, Net", False),
        ("What was the allowance for credit losses?", "Provision for credit losses", False),
        ("What were total revenues?", "Total revenues", True),
        ("What were revenues?", "Total revenues", True),
        (
            "What was the change in foreign currency translation, net of tax?",
            "Change in foreign currency translation, net of tax",
            True,
        ),
        (
            "What was the change in foreign currency translation, net of tax?",
            "Change in fair value of derivative instruments",
            False,
        ),
        # a parenthesised alternative is said in place of the word(s) before it
        ("What was the operating loss in 2019?", "Operating income (loss)", True),
        ("What was the operating income in 2019?", "Operating income (loss)", True),
        (
            "How much net cash was used in operating activities?",
            "Net cash provided by (used in) operating activities",
            True,
        ),
        ("What was the net loss in millions?", "Net sales (in millions)", False),
    ],
)
def test_a_row_is_named_only_by_its_label_said_in_order(question, label, said):
    from assistant.text.lexical import ordered_words, says_label

    assert says_label(ordered_words(question), [label]) is said


def test_spelled_column_numbers_match_the_questions_digits():
    from assistant.search.figure_choice import column_match, in_digits

    assert in_digits("Thirty-Nine Weeks Ended; Twelve Months; twenty one") == (
        "39 Weeks Ended; 12 Months; 21"
    )
    question = "What was net income for the 39-week period ended November 2, 2024?"
    nine_months = ("Thirty-Nine Weeks Ended", "November 2, 2024")
    quarter = ("Thirteen Weeks Ended", "November 2, 2024")
    assert column_match(question, nine_months) > column_match(question, quarter)


def test_returns_and_ratios_are_asked_in_percent():
    from assistant.search.query import expected_units

    assert "%" in expected_units("What RoTCE did Citi report for Q2 2023?")
    assert "%" in expected_units("What underlying return on CET1 capital did UBS report?")
    assert "%" in expected_units("What was the provision coverage ratio at quarter end?")
    assert expected_units("What was the interest coverage at quarter end?") == {"x"}


def test_how_much_of_a_thing_is_an_amount_and_how_much_it_grew_a_rate():
    from assistant.search.query import expected_units

    amount = expected_units("How much additional capital investment is load growth driving?")
    assert "USD" in amount and "%" not in amount
    assert "%" in expected_units("How much did revenue grow in the quarter?")
    assert "%" in expected_units("How much revenue growth did they see?")


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # Seen on a REIT's call: the range is where the guidance goes, not what it measures.
        (
            "With deployment, we are reducing our starts guidance to a range of $4.2 billion "
            "to $4.6 billion.",
            "starts guidance",
        ),
        (
            "We are narrowing our adjusted EPS guidance to the range of $2.10 to $2.20.",
            "EPS guidance",
        ),
    ],
)
def test_a_figure_moved_to_a_range_is_labelled_by_what_moved(sentence, label):
    (figure,) = english_figures(sentence, "Q3 2022")
    assert figure.metric == label and figure.high is not None


def test_a_scale_word_left_after_a_change_verb_is_no_label():
    sentence = (
        "Capital spending will be significantly reduced by over $100 million to be in the range "
        "of $110 million to $130 million for the full year."
    )
    cut, planned = english_figures(sentence, "Q4 2020")
    assert (cut.metric, cut.change) == ("capital spending", "decrease")
    assert planned.metric == "capital spending" and planned.high == 130e6
    (other,) = english_figures("Revenue grew by about $40 million to $1.2 billion.", "Q1 2021")[1:]
    assert other.metric == "revenue"


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        (
            # Salesforce's fiscal 2023 10-K
            "Cash provided by operations was further benefited by the change in unearned "
            "revenue of $1.7 billion, partially offset by the change in costs capitalized to "
            "obtain revenue contracts, net of $2.3 billion and accounts receivable, net of $1.0 "
            "billion due to cash collections.",
            [
                "change in unearned revenue",
                "to obtain revenue contracts net",
                "accounts receivable net",
            ],
        ),
        ("Property and equipment, net of $5 million, rose.", ["property and equipment net"]),
    ],
)
def test_a_figure_after_net_of_is_the_item_before_the_comma(sentence, labels):
    """ "net of $1.0 billion" names no metric: the figure is the item's, net."""
    assert [f.metric for f in english_figures(sentence, "FY2023")] == labels


def test_a_figures_clause_ends_where_the_next_clause_begins():
    """The words after a figure qualify it ("$1.73 per share"), never the next clause's
    figure: "GAAP EPS was $1.28, and non-GAAP EPS was $2.12"."""
    from assistant.search.figure_choice import figure_context
    from assistant.search.query import qualifiers_of

    text = "Second quarter GAAP diluted EPS was $1.28, and non-GAAP diluted EPS was $2.12."
    gaap, adjusted = english_figures(text, "Q2 2024")
    assert "gaap" in qualifiers_of(figure_context(text, [gaap, adjusted], gaap))
    assert "adjusted" not in qualifiers_of(figure_context(text, [gaap, adjusted], gaap))
    assert "adjusted" in qualifiers_of(figure_context(text, [gaap, adjusted], adjusted))
    per_share = "Net income was $104 million, or $0.59 per diluted share."
    figures = english_figures(per_share, "Q2 2024")
    assert "per_share" in qualifiers_of(figure_context(per_share, figures, figures[1]))


def test_an_organic_change_is_said_as_an_adverb_too():
    from assistant.search.figure_choice import figure_context
    from assistant.search.query import qualifiers_of

    assert "organic" in qualifiers_of("How much did Ecolab's sales grow organically in Q2?")
    text = "Revenue was $787 million, up 16%, and up 13% organically."
    figures = english_figures(text, "Q1 2022")
    reported, organic = (f for f in figures if f.unit == "%")
    assert "organic" in qualifiers_of(figure_context(text, figures, organic))
    assert "organic" not in qualifiers_of(figure_context(text, figures, reported))


def test_part_of_a_year_is_not_the_year_asked():
    from assistant.search.figure_choice import part_for_whole_year

    nine_months = "Nine Months Ended September 30, 2022"
    assert part_for_whole_year({"2022"}, nine_months)
    assert not part_for_whole_year({"2022"}, "Year ended December 31, 2022")
    assert not part_for_whole_year({"Q3 2022", "2022"}, nine_months)


@pytest.mark.parametrize(
    "text",
    [
        # Cut to its first eight words, the label would end on "in".
        "It was an exceptional quarter when you look at earnings in this challenging macro "
        "environment, delivering 9.2% FFO per share growth.",
        "Tenants focus on occupancy costs over the course of a 15-year lease.",
        "Tenants pay rent over the life of an 18-year lease.",
        "The leases include weighted average annual rent escalations of 2.1% this year.",
    ],
)
def test_a_label_never_ends_on_a_link_word(text):
    for figure in english_figures(text, "Q3 2022"):
        if figure.metric:
            last = figure.metric.split()[-1]
            assert last not in {"a", "an", "the", "in", "of", "at", "to", "on", "by"}, figure
