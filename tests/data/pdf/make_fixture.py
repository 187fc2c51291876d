"""Rebuild seed-004.pdf: seed document 004 printed by Chromium as a three-page PDF.

Run from the repository root: ``python tests/data/pdf/make_fixture.py``. It writes
an HTML page of the seed (title, then one <p> per blank-line block, the date as
a meta tag), prints it with ``chromium --headless --print-to-pdf`` (A5, with a page
number in the bottom margin, as printed documents have), and checks for 3 pages.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "seeds" / "004_7ca57963d029bf3e.txt"
OUT = Path(__file__).resolve().parent / "seed-004.pdf"
CSS = """@page { size: A5; margin: 14mm 14mm 16mm 14mm;
  @bottom-center { content: counter(page); font: 10px sans-serif; } }
body { font: 14px/1.35 serif; } h1 { font-size: 19px; }"""


def page_html() -> str:
    text = SEED.read_text(encoding="utf-8")
    date = re.match(r"\s*date\s+(\S+)\s+", text)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text[date.end():]) if b.strip()]
    body = "\n".join(f"<p>{html.escape(b)}</p>" for b in blocks)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<title>Việt Nam and Kazakhstan elevate ties</title>'
            f'<style>{CSS}</style></head><body>\n{body}\n</body></html>\n')


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "seed-004.html"
        src.write_text(page_html(), encoding="utf-8")
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-pdf-header-footer", f"--print-to-pdf={OUT}", src.as_uri()],
                       check=True, capture_output=True, timeout=120)
    from pypdf import PdfReader

    pages = len(PdfReader(OUT).pages)
    print(f"{OUT}: {pages} pages, {OUT.stat().st_size} bytes")
    return 0 if pages == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
