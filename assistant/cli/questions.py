"""Commands that ask: search, ask and eval, in this process or through a running server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from assistant.cli import common
from assistant.cli.common import (
    FilterOpt,
    IndexOpt,
    JsonOpt,
    LocalOpt,
    TopKOpt,
    app,
    emit_json,
    err,
    fail,
    out,
    parse_filters,
    remote,
    server_for,
)
from assistant.errors import AssistantError, BadQuestion


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="What to look for, in English or Chinese.")],
    k: TopKOpt = 5,
    filters: FilterOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Show the passages and table rows that best match QUESTION.

    Examples:

        assistant search "Q4 net income" --k 3

        assistant search "2L ACL December 31, 2023" --filter doc_type=filing

        assistant search "第四季度的營業收入" --json
    """
    try:
        mapping = parse_filters(filters)
        payload = {"question": question, "top_k": k, "filters": mapping or None}
        answered = remote(server_for(index, local), "/v1/search", payload)
        if answered is not None:
            rows = answered["results"]
        else:
            from assistant.api_models import search_result_model
            from assistant.search.query import Filters

            results = common.open_assistant(index).search(
                question, k, Filters.from_mapping(mapping)
            )
            rows = [search_result_model(rank, r).model_dump() for rank, r in enumerate(results, 1)]
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json({"question": question, "results": rows})
        return
    if not rows:
        out.print("no passages match", highlight=False)
    for row in rows:
        where = " › ".join(row["row_path"]) if row["row_path"] else (row["speaker"] or "")
        out.print(
            f"[bold]{row['rank']}.[/bold] {row['score']:.4f}  {row['doc_id']}  "
            f"lines {row['lines'][0]}–{row['lines'][1]}  {where}",
            highlight=False,
        )
        out.print(f"   {row['text'][:400]}", highlight=False, markup=False)


@app.command(name="eval")
def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="Question file (JSON lines).")],
    k: TopKOpt = 5,
    filter_items: FilterOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Measure retrieval (hit@1/3/5), figures (figure@1/3) and context size on a question file.

    Examples:

        assistant eval ../shared/eval/questions.jsonl --json

        assistant build a.txt b.txt --index scratch && assistant eval q.jsonl --index scratch
    """
    from assistant.answers.schema import AnswerModel
    from assistant.evaluation import Outcome, evaluate, outcome_of, outcome_of_model, read_questions
    from assistant.search.query import Filters

    try:
        questions = read_questions(file)
        mapping = parse_filters(filter_items)
        filters = Filters.from_mapping(mapping)
        assistant = None
        server = server_for(index, local)

        def run(question) -> Outcome:
            nonlocal assistant
            payload = {
                "question": question.question,
                "top_k": max(k, 5),
                "filters": mapping or None,
            }
            try:
                answered = remote(server, "/v1/ask", payload)
                if answered is not None:
                    return outcome_of_model(AnswerModel.model_validate(answered))
                assistant = assistant or common.open_assistant(index)
                return outcome_of(assistant.ask(question.question, max(k, 5), filters))
            except BadQuestion as error:
                err.print(f"warning: {question.id}: {error}", highlight=False)
                return Outcome(citations=[], figures=[])

        report = evaluate(questions, run, k)
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json(report)
        return
    for key in (
        "n",
        "hit@1",
        "hit@3",
        "hit@5",
        "doc@1",
        "figure@1",
        "figure@3",
        "context_chars@5",
        "scope_inferred",
    ):
        out.print(f"{key}: {report[key]}", highlight=False)
    for q in report["per_question"]:
        if q["hit_rank"] != 1:
            out.print(f"  {q['id']}: hit rank {q['hit_rank']} — {q['question']}", highlight=False)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Chinese.")],
    k: TopKOpt = 5,
    filters: FilterOpt = None,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="An earlier question, for follow-ups. Repeatable."),
    ] = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    local: LocalOpt = False,
) -> None:
    """Answer QUESTION from the indexed documents, with citations and figures.

    Examples:

        assistant ask "What was Q4 net income and how did it move?"

        assistant ask "and in Q3?" --history "What was Q4 net income?"

        assistant ask "第四季度的營業收入是多少?" --json
    """
    from assistant.answers.schema import AnswerModel

    try:
        mapping = parse_filters(filters)
        payload = {
            "question": question,
            "top_k": k,
            "filters": mapping or None,
            "history": [{"question": q} for q in history or []],
        }
        answered = remote(server_for(index, local), "/v1/ask", payload)
        if answered is not None:
            model = AnswerModel.model_validate(answered)
        else:
            from assistant.answers.answer import Turn
            from assistant.answers.schema import answer_model
            from assistant.search.query import Filters

            turns = [Turn(question=q) for q in history or []]
            result = common.open_assistant(index).ask(
                question, k, Filters.from_mapping(mapping), turns
            )
            model = answer_model(result)
    except AssistantError as error:
        raise fail(error) from error
    if as_json:
        emit_json(model.model_dump())
        return
    print_answer(model)


def print_answer(model) -> None:
    if model.scope.description:
        out.print(f"Scope: {model.scope.description} ({model.scope.source})", highlight=False)
    out.print(model.answer, highlight=False, markup=False)
    if model.note:
        out.print(model.note, highlight=False, markup=False, style="dim")
    if model.figures:
        table = RichTable(title="Figures", title_justify="left")
        for column in ("value", "unit", "metric", "period", "change", "text", "source"):
            table.add_column(column, max_width=40 if column == "metric" else None)
        for f in model.figures[:6]:
            value = f"{f.value:,.4f}".rstrip("0").rstrip(".")
            if f.high is not None:
                value += f" – {f.high:,.4f}".rstrip("0").rstrip(".")
            table.add_row(
                value,
                f.unit,
                f.metric or "",
                f.period or "",
                f.change or "",
                f.text,
                f"[{f.citation}]",
            )
        out.print(table)
    for c in model.citations:
        who = c.speaker or (" › ".join(c.row_path) if c.row_path else c.heading or "")
        out.print(
            f"[{c.n}] {c.title} · {who} · {c.where}",
            highlight=False,
            markup=False,
        )
        out.print(f"    {c.text[:300]}", highlight=False, markup=False)
