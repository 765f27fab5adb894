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


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no development corpus at {CORPUS}")
def test_upload_a_pdf_and_an_html_filing_then_ask_them(server, browser):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 240)
    open_chat(browser, server)
    uploads = {"ubs-2023-q2": CORPUS / "pdf" / "ubs-2023-q2.pdf"}
    uploads["BuckleInc.8-K.EX99.1"] = CORPUS / "html" / "BuckleInc.8-K.EX99.1.html"
    try:
        for doc_id, path in uploads.items():
            browser.find_element(By.ID, "upload-file").send_keys(str(path))
            browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
            wait.until(
                lambda d, doc_id=doc_id: (
                    f"{doc_id} is indexed" in d.find_element(By.ID, "upload-status").text
                )
            )
        box = browser.find_element(By.ID, "question")
        box.send_keys("What was UBS's CET1 leverage ratio at the end of Q2 2023?")
        browser.find_element(By.ID, "ask").click()
        answer = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "li.assistant")))
        assert "4.8%" in answer.text
        answer.find_element(By.CSS_SELECTOR, ".answer-text button.cite").click()
        wait.until(ready.visibility_of_element_located((By.ID, "passage")))
        meta = browser.find_element(By.ID, "passage-meta").text
        assert "UBS Q2 2023" in meta and "p. " in meta  # the page of the PDF

        box.send_keys("What was Buckle's inventory at November 2, 2024?")
        browser.find_element(By.ID, "ask").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.assistant")) == 2)
        second = browser.find_elements(By.CSS_SELECTOR, "li.assistant")[1]
        assert "149,351" in second.text  # a cell of the filing's balance sheet table
        second.find_element(By.CSS_SELECTOR, ".answer-text button.cite").click()
        wait.until(lambda d: "BUCKLE" in d.find_element(By.ID, "passage-meta").text)
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
        assert len(chart.find_elements(By.CSS_SELECTOR, "polyline")) == 2
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
