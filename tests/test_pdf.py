"""PDF transcripts: the development bank calls (two layouts, read from ../shared/corpus/pdf)
and PDFs made here for the failure cases. Expected speakers, roles and exchange counts were
checked by hand against the PDFs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.documents import parse_file
from assistant.documents.source import decode_source
from assistant.errors import ParseError
from tests.conftest import API_TOKEN

PDFS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdf"


def needs_corpus(test):
    """The real bank call PDFs: skipped without them, and slow to read."""
    skip = pytest.mark.skipif(not PDFS.is_dir(), reason=f"no development PDFs at {PDFS}")
    return pytest.mark.slow(skip(test))


CITI_MANAGEMENT = {"Jane Fraser", "Mark Mason", "Jennifer Landis"}
# (file, management, analysts, Q&A exchanges, first analyst)
CALLS = [
    (
        "citi-2023-q1.pdf",
        CITI_MANAGEMENT,
        {
            "Glenn Schorr",
            "Mike Mayo",
            "Betsy Graseck",
            "Erika Najarian",
            "Jim Mitchell",
            "Steven Chubak",
            "Ebrahim Poonawala",
            "Gerard Cassidy",
            "Vivek Juneja",
            "Ken Usdin",
        },
        11,  # the operator introduces twelve; Matt O'Connor's question is not in the PDF
        "Glenn Schorr",
    ),
    (
        "citi-2023-q4.pdf",
        CITI_MANAGEMENT,
        {
            "Mike Mayo",
            "Glenn Schorr",
            "John Mcdonald",
            "Jim Mitchell",
            "Ebrahim Poonawala",
            "Gerard Cassidy",
            "Erika Najarian",
            "Ryan Kenny",
            "Scott Siefers",
            "Vivek Juneja",
            "Steven Chubak",
        },
        12,
        "Mike Mayo",
    ),
    (
        "citi-2024-q4.pdf",  # no Q&A heading: Q&A opens with the first analyst
        CITI_MANAGEMENT,
        {
            "Jim Mitchell",
            "John Mcdonald",
            "Mike Mayo",
            "Betsy Graseck",
            "Ebrahim Poonawala",
            "Erika Najarian",
            "Gerard Cassidy",
            "Matt O’Connor",
            "Saul Martinez",
        },
        10,
        "Jim Mitchell",
    ),
    (
        "ubs-2023-q1.pdf",
        {"Sergio P. Ermotti", "Sarah Youngwood"},
        {
            "Chis Hallam",
            "Chris Hallam",
            "Kian Abouhossein",
            "Alastair Ryan",
            "Flora Bocahut",
            "Andrew Coombs",
            "Adam Terelak",
            "Jeremy Sigee",
            "Anke Reingen",
            "Amit Goel",
            "Benjamin Goy",
            "Tom Hallet",
            "Nicholas Payen",
            "Andrew Lim",
        },
        14,  # the PDF spells one analyst two ways ("Chis"/"Chris Hallam"): two exchanges
        "Chis Hallam",
    ),
    (
        "ubs-2023-q3.pdf",
        {"Sergio P. Ermotti", "Todd Tuckner"},
        {
            "Stefan Stalmann",
            "Giulia Miotto",
            "Andrew Coombs",
            "Adam Terelak",
            "Flora Bocahut",
            "Jeremy Sigee",
            "Andrew Lim",
            "Amit Goel",
            "Benjamin Goy",
            "Chris Hallam",
        },
        10,
        "Stefan Stalmann",
    ),
    (
        "ubs-2024-q4.pdf",
        {"Sergio P. Ermotti", "Todd Tuckner"},
        {
            "Chris Hallam",
            "Anke Reingen",
            "Jeremy Sigee",
            "Kian Abouhossein",
            "Giulia Miotto",
            "Stefan Stalmann",
            "Andrew Coombs",
            "Amit Goel",
            "Antonio Reale",
            "Piers Brown",
        },
        11,
        "Chris Hallam",
    ),
]


@needs_corpus
@pytest.mark.parametrize(("name", "management", "analysts", "exchanges", "first"), CALLS)
def test_bank_call_pdfs_read_as_transcripts(name, management, analysts, exchanges, first):
    doc = parse_file(PDFS / name)
    assert doc.doc_type == "transcript"
    assert doc.company == ("Citi" if name.startswith("citi") else "UBS")
    quarter, year = name[-6:-4].upper(), name.split("-")[1]
    assert doc.period == f"{quarter} {year}"
    roles = {s.name: s.role for s in doc.speakers}
    assert {n for n, r in roles.items() if r == "management"} == management
    assert {n for n, r in roles.items() if r == "analyst"} == analysts
    assert doc.exchanges == exchanges
    qa = [p for p in doc.paragraphs if p.section == "qa"]
    prepared = [p for p in doc.paragraphs if p.section == "prepared_remarks"]
    assert prepared and qa and prepared[-1].lines[0] < qa[0].lines[0]
    first_analyst = next(p for p in qa if p.speaker and p.speaker.role == "analyst")
    assert first_analyst.speaker.name == first
    assert doc.page_count > 10 and len(doc.line_pages) == doc.line_count


@needs_corpus
def test_pdf_text_is_cleaned_of_page_furniture_and_keeps_its_words():
    doc = parse_file(PDFS / "citi-2023-q1.pdf")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Copyright" not in text and "Citigroup Inc. 2" not in text
    # spaces the PDF never stored are restored from the character positions
    assert "questions until the completion" in text
    assert "JENNIFERLANDIS" not in text
    ubs = parse_file(PDFS / "ubs-2023-q1.pdf")
    assert not any("Page 2 of 21" in p.text for p in ubs.paragraphs)
    assert any(p.text.startswith("Slide 3 – Key Messages") for p in ubs.paragraphs)


@needs_corpus
def test_citations_carry_the_page():
    doc = parse_file(PDFS / "citi-2023-q1.pdf")
    chunks = chunk_document(doc)
    cet1 = next(c for c in chunks if "CET1 ratio now at 13.4%" in c.text)
    assert cet1.pages == (3, 3) and cet1.page_label == "p. 3"
    assert cet1.speaker == "Jane Fraser"
    across = [c for c in chunks if c.pages and c.pages[0] != c.pages[1]]
    assert all(c.page_label.startswith("pp. ") for c in across)


def blank_pdf(pages: int = 2) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(612, 792)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_pdf_without_a_text_layer_is_one_clear_error():
    with pytest.raises(ParseError, match="no text layer"):
        decode_source(blank_pdf(), "scan.pdf")


def test_an_encrypted_pdf_is_one_clear_error(tmp_path):
    pikepdf = pytest.importorskip("pikepdf")
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(blank_pdf(1))
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(ParseError, match="encrypted"):
        decode_source(locked.read_bytes(), "locked.pdf")


@needs_corpus
@pytest.mark.parametrize("keep", [0.02, 0.3, 0.7])
def test_a_truncated_or_damaged_pdf_is_a_clear_error_or_what_is_left(keep):
    raw = (PDFS / "ubs-2023-q2.pdf").read_bytes()
    cut = raw[: int(len(raw) * keep)]
    try:
        src = decode_source(cut, "cut.pdf")
    except ParseError as error:
        assert error.path == "cut.pdf" and "Traceback" not in str(error)
    else:
        assert src.lines and len(src.pages) == len(src.lines)


def test_garbage_after_a_pdf_header_is_a_clear_error():
    with pytest.raises(ParseError, match="not a readable PDF"):
        decode_source(b"%PDF-1.7\n" + bytes(range(256)) * 40, "broken.pdf")


@needs_corpus
def test_a_pdf_uploaded_over_http_is_answered_with_its_page(server):
    import time

    import httpx

    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    raw = (PDFS / "ubs-2023-q1.pdf").read_bytes()
    sent = httpx.post(
        f"{server.url}/v1/documents",
        files={"file": ("ubs-2023-q1.pdf", raw, "application/pdf")},
        headers=auth,
        timeout=60,
    )
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.url}/v1/documents/ubs-2023-q1", headers=auth).json()
        if job["state"] in ("ready", "failed"):
            break
        time.sleep(0.5)
    assert job["state"] == "ready", job
    assert job["document"]["company"] == "UBS" and job["document"]["period"] == "Q1 2023"
    answer = httpx.post(
        f"{server.url}/v1/ask",
        json={"question": "What was UBS's cost-to-income ratio in Q1 2023?"},
        headers=auth,
        timeout=30,
    ).json()
    assert answer["found"] and answer["scope"]["companies"] == ["UBS"]
    for cited in answer["citations"]:
        assert cited["doc_id"] == "ubs-2023-q1"
        first, last = cited["pages"]
        assert 1 <= first <= last <= 21
    removed = httpx.delete(f"{server.url}/v1/documents/ubs-2023-q1", headers=auth)
    assert removed.status_code == 200


def test_bad_pdf_and_html_uploads_get_one_error_and_leave_the_index_alone(server):
    """PDF and HTML are read by the upload's job, in a child process under memory and time
    limits: the 202 comes first, then the job fails with the one reason."""
    import httpx

    from tests.test_faults import wait_for_job

    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    before = httpx.get(f"{server.url}/v1/documents", headers=auth).json()["documents"]
    bad = {
        "scan.pdf": (blank_pdf(), "no text layer"),
        "cut.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "not a readable PDF"),
        "scripts.html": (b"<html><head><script>var a = 1;</script></head></html>", "no text"),
    }
    for name, (content, says) in bad.items():
        sent = httpx.post(
            f"{server.url}/v1/documents", files={"file": (name, content)}, headers=auth
        )
        assert sent.status_code == 202, sent.text
        status = wait_for_job(server.url, sent.json()["doc_id"], timeout_s=60, headers=auth)
        assert status["state"] == "failed", status
        assert says in status["message"] and status["message"].startswith(name)
        assert "Traceback" not in status["message"] and "/tmp" not in status["message"]
    after = httpx.get(f"{server.url}/v1/documents", headers=auth).json()["documents"]
    assert after == before
