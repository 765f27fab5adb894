"""The answer as it leaves the process: one pydantic model for `ask --json`, HTTP and Slack.
Fields are only ever added; `extra="forbid"` makes a misspelt field fail loudly."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the models load without the retrieval stack (a CLI talking to a server)
    from assistant.answers.answer_model import Answer
    from assistant.search.scope import Scope


class FigureModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float = Field(description="In base units: RMB3.7 billion is 3700000000.")
    unit: str = Field(description="ISO currency, %, bps, count, months, days, weeks, years or x.")
    text: str = Field(description="The exact source text of the figure.")
    scale: str | None = None
    metric: str | None = None
    period: str | None = None
    change: str | None = Field(None, description="increase, decrease, improvement, ...")
    qualifier: str | None = Field(None, description='e.g. "per ADS", "percentage points"')
    high: float | None = Field(None, description="Upper end of a range; value is the lower.")
    approximate: bool = False
    bound: str | None = None
    nil: bool = False
    source: str = Field(description="text, translation or table")
    span: list[int] = Field(description="Character span in the cited text or translation.")
    row_path: list[str] = []
    column_path: list[str] = []
    flags: list[str] = []
    period_stated: bool = Field(
        False, description="The period comes from the figure's own sentence or table headers."
    )
    kind: str = Field("actual", description="actual, guidance or prior (a comparative).")
    citation: int = Field(description="The n of the citation the figure comes from.")
    chunk_id: str
    score: float


class CitationModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int
    doc_id: str
    title: str
    company: str | None
    period: str | None
    doc_type: str
    kind: str
    chunk_id: str
    speaker: str | None
    speaker_title: str | None
    role: str | None
    firm: str | None
    section: str | None
    exchange: int | None
    heading: str | None
    row_path: list[str]
    lines: list[int] = Field(description="First and last line in the source file (1-based).")
    text: str
    translation: str | None
    score: float
    pages: list[int] | None = Field(
        None, description="First and last page, for a PDF (lines then count its extracted text)."
    )

    @property
    def where(self) -> str:
        """Where to find the passage: "p. 7 · lines 120–131", or "lines 120–131"."""
        lines = f"lines {self.lines[0]}–{self.lines[1]}"
        if not self.pages:
            return lines
        first, last = self.pages
        page = f"p. {first}" if first == last else f"pp. {first}–{last}"
        return f"{page} · {lines}"


class ScopeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    companies: list[str] = []
    tickers: list[str] = []
    periods: list[str] = []
    doc_ids: list[str] | None = Field(None, description="Documents searched; null for all.")
    source: str = Field("none", description="inferred (from the question), filter or none.")
    inferred: bool = False
    missing: str | None = Field(None, description="Why nothing in the index can answer.")
    unknown: list[str] = Field([], description="Names that look like companies, not indexed.")
    period_uncovered: bool = False
    covered_periods: list[str] = []
    description: str = Field("", description='One line: "Prologis · Q3 2022".')


def scope_model(scope: Scope | None) -> ScopeModel:
    if scope is None:
        return ScopeModel()
    return ScopeModel(
        companies=list(scope.companies),
        tickers=list(scope.tickers),
        periods=list(scope.periods),
        doc_ids=None if scope.doc_ids is None else list(scope.doc_ids),
        source=scope.source,
        inferred=scope.inferred,
        missing=scope.missing,
        unknown=list(scope.unknown),
        period_uncovered=scope.period_uncovered,
        covered_periods=list(scope.covered_periods),
        description=scope.describe(),
    )


class SeriesItemModel(BaseModel):
    company: str
    metric: str
    period: str
    value: float
    unit: str
    text: str = Field(description="The figure as written in its cited passage.")
    kind: str
    citation: int


class ComputedModel(BaseModel):
    """A number worked out from cited figures, never stated by a source."""

    label: str
    value: float
    unit: str
    text: str
    inputs: list[int] = Field(description="The citations of the figures it was computed from.")
    computed: bool = True


class AnswerModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str
    answer: str
    found: bool
    figures: list[FigureModel]
    citations: list[CitationModel]
    resolved_question: str
    filters: dict[str, str] = {}
    scope: ScopeModel = Field(default_factory=ScopeModel)
    note: str | None = Field(
        None, description="Other companies whose passages match, when the question names none."
    )
    series: list[SeriesItemModel] = Field(
        default_factory=list, description="A question across periods: one item per period."
    )
    missing_periods: list[str] = Field(
        default_factory=list, description="Asked periods that no document states."
    )
    computed: list[ComputedModel] = Field(
        default_factory=list, description="Numbers computed from cited figures, with inputs."
    )


def answer_model(result: Answer) -> AnswerModel:
    return AnswerModel(
        question=result.question,
        answer=result.answer,
        found=result.found,
        figures=[
            FigureModel(
                **{k: v for k, v in item.figure.as_dict().items()},
                citation=item.citation,
                chunk_id=item.chunk_id,
                score=item.score,
            )
            for item in result.figures
        ],
        citations=[CitationModel(**asdict(c)) for c in result.citations],
        resolved_question=result.resolved_question,
        filters=result.filters,
        scope=scope_model(result.scope),
        note=result.note,
        series=[SeriesItemModel(**item) for item in result.series],
        missing_periods=list(result.missing_periods),
        computed=[ComputedModel(**item) for item in result.computed],
    )
