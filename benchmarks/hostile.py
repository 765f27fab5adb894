"""Hostile uploads, made on the spot: what an attacker or a clumsy user sends. Shared by the
fault tests and the soak (`make load`)."""

from __future__ import annotations

import zlib


def pdf_of(content_stream: bytes, flate: bool = True) -> bytes:
    """A one-page PDF (Helvetica) whose page draws `content_stream`."""
    body = content_stream
    if flate:
        body = zlib.compress(content_stream)
    return pdf_with_stream(body, flate)


def pdf_with_stream(stream: bytes, flate: bool) -> bytes:
    """A one-page PDF whose content stream is `stream` as stored (deflated when `flate`)."""
    filters = b" /Filter /FlateDecode" if flate else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_bomb(expanded_mib: int) -> bytes:
    """A one-page PDF whose Flate content stream expands to `expanded_mib` MiB (of spaces,
    after one line of text): about 1 KB of file per MiB expanded."""
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Revenue was $1 million) Tj ET\n")]
    parts += [packer.compress(block) for _ in range(expanded_mib)]
    parts.append(packer.flush())
    return pdf_with_stream(b"".join(parts), flate=True)


def percent_tokens(kib: int) -> bytes:
    """`kib` KiB of "N.5% " tokens: every one a figure, no sentence to end them."""
    tokens = " ".join(f"{k % 100}.5%" for k in range(kib * 1024 // 5))
    return tokens.encode()[: kib * 1024]


def wide_table(kib: int) -> bytes:
    """An HTML table of `kib` KiB in two rows of thousands of cells: its grid is slow to lay
    out (about 10 s for 420 KB when it was read in the request)."""
    columns = kib * 1024 // 22
    first = "<td>1%</td>" * columns
    second = "<td>2</td>" * columns
    return f"<html><body><table><tr>{first}</tr><tr>{second}</tr></table></body></html>".encode()


def one_line(mib: float) -> bytes:
    """A document of one line of ordinary figures, `mib` MiB long."""
    sentence = b"Revenue grew 5% to $4.2 million and margin was 35%; "
    return sentence * int(mib * 1024 * 1024 / len(sentence))
