"""seedqa in the browser: `python app.py` serves the chat at http://127.0.0.1:7860.

GRADIO_SERVER_NAME / GRADIO_SERVER_PORT change the address (loopback by default),
QA_AUTH=user:password turns on a login. A first run builds the index (progress on the
console) before the page is served; a restart serves the stored index at once and
ingests corpus changes in the background. Handlers live in qa/ui*.py; this file only
wires them together.
"""

import qa  # first: turns off Gradio analytics and Chroma telemetry before they load
from qa import ui


def main() -> None:
    try:
        settings = ui.launch_kwargs()  # a bad QA_AUTH or port fails before the index work
        assistant = qa.Assistant()
        ui.prepare(assistant)
        demo = ui.build(assistant)
    except qa.QAError as exc:
        raise SystemExit(f"seedqa: {exc}") from exc
    ui.launch(demo, **settings)


if __name__ == "__main__":
    main()
