"""seedqa in the browser: `python app.py` (placeholder until the chat UI lands)."""

import qa

if __name__ == "__main__":
    report = qa.ingest()
    print(f"index ready: {report.paragraphs} paragraphs; the chat UI is not built yet")
