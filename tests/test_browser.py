"""The chat in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

One `python app.py` serves two seed articles plus a document full of HTML/JS
injection attempts. The browser asks a question, sees the answer with its [1]
marker and sources, clicks a source and reads the paragraph in the lookup panel,
asks about the hostile document, looks its paragraphs up, adds a file through the
upload panel, and checks that nothing ran: no dialog, no window.__xss flag, no
request to any other host than the app. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from testkit import PROJECT_ROOT, SEEDS_DIR, clean_env, free_port

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
KZ = "004_7ca57963d029bf3e"
HOSTILE = (
    ' date 2025-03-01 Spice bulletin <img src=x onerror="window.__xss=1;alert(1)">\n\n'
    "Zanzibar exported 42 tonnes of cloves in 2024 <script>window.__xss=2;alert(2)</script> "
    'according to the spice bulletin <img src=x onerror="window.__xss=3;alert(3)">.\n\n'
    'Template check ${7*7} {{7*7}} <svg onload="window.__xss=4;alert(4)"></svg> '
    '<a href="javascript:window.__xss=5">link</a>\n'
)

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium); "
                "CI installs it", allow_module_level=True)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} not ready after {timeout} s")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-app")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("000_ee914f4da08c8a1e.txt", f"{KZ}.txt"):
        shutil.copy(SEEDS_DIR / name, corpus / name)
    (corpus / "spice_bulletin.txt").write_text(HOSTILE, encoding="utf-8")
    port = free_port()
    log = root / "app.log"
    env = clean_env(QA_CORPUS_DIR=str(corpus), QA_DATA_DIR=str(root / "data"),
                    GRADIO_SERVER_PORT=str(port))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")], cwd=root,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.dialogs = []
            pg.foreign = []

            def on_dialog(d):
                pg.dialogs.append(d.message)
                d.dismiss()

            def on_request(r):
                u = urlparse(r.url)
                if u.scheme in ("http", "https", "ws", "wss") and u.hostname not in (
                        "127.0.0.1", "localhost"):
                    pg.foreign.append(r.url)

            pg.on("dialog", on_dialog)
            pg.on("request", on_request)
            pg.goto(app_url, wait_until="load")
            pg.locator("#seedqa-question textarea").wait_for(timeout=60_000)
            yield pg
        finally:
            browser.close()


def ask(page, question: str):
    """Type a question, wait for its finished answer; the answer's locator."""
    before = page.locator('[data-testid="bot"]').count()
    box = page.locator("#seedqa-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator('[data-testid="bot"]').nth(before)
    answer.locator(".seedqa-meta").wait_for(timeout=120_000)
    return answer


def lookup_panel(page, contains: str):
    panel = page.locator("#seedqa-lookup")
    panel.get_by_text(contains).first.wait_for(timeout=30_000)
    return panel


def assert_nothing_ran(page):
    assert page.dialogs == []
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#seedqa-chat script, #seedqa-lookup script").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert page.foreign == [], page.foreign


def test_ask_click_source_and_see_the_paragraph(page):
    answer = ask(page, "When did Vietnam and Kazakhstan establish diplomatic relations?")
    assert "[1]" in answer.inner_text()
    assert "1992" in answer.locator("mark").first.inner_text()
    assert "Sources" in answer.inner_text() and "¶2" in answer.inner_text()

    answer.locator(".seedqa-cite").first.click()
    panel = lookup_panel(page, "¶2 (this paragraph)")
    text = panel.inner_text()
    assert "1992" in text and "¶1 (previous)" in text and "¶3 (next)" in text
    assert KZ in text and "2025-05-06" in text
    assert page.locator("#seedqa-lookup-id input, #seedqa-lookup-id textarea").input_value() \
        == f"{KZ}:2"

    # The inline marker opens its source too; so does a neighbour's heading.
    panel.get_by_text("¶3 (next)").click()
    lookup_panel(page, "¶3 (this paragraph)")
    answer.locator(".seedqa-marker").first.click()
    lookup_panel(page, "¶2 (this paragraph)")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-answer.png"), full_page=True)
    assert_nothing_ran(page)


def test_hostile_document_text_is_shown_not_run(page):
    answer = ask(page, "How many tonnes of cloves did Zanzibar export in 2024?")
    shown = answer.inner_text()
    assert "spice_bulletin" in answer.inner_html() or "Spice bulletin" in shown
    assert "<script>window.__xss=2;alert(2)</script>" in shown
    assert '<img src=x onerror="window.__xss=3;alert(3)">' in shown

    box = page.locator("#seedqa-lookup-id input, #seedqa-lookup-id textarea")
    box.fill("spice_bulletin:3")
    box.press("Enter")
    panel = lookup_panel(page, "Template check")
    text = panel.inner_text()
    assert "${7*7} {{7*7}}" in text and "49" not in text
    assert '<svg onload="window.__xss=4;alert(4)"></svg>' in text
    assert "Spice bulletin <img src=x" in text  # the title, escaped

    box.fill("spice_bulletin:99")
    box.press("Enter")
    assert "No such paragraph" in lookup_panel(page, "No such paragraph").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-xss.png"), full_page=True)
    assert_nothing_ran(page)


def test_upload_a_document_and_ask_about_it(page, tmp_path):
    doc = tmp_path / "Mango harvest.md"
    doc.write_text("Mango harvest\n\nThe mango harvest in Tanga reached 310 tonnes in 2024.\n",
                   encoding="utf-8")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    page.get_by_text("Add documents (.txt / .md)").click()
    page.locator("#seedqa-upload input[type=file]").set_input_files([str(doc), str(bad)])
    # The file list shows each name split in two ("broken" + ".txt").
    page.locator("#seedqa-upload").get_by_text("broken").first.wait_for(timeout=30_000)
    page.locator("#seedqa-add").click()
    report = page.locator("#seedqa-upload-report")
    report.get_by_text("Added 1 document(s)").wait_for(timeout=120_000)
    text = report.inner_text()
    assert "Mango_harvest" in text and "broken.txt" in text and "binary" in text
    page.locator("#seedqa-status").get_by_text("4 documents").wait_for(timeout=30_000)

    box = page.locator("#seedqa-lookup-id input, #seedqa-lookup-id textarea")
    box.fill("Mango_harvest:2")
    box.press("Enter")
    assert "310 tonnes" in lookup_panel(page, "310 tonnes").inner_text()
    assert_nothing_ran(page)
