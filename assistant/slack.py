"""The Slack bot: mentions answered in their thread, direct messages, and `/earnings`.

Bolt acknowledges each event at once and answers in a worker thread, so Slack never waits
more than its 3 s. A retried event (same event id) is answered once. The bot ignores its own
messages and other bots'. Thread and DM history is read back from Slack, so the process keeps
no conversation state of its own.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from assistant.answers.answer import Turn
from assistant.answers.schema import AnswerModel, answer_model
from assistant.errors import AssistantError
from assistant.service import Assistant
from assistant.settings import Settings

log = logging.getLogger("assistant.slack")
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FALLBACK = 3000
MAX_FIGURES = 6
STALE_BUTTON = "That button no longer works; ask the question again."
MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


class SlackConfigError(AssistantError):
    hint = "see the README's Slack section"


def escaped(text: str) -> str:
    """Document or user text made literal in mrkdwn: `<!channel>`, `<@U1>` and `<url|label>`
    in a passage must not notify a channel, mention anyone or make a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Text cut to Slack's limit at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def figure_line(f) -> str:
    value = f"{f.value:,.4f}".rstrip("0").rstrip(".")
    if f.high is not None:
        value += " – " + f"{f.high:,.4f}".rstrip("0").rstrip(".")
    parts = [f"*{value} {escaped(f.unit)}*" + (f" {escaped(f.qualifier)}" if f.qualifier else "")]
    parts += [escaped(p) for p in (f.metric, f.period, f.change) if p]
    if f.column_path:
        parts.append(escaped(" › ".join(f.column_path)))
    flag = " _(uncertain transcription)_" if "uncertain_transcription" in f.flags else ""
    return clip(" · ".join(parts) + f" [{f.citation}]" + flag, 1900)


def series_table(answer: AnswerModel) -> str:
    """A series as a compact fixed-width table: quarter, figure as written, its citation;
    the quarters no document states under it."""
    first = answer.series[0]
    width = max(len(i.text) for i in answer.series)
    rows = [f"{'Quarter':<9} {'Figure':<{width}} Source"]
    rows += [f"{i.period:<9} {i.text:<{width}} [{i.citation}]" for i in answer.series]
    missing = (
        f"\nNot in the documents: {', '.join(answer.missing_periods)}"
        if (answer.missing_periods)
        else ""
    )
    title = f"*{escaped(first.company)} · {escaped(first.metric)}*"
    return f"{title}\n```" + escaped("\n".join(rows)) + f"```{escaped(missing)}"


def citation_line(c) -> str:
    who = (c.speaker and f"{c.speaker} ({c.role})") or (" › ".join(c.row_path) or c.heading or "")
    return clip(escaped(f"[{c.n}] *{c.title}* · {who} · {c.where}"), MAX_TEXT)


def answer_blocks(answer: AnswerModel, share: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Block Kit for an answer, within Slack's limits (50 blocks, 3,000 characters a text),
    and the plain-text fallback."""
    fallback = clip(escaped(answer.answer), MAX_FALLBACK)
    scope = answer.scope
    scoped = (
        f"  ·  _{escaped(scope.description)}_" if scope is not None and scope.description else ""
    )
    question = escaped(answer.question)
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": clip(f"*Q:* {question}{scoped}")}],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(escaped(answer.answer))}},
    ]
    if answer.note:
        note = clip(escaped(answer.note))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    if not answer.found:
        nearest = escaped(" · ".join(f"[{c.n}] {c.title}, {c.where}" for c in answer.citations[:3]))
        if nearest:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": clip(f"Nearest passages: {nearest}")}],
                }
            )
        return fallback, blocks
    if answer.series:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(series_table(answer))}}
        )
    elif answer.figures:
        lines = "\n".join(f"• {figure_line(f)}" for f in answer.figures[:MAX_FIGURES])
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(f"*Figures*\n{lines}")}}
        )
    buttons = [
        {
            "type": "button",
            "action_id": f"show_passage_{c.n}",
            "value": c.chunk_id,
            "text": {"type": "plain_text", "text": f"Passage [{c.n}]"},
        }
        for c in answer.citations[:10]
    ]
    tail: list[dict[str, Any]] = []
    if buttons:
        tail.append({"type": "actions", "elements": buttons})
    if share:
        tail.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "share_answer",
                        "style": "primary",
                        "value": clip(answer.question, 1900),
                        "text": {"type": "plain_text", "text": "Share in channel"},
                    }
                ],
            }
        )
    room = MAX_BLOCKS - len(blocks) - len(tail)
    for c in answer.citations[: max(room, 0)]:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": citation_line(c)}]}
        )
    return fallback, (blocks + tail)[:MAX_BLOCKS]


class SeenEvents:
    """Event ids already handled, bounded, so a retried delivery is not answered twice."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.ids: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self.lock:
            if event_id in self.ids:
                return False
            self.ids[event_id] = None
            if len(self.ids) > self.size:
                self.ids.popitem(last=False)
            return True


def question_of(text: str) -> str:
    return " ".join(MENTION_RE.sub(" ", text or "").split())


def is_from_a_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(
        event.get("bot_id")
        or event.get("subtype") in {"bot_message", "message_changed", "message_deleted"}
        or (bot_user_id and event.get("user") == bot_user_id)
    )


def create_slack_app(settings: Settings, assistant: Assistant, socket_mode: bool = False) -> App:
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            (
                "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET",
                settings.slack_app_token if socket_mode else settings.slack_signing_secret,
            ),
        )
        if not value
    ]
    if missing:
        raise SlackConfigError(f"Slack is not configured: set {' and '.join(missing)}")
    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # auth.test runs in the background (slack_http.SlackLink), so an unreachable Slack
        # does not stop the service from starting.
        token_verification_enabled=False,
        process_before_response=False,
    )
    if settings.database_url:  # several processes: one set of ids for all of them
        from assistant.jobs.jobs_db import DatabaseSeenEvents

        seen: SeenEvents | DatabaseSeenEvents = DatabaseSeenEvents(settings.database_url)
    else:
        seen = SeenEvents()

    @app.middleware
    def answer_each_event_once(body: dict, next, logger) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(event_id):
            logger.info("ignoring a repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient, context) -> None:
        answer_mention(assistant, event, client, context.bot_user_id)

    @app.event("message")
    def on_message(event: dict, client: WebClient, context) -> None:
        answer_direct_message(assistant, event, client, context.bot_user_id)

    def answer_command(command: dict, respond) -> None:
        answer_slash_command(assistant, command, respond)

    app.command("/earnings")(ack=acknowledge, lazy=[answer_command])

    @app.action("share_answer")
    def share(ack, action: dict, respond) -> None:
        ack()
        share_answer(assistant, action, respond)

    @app.action(re.compile(r"^show_passage_\d+$"))
    def show_passage(ack, action: dict, respond) -> None:
        ack()
        show_cited_passage(assistant, action, respond)

    return app


def ask(assistant: Assistant, question: str, history: list[str]) -> AnswerModel:
    turns = [Turn(q) for q in history]  # query.understand reads the last few
    return answer_model(assistant.ask(question, history=turns))


def reply(
    assistant: Assistant,
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    question: str,
    history: list[str],
) -> None:
    try:
        text, blocks = answer_blocks(ask(assistant, question, history))
    except AssistantError as error:
        log.warning("could not answer in %s: %s", channel, error)
        text, blocks = f"Sorry, I could not answer that: {error.message}", []
    except Exception:
        log.exception("answering in %s failed", channel)
        text, blocks = "Sorry, something went wrong while answering.", []
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks or None)


def earlier_questions(messages: list[dict], current_ts: str, bot: str | None) -> list[str]:
    out = []
    for message in messages:
        if message.get("ts") == current_ts or is_from_a_bot(message, bot):
            continue
        question = question_of(message.get("text", ""))
        if question:
            out.append(question)
    return out


def answer_mention(assistant: Assistant, event: dict, client: WebClient, bot: str | None) -> None:
    """A mention in a channel, answered in its thread with the thread's earlier questions."""
    if is_from_a_bot(event, bot):
        return
    question = question_of(event.get("text", ""))
    thread = event.get("thread_ts") or event["ts"]
    history: list[str] = []
    if event.get("thread_ts"):
        replies = client.conversations_replies(channel=event["channel"], ts=thread, limit=50)
        history = earlier_questions(replies.get("messages", []), event["ts"], bot)
    if not question:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=thread,
            text="Ask me about the indexed calls and filings, e.g. “What was Q4 net income?”",
        )
        return
    reply(assistant, client, event["channel"], thread, question, history)


def answer_direct_message(
    assistant: Assistant, event: dict, client: WebClient, bot: str | None
) -> None:
    """A direct message, answered with the conversation's earlier questions."""
    if event.get("channel_type") != "im" or is_from_a_bot(event, bot):
        return
    question = question_of(event.get("text", ""))
    if not question:
        return
    thread = event.get("thread_ts")
    if thread:
        found = client.conversations_replies(channel=event["channel"], ts=thread, limit=50)
    else:
        found = client.conversations_history(channel=event["channel"], limit=20)
    messages = sorted(found.get("messages", []), key=lambda m: float(m.get("ts", 0)))
    history = earlier_questions(messages, event["ts"], bot)
    reply(assistant, client, event["channel"], thread, question, history)


def acknowledge(ack, command: dict) -> None:
    if not (command.get("text") or "").strip():
        ack(response_type="ephemeral", text="Usage: /earnings <question>")
        return
    ack(response_type="ephemeral", text=f"Looking up: {clip(command['text'], 200)}")


def answer_slash_command(assistant: Assistant, command: dict, respond) -> None:
    question = (command.get("text") or "").strip()
    if not question:
        return
    try:
        text, blocks = answer_blocks(ask(assistant, question, []), share=True)
    except AssistantError as error:
        text, blocks = f"Sorry, I could not answer that: {error.message}", []
    respond(response_type="ephemeral", replace_original=True, text=text, blocks=blocks or None)


def share_answer(assistant: Assistant, action: dict, respond) -> None:
    if not action.get("value"):
        respond(response_type="ephemeral", replace_original=False, text=STALE_BUTTON)
        return
    text, blocks = answer_blocks(ask(assistant, action["value"], []))
    respond(response_type="in_channel", delete_original=True, text=text, blocks=blocks)


def show_cited_passage(assistant: Assistant, action: dict, respond) -> None:
    """A cited passage in full, shown to the one who asked."""
    store = assistant.store
    chunk = next((c for c in store.chunks if c.chunk_id == action.get("value")), None)
    if chunk is None:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="That passage is no longer in the index.",
        )
        return
    doc = store.documents.get(chunk.doc_id)
    where = f"lines {chunk.lines[0]}–{chunk.lines[1]}"
    if chunk.page_label:
        where = f"{chunk.page_label} · {where}"
    header = f"*{escaped(doc.title if doc else chunk.doc_id)}* · {where}"
    body = escaped(chunk.text + (f"\n\n{chunk.translation}" if chunk.translation else ""))
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=clip(body),
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(header)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(f">>> {body}")}},
        ],
    )
