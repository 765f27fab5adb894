"""The chat page as an analyst uses it all day, in a real headless Chromium at a desk's width
(1280 px) and a phone's (390 px): the passage beside a long conversation, figures as written,
the keyboard, a conversation kept across reloads, copy and CSV, document filters and delete,
and no request leaving the server's origin. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import csv
import json
import time

import httpx
import pytest

from tests.conftest import API_TOKEN, CHROMEDRIVER, CHROMIUM, FIXTURES
from tests.test_browser import ARTIFACTS, open_chat

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian chromium and chromium-driver are not installed (make browser installs them)",
)
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def by_css(root, selector):
    from selenium.webdriver.common.by import By

    return root.find_elements(By.CSS_SELECTOR, selector)


def ask(browser, question: str, answers_before: int):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = browser.find_element(By.ID, "question")
    box.send_keys(question)
    box.submit()
    WebDriverWait(browser, 60).until(
        lambda d: len(by_css(d, "#conversation > li.assistant")) == answers_before + 1
    )
    return by_css(browser, "#conversation > li.assistant")[-1]


def in_viewport(browser, element) -> bool:
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1;",
        element,
    )


def requests_made(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for_file(path, timeout_s: float = 30):
    deadline = time.monotonic() + timeout_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.read_text(encoding="utf-8")


def test_a_desk_day_passage_figures_keyboard_copy_csv_and_reload(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    browser.set_window_size(1280, 900)
    wait = WebDriverWait(browser, 60)
    open_chat(browser, server)
    wait.until(lambda d: "LexinFintech" in d.find_element(By.ID, "document-list").text)
    # An empty page offers questions about what is loaded; the box has the focus after load.
    examples = by_css(browser, "#examples button.example")
    assert examples and all(e.text.endswith("?") for e in examples)
    browser.refresh()
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "question")
    # The keyboard reaches the box's buttons before any citation.
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "ask"

    first = ask(browser, "What was Q4 net income and how did it move?", 0)
    assert not by_css(browser, "#examples button.example")  # a conversation has begun
    cells = {c.text: c for c in by_css(first, "table.figures td.value") if c.is_displayed()}
    assert "RMB363 million" in cells  # as written; the base value on hover
    assert cells["RMB363 million"].get_attribute("title") == "363,000,000 CNY"
    assert len(by_css(first, "table.figures tbody tr:not([hidden])")) <= 3
    # Every figure cites a passage listed under the answer.
    listed = {b.get_attribute("data-n") for b in by_css(first, "ol.sources button.cite")}
    assert {b.get_attribute("data-n") for b in by_css(first, "table.figures button.cite")} <= listed

    for k, question in enumerate(
        (
            "What is the weighted average APR for loans?",
            "What was the second lien allowance for credit losses at December 31, 2023?",
            "Who asked about the take rate?",
        ),
        start=1,
    ):
        ask(browser, question, k)
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    last_figure_answer = by_css(browser, "#conversation > li.assistant")[1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'end'})", last_figure_answer)
    marker = last_figure_answer.find_element(By.CSS_SELECTOR, ".answer-text button.cite")
    marker.click()
    passage = browser.find_element(By.ID, "passage")
    wait.until(lambda d: passage.is_displayed())
    mark = passage.find_element(By.CSS_SELECTOR, "#passage-text mark")
    assert in_viewport(browser, mark), "the marked sentence is off screen"
    assert "23.88%" in mark.text
    figure_mark = passage.find_element(By.CSS_SELECTOR, "mark.figure")
    assert figure_mark.text == "23.88%"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "page-1280.png"))
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda d: not passage.is_displayed())

    # Copy: the answer as Markdown with its sources (the clipboard is read through a stub).
    browser.execute_script("navigator.clipboard.writeText = async (t) => { window.copied = t; };")
    first.find_element(By.CSS_SELECTOR, "button.copy").click()
    copied = wait.until(lambda d: d.execute_script("return window.copied"))
    assert copied.startswith("**What was Q4 net income and how did it move?**")
    assert "RMB363 million" in copied and "\n[1] " in copied and "lines " in copied

    first.find_element(By.CSS_SELECTOR, "button.download").click()
    rows = list(csv.DictReader(wait_for_file(downloads / "figures.csv").splitlines()))
    net_income = next(r for r in rows if r["text"] == "RMB363 million")
    assert float(net_income["value"]) == 363e6 and net_income["unit"] == "CNY"
    assert net_income["doc_id"] and net_income["citation"]

    # The conversation survives a reload; "New conversation" clears it for good.
    browser.refresh()
    wait.until(lambda d: len(by_css(d, "#conversation > li.assistant")) == 4)
    assert "RMB363 million" in by_css(browser, "#conversation > li.assistant")[0].text
    ask(browser, "and in Q3?", 4)  # the restored turns are the follow-up's history
    latest = by_css(browser, "#conversation > li.assistant")[-1].text
    assert "Q3" in latest
    browser.find_element(By.ID, "new-chat").click()
    assert not by_css(browser, "#conversation > li")
    browser.refresh()
    wait.until(lambda d: by_css(d, "#examples button.example"))
    assert not by_css(browser, "#conversation > li")

    # Every request that goes over the network goes to this server (the browser's own
    # chrome:// pages are not the page's requests).
    network = [
        u for u in requests_made(browser) if u.startswith(("http:", "https:", "ws:", "wss:"))
    ]
    assert network and all(u.startswith(server.url + "/") for u in network), [
        u for u in network if not u.startswith(server.url + "/")
    ]


def test_a_phone_width_has_no_sideways_scroll_and_shows_the_passage(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(390, 900)
    wait = WebDriverWait(browser, 60)
    open_chat(browser, server)
    wait.until(lambda d: "LexinFintech" in d.find_element(By.ID, "document-list").text)
    answer = ask(browser, "What was Q4 net income and how did it move?", 0)
    ask(browser, "What was the second lien allowance for credit losses at December 31, 2023?", 1)
    width = browser.execute_script("return window.innerWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    for element_id in ("new-chat", "ask", "document-list", "upload-form"):
        right = browser.execute_script(
            "return arguments[0].getBoundingClientRect().right",
            browser.find_element(By.ID, element_id),
        )
        assert right <= width, element_id
    answer.find_element(By.CSS_SELECTOR, ".answer-text button.cite").click()
    passage = browser.find_element(By.ID, "passage")
    wait.until(lambda d: passage.is_displayed())
    wait.until(lambda d: in_viewport(d, passage.find_element(By.CSS_SELECTOR, "mark")))
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "chat-390.png"))
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width


def test_filter_chips_narrow_list_and_questions_and_delete_asks_first(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    text = (FIXTURES / "wire_call.txt").read_bytes() + b"\n\nKept for the page test.\n"
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as api:
        sent = api.post(
            "/v1/documents",
            files={"file": ("helix-page.txt", text)},
            data={"company": "Helix Payments", "period": "Q2 2025"},
        )
        assert sent.status_code == 202, sent.text
        deadline = time.monotonic() + 120
        while api.get("/v1/documents/helix-page").json()["state"] != "ready":
            assert time.monotonic() < deadline
            time.sleep(0.3)
    try:
        browser.set_window_size(1280, 900)
        wait = WebDriverWait(browser, 60)
        open_chat(browser, server)
        wait.until(
            lambda d: (
                "helix-page" in d.find_element(By.ID, "document-list").text
                or d.find_elements(By.CSS_SELECTOR, "#document-list li[data-doc='helix-page']")
            )
        )
        items = by_css(browser, "#document-list li[data-doc]")
        assert len(items) == 3
        # Grouped by company, a heading each.
        groups = [g.get_attribute("data-company") for g in by_css(browser, "li.company-group")]
        assert groups == sorted(groups) and "Helix Payments" in groups
        helix = browser.find_element(By.CSS_SELECTOR, "#document-list li[data-doc='helix-page']")
        assert "Helix Payments" in helix.text and "passages" in helix.text
        assert "added 20" in helix.text  # the date it was added

        browser.find_element(
            By.CSS_SELECTOR, "button.chip[data-facet='company'][data-value='Helix Payments']"
        ).click()
        wait.until(lambda d: len(by_css(d, "#document-list li[data-doc]")) == 1)
        assert "Helix Payments" in browser.find_element(By.ID, "asking-within").text
        assert "1 of 3 documents" in browser.find_element(By.ID, "document-count").text
        answer = ask(browser, "What was revenue?", 0)
        cited = {li.text for li in by_css(answer, "ol.sources li")}
        assert cited and all("Helix" in c or "helix" in c for c in cited), cited
        browser.save_screenshot(str(ARTIFACTS / "documents-filtered.png"))

        item = "#document-list li[data-doc='helix-page']"
        browser.find_element(By.CSS_SELECTOR, f"{item} button.delete").click()
        # Asked in place, not in a browser dialog; nothing is deleted on "Keep".
        assert (
            "Delete helix-page?" in browser.find_element(By.CSS_SELECTOR, f"{item} .confirm").text
        )
        keep = browser.find_element(By.XPATH, "//li[@data-doc='helix-page']//button[.='Keep']")
        keep.click()
        assert httpx.get(f"{server.url}/v1/documents/helix-page", headers=AUTH).status_code == 200
        browser.find_element(By.CSS_SELECTOR, f"{item} button.delete").click()
        browser.find_element(By.CSS_SELECTOR, f"{item} button.confirm-delete").click()
        wait.until(lambda d: not by_css(d, item))
        # Its chip went with it; the other documents are listed again.
        wait.until(lambda d: len(by_css(d, "#document-list li[data-doc]")) == 2)
        assert httpx.get(f"{server.url}/v1/documents/helix-page", headers=AUTH).status_code == 404
    finally:
        httpx.delete(f"{server.url}/v1/documents/helix-page", headers=AUTH, timeout=60)


def test_the_token_field_shows_only_when_the_server_needs_one(open_page_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(open_page_server.url + "/")
    WebDriverWait(browser, 60).until(
        lambda d: "LexinFintech" in d.find_element(By.ID, "document-list").text
    )
    assert not browser.find_element(By.ID, "token").is_displayed()


@pytest.fixture
def open_page_server(seed_index, tmp_path):
    """A server with no token, on its own copy of the seed index."""
    import shutil

    from benchmarks.serving import Server

    shutil.copytree(seed_index, tmp_path / "index", symlinks=True)
    running = Server(tmp_path / "index", tmp_path / "server.log")
    running.wait_ready()
    yield running
    running.stop()
