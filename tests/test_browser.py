"""The chat page in a real headless Chromium: ask, read the answer, open a citation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import API_TOKEN, CHROMEDRIVER, CHROMIUM

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian chromium and chromium-driver are not installed (make browser installs them)",
)


def open_chat(browser, server) -> None:
    """The chat page with the API token typed in, as a user would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server.url + "/")
    # The field shows once /v1/config has said that this server needs a token.
    token = WebDriverWait(browser, 30).until(ready.visibility_of_element_located((By.ID, "token")))
    token.send_keys(API_TOKEN)
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'))", token)


def test_ask_then_open_a_citation(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    open_chat(browser, server)
    wait.until(lambda d: "LexinFintech" in d.find_element(By.ID, "document-list").text)

    box = browser.find_element(By.ID, "question")
    box.send_keys("What was Q4 net income and how did it move?")
    browser.find_element(By.ID, "ask").click()
    answer = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "li.assistant")))
    assert "RMB363 million" in answer.text
    assert "net income" in answer.find_element(By.CSS_SELECTOR, "table.figures").text
    assert "Q4 2024" in answer.find_element(By.CSS_SELECTOR, "p.scope").text  # what it scoped to

    marker = answer.find_element(By.CSS_SELECTOR, ".answer-text button.cite")
    marker.click()
    passage = wait.until(ready.visibility_of_element_located((By.ID, "passage")))
    assert "James Zheng" in passage.text
    assert "lines" in browser.find_element(By.ID, "passage-meta").text
    assert "RMB363 million" in browser.find_element(By.ID, "passage-text").text
    assert browser.find_element(By.ID, "passage-translation").text  # the Chinese translation

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "chat.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


# Text broken over lines gives one client rectangle per line: a header, a citation marker or a
# date drawn on one line gives one.
LINES_OF = """
const range = document.createRange();
range.selectNodeContents(arguments[0]);
const tops = [...range.getClientRects()].map((r) => Math.round(r.top));
return new Set(tops).size;
"""


def one_line_each(browser, elements) -> list[str]:
    """The texts among `elements` drawn over more than one line."""
    return [e.text for e in elements if e.text and browser.execute_script(LINES_OF, e) > 1]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_figures_table_fits_without_broken_headers_markers_or_dates(server, browser, width):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(width, 900)
    wait = WebDriverWait(browser, 60)
    open_chat(browser, server)
    browser.find_element(By.ID, "new-chat").click()
    box = browser.find_element(By.ID, "question")
    box.send_keys("What was the total of loans receivable as of December 31, 2023?")
    browser.find_element(By.ID, "ask").click()
    answer = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "li.assistant")))
    table = answer.find_element(By.CSS_SELECTOR, "table.figures")
    for more in answer.find_elements(By.CSS_SELECTOR, "button.more"):
        more.click()
    assert "December 31, 2023" in table.text
    headers = table.find_elements(By.CSS_SELECTOR, "th")
    assert [h.text for h in headers] == ["Figure", "Metric", "Period", "Change", "Source"]
    assert one_line_each(browser, headers) == []
    assert one_line_each(browser, table.find_elements(By.CSS_SELECTOR, "button.cite")) == []
    assert one_line_each(browser, table.find_elements(By.CSS_SELECTOR, "td.period")) == []
    assert one_line_each(browser, table.find_elements(By.CSS_SELECTOR, "td.value")) == []
    # The page itself never scrolls sideways; a table wider than a phone scrolls in its box.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"figures-{width}.png"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no development corpus at {CORPUS}")
def test_upload_several_files_watch_them_move_ask_them_and_correct_a_company(server, browser):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 300)
    open_chat(browser, server)
    uploads = {
        "ubs-2023-q2": CORPUS / "pdf" / "ubs-2023-q2.pdf",
        "BuckleInc.8-K.EX99.1": CORPUS / "html" / "BuckleInc.8-K.EX99.1.html",
        "citi-2023-q3": CORPUS / "pdf" / "citi-2023-q3.pdf",
    }
    # Every bar's values as the page shows them, sampled while the uploads run.
    browser.execute_script(
        """window.seenProgress = {};
        window.sample = () => {
          for (const item of document.querySelectorAll('#upload-list li')) {
            const bar = item.querySelector('progress');
            const seen = (window.seenProgress[item.dataset.name] ||= []);
            const value = bar.hasAttribute('value') ? bar.value : -1;
            if (seen.at(-1) !== value) seen.push(value);
          }
        };
        window.sampler = setInterval(window.sample, 50);"""
    )
    try:
        chooser = browser.find_element(By.ID, "upload-file")
        chooser.send_keys("\n".join(str(p) for p in uploads.values()))
        browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#upload-list li")) == 3)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#upload-list li.done")) == 3)
        # The last bar may have filled after the sampler's last tick: read the page once more.
        seen = browser.execute_script(
            "clearInterval(window.sampler); window.sample(); return window.seenProgress"
        )
        assert set(seen) == {p.name for p in uploads.values()}
        for name, values in seen.items():
            assert values[-1] == 1, (name, values)
        # The bars moved: a PDF call's embedding is seen part of the way through.
        partial = {n: [v for v in vals if 0 < v < 1] for n, vals in seen.items()}
        assert any(len(set(v)) >= 2 for v in partial.values()), seen
        lines = browser.find_element(By.ID, "upload-list").text
        assert all(f"{doc_id} is indexed" in lines for doc_id in uploads), lines

        # The examples follow the documents loaded now, not the seeds.
        browser.find_element(By.ID, "new-chat").click()
        examples = wait.until(ready.visibility_of_element_located((By.ID, "examples"))).text
        assert "Citi" in examples or "UBS" in examples or "Buckle" in examples.title(), examples

        box = browser.find_element(By.ID, "question")
        box.send_keys("What was UBS's CET1 leverage ratio at the end of Q2 2023?")
        browser.find_element(By.ID, "ask").click()
        answer = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "li.assistant")))
        assert "4.8%" in answer.text
        answer.find_element(By.CSS_SELECTOR, ".answer-text button.cite").click()
        wait.until(ready.visibility_of_element_located((By.ID, "passage")))
        meta = browser.find_element(By.ID, "passage-meta").text
        assert "UBS Q2 2023" in meta and "p. " in meta  # the page of the PDF

        # The filing's company corrected from the page: read again, listed under the new name.
        item = browser.find_element(By.CSS_SELECTOR, "li[data-doc='BuckleInc.8-K.EX99.1']")
        item.find_element(By.CSS_SELECTOR, "button.edit").click()
        company = item.find_element(By.CSS_SELECTOR, "form.relabel input[name=company]")
        company.clear()
        company.send_keys("Buckle Holdings Test")
        item.find_element(By.CSS_SELECTOR, "form.relabel button[type=submit]").click()
        wait.until(
            lambda d: d.find_elements(
                By.CSS_SELECTOR, "#document-list li[data-company='Buckle Holdings Test']"
            )
        )
        box.send_keys("What was Buckle Holdings Test's inventory at November 2, 2024?")
        browser.find_element(By.ID, "ask").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.assistant")) == 2)
        second = browser.find_elements(By.CSS_SELECTOR, "li.assistant")[1]
        assert "149,351" in second.text  # a cell of the filing's balance sheet table

        # Delete asks in place, not in a browser dialog.
        item = browser.find_element(By.CSS_SELECTOR, "li[data-doc='citi-2023-q3']")
        item.find_element(By.CSS_SELECTOR, "button.delete").click()
        item.find_element(By.CSS_SELECTOR, "button.confirm-delete").click()
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "li[data-doc='citi-2023-q3']"))
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "uploads.png"))
    finally:
        for doc_id in uploads:
            httpx.delete(
                f"{server.url}/v1/documents/{doc_id}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                timeout=60,
            )


def test_a_series_is_drawn_its_points_open_their_passages_and_its_csv_downloads(
    ectsum_library, browser, tmp_path
):
    import csv
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from benchmarks.serving import Server

    index = tmp_path / "index"
    shutil.copytree(ectsum_library.settings.index_dir, index, symlinks=True)
    server = Server(index, tmp_path / "server.log", ASSISTANT_API_TOKEN=API_TOKEN)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        server.wait_ready()
        wait = WebDriverWait(browser, 60)
        open_chat(browser, server)
        box = browser.find_element(By.ID, "question")
        box.send_keys("How did RMD's revenue trend from Q2 2021 to Q1 2022?")
        browser.find_element(By.ID, "ask").click()
        answer = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "li.assistant")))
        assert "Not in the documents: Q3 2021, Q4 2021." in answer.text
        chart = answer.find_element(By.CSS_SELECTOR, "svg.series-chart")
        points = chart.find_elements(By.CSS_SELECTOR, ".series-point")
        assert [p.get_attribute("data-period") for p in points] == ["Q2 2021", "Q1 2022"]
        # The quarters between have their place on the axis, as gaps: no line across them.
        gaps = chart.find_elements(By.CSS_SELECTOR, "line.gap")
        assert [g.get_attribute("data-period") for g in gaps] == ["Q3 2021", "Q4 2021"]
        assert chart.find_elements(By.CSS_SELECTOR, "polyline") == []
        labels = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.period")]
        assert labels == ["Q2 '21", "Q3 '21", "Q4 '21", "Q1 '22"]
        assert len(chart.find_elements(By.CSS_SELECTOR, "text.tick")) >= 3  # a value axis

        points[1].click()  # the September quarter: its passage opens beside the answer
        wait.until(ready.visibility_of_element_located((By.ID, "passage")))
        assert "$904 million" in browser.find_element(By.ID, "passage-text").text
        assert "RMD" in browser.find_element(By.ID, "passage-meta").text
        points[0].click()
        wait.until(lambda d: "$800 million" in d.find_element(By.ID, "passage-text").text)

        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "series.png"))

        answer.find_element(By.CSS_SELECTOR, "button.download").click()
        target = downloads / "figures.csv"
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
        assert [(r["period"], float(r["value"]), r["unit"], r["text"]) for r in rows] == [
            ("Q2 2021", 800e6, "USD", "$800 million"),
            ("Q1 2022", 904e6, "USD", "$904 million"),
        ]
        assert {r["doc_id"] for r in rows} == {"RMD_q2_2021", "RMD_q1_2022"}

        # Two companies: a line each, every point still opening its own passage.
        box.send_keys("Compare RMD's and AAP's revenue")
        browser.find_element(By.ID, "ask").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.assistant")) == 2)
        second = browser.find_elements(By.CSS_SELECTOR, "li.assistant")[1]
        chart = second.find_element(By.CSS_SELECTOR, "svg.series-chart")
        points = chart.find_elements(By.CSS_SELECTOR, ".series-point")
        assert {p.get_attribute("data-company") for p in points} == {"RMD", "AAP"}
        # A line joins a company's points only across quarters that follow each other.
        for line in chart.find_elements(By.CSS_SELECTOR, "polyline"):
            owner = line.get_attribute("data-company")
            xs = [float(xy.split(",")[0]) for xy in line.get_attribute("points").split()]
            own = sorted(
                float(p.get_attribute("cx"))
                for p in points
                if p.get_attribute("data-company") == owner
            )
            assert xs == own[own.index(xs[0]) : own.index(xs[0]) + len(xs)]
        aap = chart.find_element(By.CSS_SELECTOR, ".series-point[data-company='AAP']")
        aap.click()
        wait.until(lambda d: "$2.6 billion" in d.find_element(By.ID, "passage-text").text)
        browser.save_screenshot(str(ARTIFACTS / "series-companies.png"))

        # At a phone's width the chart shrinks with its column instead of overflowing it.
        wide = chart.size["width"]
        browser.set_window_size(390, 900)
        wait.until(lambda d: chart.size["width"] < wide)
        column = browser.find_element(By.ID, "chat").size["width"]
        assert 150 < chart.size["width"] <= column
    finally:
        server.stop()
