"""The chat in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

One `python app.py` serves the five seed documents plus a document full of HTML/JS
injection attempts. The browser asks a question, sees the answer with its [1]
marker and sources, clicks a source and reads the paragraph (quote highlighted) in
the lookup panel, asks about the hostile document, looks its paragraphs up, adds a
file through the upload panel and removes it from the document shelf, sends empty
and oversized questions and keeps chatting in the same page, copies an answer as
plain text, reopens a conversation after a reload, and reads the page in
Vietnamese. A second app, over one seed, takes a 3-page PDF through the upload panel
and labels its citation with the page. Every test checks that nothing ran: no dialog,
no window.__xss flag, no request to any other host than the app. Screenshots go to
tests/artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from testkit import SEEDS_DIR, TESTS_DIR, AppProcess

from qa import i18n

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
KZ = "004_7ca57963d029bf3e"
ADD_DOCUMENTS = i18n.LABELS["en"]["add_documents"]  # the accordion's label
SEED_IDS = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
RELATIONS = "When did Vietnam and Kazakhstan establish diplomatic relations?"
WHERE = "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?"  # three sources
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


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-app")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        shutil.copy(path, corpus / path.name)
    (corpus / "spice_bulletin.txt").write_text(HOSTILE, encoding="utf-8")
    examples = root / "examples.txt"
    examples.write_text(f"# the page shows these under an empty chat\n{WHERE}\n",
                        encoding="utf-8")
    with AppProcess(root, corpus, QA_EXAMPLES=str(examples)) as app:
        yield app.url


def open_page(browser, app_url: str, locale: str = "en-US", query: str = "",
              size: tuple[int, int] = (1400, 1000)):
    """A new tab (own storage) on the app, with clipboard access; dialogs and requests
    to other hosts are recorded."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  locale=locale)
    context.grant_permissions(["clipboard-read", "clipboard-write"],
                              origin=app_url.rstrip("/"))
    pg = context.new_page()
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
    pg.goto(app_url + query, wait_until="load")
    pg.locator("#seedqa-question textarea").wait_for(timeout=60_000)
    return pg


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(app_url, browser):
    return open_page(browser, app_url)


def ask(page, question: str, done: str = ".seedqa-meta"):
    """Type a question, wait for its finished answer (or ``done``); the answer's locator."""
    before = page.locator('[data-testid="bot"]').count()
    box = page.locator("#seedqa-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator('[data-testid="bot"]').nth(before)
    answer.locator(done).wait_for(timeout=120_000)
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
    assert "[1]" in answer.inner_text() and "1992" in answer.inner_text()
    assert "Sources" in answer.inner_text() and "¶2" in answer.inner_text()
    quote = answer.locator(".seedqa-source mark").first.inner_text()
    assert quote in answer.locator(".seedqa-answer").inner_text()  # quoted verbatim

    # The source holding the date (¶2; an answer may quote several paragraphs).
    source = answer.locator(".seedqa-source").filter(has_text="1992").filter(
        has=page.locator(".seedqa-cite", has_text="¶2")).first
    quoted = source.locator(".seedqa-para mark").all_inner_texts()
    source.locator(".seedqa-cite").first.click()
    panel = lookup_panel(page, "¶2 (this paragraph)")
    text = panel.inner_text()
    # Opened from a citation, the quoted sentences (one or more) stay highlighted.
    shown = answer.locator(".seedqa-answer").inner_text()
    assert quoted and all(q in shown for q in quoted)
    assert panel.locator(".seedqa-target mark").all_inner_texts() == quoted
    assert "1992" in text and "¶1 (previous)" in text and "¶3 (next)" in text
    assert KZ in text and "2025-05-06" in text
    assert page.locator("#seedqa-lookup-id input, #seedqa-lookup-id textarea").input_value() \
        == f"{KZ}:2"

    # The inline marker opens its source too; so does a neighbour's heading.
    panel.get_by_text("¶3 (next)").click()
    lookup_panel(page, "¶3 (this paragraph)")
    answer.locator(f'.seedqa-marker[value="{KZ}:2"], .seedqa-marker[value^="{KZ}:2#"]'
                   ).first.click()
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
    bad.write_bytes(b"\xff\xfe\x00binary")  # a UTF-16 mark, then an odd byte count
    page.get_by_text(ADD_DOCUMENTS).click()
    page.locator("#seedqa-upload input[type=file]").set_input_files([str(doc), str(bad)])
    # The file list shows each name split in two ("broken" + ".txt").
    page.locator("#seedqa-upload").get_by_text("broken").first.wait_for(timeout=30_000)
    page.locator("#seedqa-add").click()
    report = page.locator("#seedqa-upload-report")
    report.get_by_text("Added 1 document(s)").wait_for(timeout=120_000)
    text = report.inner_text()
    assert "Mango_harvest" in text and "broken.txt" in text and "byte-order mark" in text
    page.locator("#seedqa-status").get_by_text("7 documents").wait_for(timeout=30_000)

    box = page.locator("#seedqa-lookup-id input, #seedqa-lookup-id textarea")
    box.fill("Mango_harvest:2")
    box.press("Enter")
    assert "310 tonnes" in lookup_panel(page, "310 tonnes").inner_text()

    # The shelf lists it as an upload; removing it there drops its paragraphs.
    page.locator("#seedqa-shelf-panel").get_by_text("Documents").first.click()
    row = page.locator("#seedqa-shelf tr.seedqa-upload")
    row.get_by_text("Mango_harvest").wait_for(timeout=30_000)
    row.locator("button.seedqa-remove").click()
    page.locator("#seedqa-remove-report").get_by_text("Removed Mango_harvest").wait_for(
        timeout=120_000)
    page.locator("#seedqa-status").get_by_text("6 documents").wait_for(timeout=30_000)
    assert page.locator("#seedqa-shelf tr.seedqa-upload").count() == 0
    box.fill("Mango_harvest:2")
    box.press("Enter")
    lookup_panel(page, "its document Mango_harvest was removed")
    answer = ask(page, "How many tonnes did the mango harvest in Tanga reach in 2024?")
    assert "310" not in answer.inner_text()
    assert_nothing_ran(page)


def test_bad_input_never_locks_the_chat(page):
    from playwright.sync_api import expect

    box = page.locator("#seedqa-question textarea")
    for bad, says in (("", "question is empty"), ("   ", "question is empty"),
                      ("x" * 6000, "6,000 characters long")):
        message = ask(page, bad, done=".seedqa-error")
        assert says in message.inner_text()
        expect(box).to_be_editable(timeout=10_000)  # usable again once the turn ends
    assert page.locator(".toast-body").count() == 0  # no error badge over the chat
    answer = ask(page, RELATIONS)  # the same page goes on answering
    assert "1992" in answer.inner_text()
    assert page.locator('[data-testid="bot"] .seedqa-error').count() == 3  # still visible
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-bad-input.png"), full_page=True)
    assert_nothing_ran(page)


def test_copy_gives_plain_text_with_sources(page):
    answer = ask(page, RELATIONS)
    page.locator("button[aria-label='Copy message']").last.click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    copied = page.evaluate("navigator.clipboard.readText()")
    first, _, sources = copied.partition("\n\nSources:\n")
    assert first == answer.locator(".seedqa-answer").inner_text().strip()
    assert "1992" in first and "[1]" in first
    assert sources.startswith("[1] ") and f"— {KZ}:2\n" in sources
    quote = answer.locator(".seedqa-source mark").first.inner_text()
    assert f"\n    “{quote}”" in sources
    assert "<" not in copied and "seedqa" not in copied
    # "Copy conversation" gives the questions as typed and each answer as plain text.
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator("button[aria-label='Copy conversation']").click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    everything = page.evaluate("navigator.clipboard.readText()")
    assert everything == f"user: {RELATIONS}\n\nassistant: {copied}"
    assert_nothing_ran(page)


def test_refusal_shows_the_verdict_first(page):
    answer = ask(page, "What is the boiling point of liquid nitrogen on Mars?")
    assert answer.locator(".seedqa-unanswered").count() == 1
    text = answer.inner_text()
    assert text.startswith("Not in the documents")
    related = answer.locator("details.seedqa-related")
    if related.count():  # related paragraphs, collapsed under the verdict
        assert related.get_attribute("open") is None
        assert not related.locator(".seedqa-para").first.is_visible()
    assert_nothing_ran(page)


def test_reload_keeps_the_conversation(page):
    ask(page, RELATIONS)
    # Saved once the turn ends: the question shows in the chat and in the list.
    page.wait_for_function("(t) => document.body.innerText.split(t).length > 2",
                           arg=RELATIONS[:30])
    page.reload(wait_until="load")
    page.locator("#seedqa-question textarea").wait_for(timeout=60_000)
    saved = page.get_by_text(RELATIONS[:30]).first
    saved.wait_for(timeout=30_000)
    assert page.locator('[data-testid="bot"]').count() == 0  # a new chat, and the list
    saved.click()
    page.locator('[data-testid="bot"] .seedqa-meta').first.wait_for(timeout=30_000)
    assert "1992" in page.locator('[data-testid="bot"]').first.inner_text()
    # Clearing the reopened conversation deletes it from the list, for good.
    page.locator("#seedqa-chat button[aria-label='Clear']").first.click()
    page.wait_for_function("(t) => !document.body.innerText.includes(t)", arg=RELATIONS[:30])
    page.reload(wait_until="load")
    page.locator("#seedqa-question textarea").wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    assert page.get_by_text(RELATIONS[:30]).count() == 0
    assert_nothing_ran(page)


def test_the_shelf_lists_the_seed_documents(page):
    page.locator("#seedqa-shelf-panel").get_by_text("Documents").first.click()
    rows = page.locator("#seedqa-shelf tr.seedqa-doc")
    rows.first.wait_for(timeout=30_000)
    ids = [rows.nth(i).locator("code").inner_text() for i in range(rows.count())]
    assert set(SEED_IDS) <= set(ids) and len(SEED_IDS) == 5
    assert page.locator("#seedqa-shelf button.seedqa-remove").count() == 0  # no uploads
    assert_nothing_ran(page)


@pytest.mark.parametrize("locale, query", [("en-US", "?lang=vi"), ("vi-VN", "")])
def test_vietnamese_interface(app_url, browser, locale, query):
    page = open_page(browser, app_url, locale=locale, query=query)
    page.locator("#seedqa-lookup-btn").get_by_text("Xem").wait_for(timeout=30_000)
    page.locator("#seedqa-status").get_by_text("Trả lời bởi").wait_for(timeout=30_000)
    assert page.locator("#seedqa-question textarea").get_attribute("placeholder") == (
        "Hỏi về các tài liệu…")
    answer = ask(page, "Việt Nam và Kazakhstan thiết lập quan hệ ngoại giao khi nào?")
    assert "trả lời bởi" in answer.inner_text()
    assert answer.locator(".seedqa-readas").count() == 0  # read as typed
    # Typed without marks: the answer says how it read the question.
    typed = ask(page, "Viet Nam va Kazakhstan thiet lap quan he ngoai giao khi nao?")
    assert typed.locator(".seedqa-readas").inner_text() == (
        "Đã hiểu là: Việt Nam và Kazakhstan thiết lập quan hệ ngoại giao khi nào?")
    assert "1992" in typed.locator(".seedqa-answer").inner_text()
    # The switch goes back to English, labels and server-rendered parts alike.
    page.locator("#seedqa-lang").get_by_text("English").click()
    page.locator("#seedqa-lookup-btn").get_by_text("Show").wait_for(timeout=30_000)
    page.locator("#seedqa-status").get_by_text("Answers by").wait_for(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{locale}.png"), full_page=True)
    assert_nothing_ran(page)


def test_a_long_answer_is_shown_from_its_start_on_a_phone(app_url, browser):
    page = open_page(browser, app_url, size=(390, 844))
    ask(page, RELATIONS)
    answer = ask(page, WHERE)
    page.wait_for_timeout(500)
    top, view_top, height, view_height = page.evaluate("""() => {
        const b = [...document.querySelectorAll('#seedqa-chat [data-testid="bot"]')].pop();
        const box = document.querySelector('#seedqa-chat').getBoundingClientRect();
        const r = b.getBoundingClientRect();
        return [r.top, box.top, r.height, box.height]; }""")
    assert height > view_height  # taller than the chat: it cannot all be in view
    assert view_top - 2 <= top <= view_top + 80, (top, view_top)  # its start is
    assert "[1]" in answer.locator(".seedqa-answer").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-phone.png"))
    assert_nothing_ran(page)


PDF = TESTS_DIR / "data" / "pdf" / "seed-004.pdf"  # seed 004 printed by Chromium, 3 pages
ORDER = "Which order did President Tokayev award Tô Lâm after the talks?"  # on page 3


@pytest.fixture
def pdf_app_url(tmp_path):
    """An app over seed 000 alone. Seed 004 stays out: with its .txt beside the PDF made
    from it, either copy may be cited, and only the PDF's has a page."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS_DIR / "000_ee914f4da08c8a1e.txt", corpus)
    with AppProcess(tmp_path, corpus) as app:
        yield app.url


def test_upload_a_pdf_and_see_the_page_of_its_citation(pdf_app_url, browser):
    page = open_page(browser, pdf_app_url)
    page.get_by_text(ADD_DOCUMENTS).click()
    page.locator("#seedqa-upload input[type=file]").set_input_files([str(PDF)])
    page.locator("#seedqa-upload").get_by_text("seed-004").first.wait_for(timeout=30_000)
    page.locator("#seedqa-add").click()
    report = page.locator("#seedqa-upload-report")
    report.get_by_text("Added 1 document(s)").wait_for(timeout=120_000)
    assert "seed-004: 23 paragraphs" in report.inner_text()

    answer = ask(page, ORDER)
    # The source that holds the fact is the PDF's paragraph, labelled with its page.
    source = answer.locator(".seedqa-source").filter(has_text="Order of Dostyk").first
    button = source.locator(".seedqa-cite").first
    assert button.get_attribute("title") == "seed-004:22"
    assert "¶22 — p. 3" in button.inner_text()
    assert "Order of Dostyk" in answer.locator(".seedqa-answer").inner_text()

    # Opened in the lookup panel, the paragraph shows its page too.
    button.click()
    panel = lookup_panel(page, "¶22 (this paragraph)")
    assert "Order of Dostyk" in panel.locator(".seedqa-target").inner_text()
    row = panel.locator("tr").filter(has=page.locator("th", has_text="Page"))
    assert row.locator("td").inner_text() == "3"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-pdf-page.png"), full_page=True)
    assert_nothing_ran(page)


HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)  # as a writer does: the app names it
os.pwrite(fd, str(os.getpid()).encode(), 0)
print("held", flush=True)
sys.stdin.read()
"""


def test_an_upload_says_it_waits_for_another_ingest(tmp_path, browser):
    # Another process (a `seedqa ingest` in a terminal) holds the data folder's write
    # lock: the upload panel says the upload waits, and adds it once the lock is free.
    import subprocess
    import sys

    from qa.writelock import LOCK_NAME

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS_DIR / "000_ee914f4da08c8a1e.txt", corpus)
    doc = tmp_path / "Mango harvest.md"
    doc.write_text("The mango harvest in Tanga reached 310 tonnes in 2024.\n", encoding="utf-8")
    with AppProcess(tmp_path, corpus) as app:
        page = open_page(browser, app.url)  # the app has ingested: the lock is free again
        holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK,
                                   str(tmp_path / "data" / LOCK_NAME)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            page.get_by_text(ADD_DOCUMENTS).click()
            page.locator("#seedqa-upload input[type=file]").set_input_files([str(doc)])
            page.locator("#seedqa-upload").get_by_text("Mango").first.wait_for(timeout=30_000)
            page.locator("#seedqa-add").click()
            page.get_by_text("waiting for it to finish").first.wait_for(timeout=60_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-upload-waits.png"))
            assert page.locator("#seedqa-upload-report").get_by_text(
                "Added 1 document(s)").count() == 0
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)
        report = page.locator("#seedqa-upload-report")
        report.get_by_text("Added 1 document(s)").wait_for(timeout=120_000)
        assert_nothing_ran(page)
