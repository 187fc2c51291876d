"""Interface strings in English and Vietnamese.

Two tables of the same keys: ``LABELS`` for the page's components (handed to
``gr.I18n``, translated in the browser from its language or the switch), and
``TEXT`` for the HTML the server renders (answers, lookups, the shelf), picked
with ``text(lang, key, **values)``. Document text and error messages from the
core are shown as they are; only the frame around them is translated.
"""

from __future__ import annotations

LANGUAGES = ("en", "vi")
DEFAULT = "en"
# Shown in the switch; each language is named in itself.
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "## seedqa: answers from your documents, with paragraph citations",
        "chat": "Chat",
        "chat_placeholder": "Ask a question in English or Vietnamese. Every answer cites the "
                            "paragraphs it comes from; click a source to read it.",
        "question": "Ask about the documents…",
        "examples": "Examples",
        "language": "Language",
        "lookup_heading": "### Paragraph lookup",
        "paragraph_id": "Paragraph id",
        "show": "Show",
        "shelf": "Documents",
        "add_documents": "Add documents (.txt / .md / .html / .pdf / .docx / .odt / .epub / "
                         ".ipynb / .rst)",
        "files": "Files",
        "add": "Add to the collection",
        "remove_id": "Document id to remove (uploads only)",
        "remove": "Remove",
        "replace": "Replace uploads that have the same name",
        # Gradio's own label on the saved-conversations panel (it has no Vietnamese).
        "chat_interface.new_chat": "New chat",
    },
    "vi": {
        "heading": "## seedqa: câu trả lời từ tài liệu của bạn, kèm trích dẫn từng đoạn",
        "chat": "Trò chuyện",
        "chat_placeholder": "Đặt câu hỏi bằng tiếng Việt hoặc tiếng Anh. Mỗi câu trả lời trích "
                            "dẫn các đoạn làm nguồn; bấm vào một nguồn để đọc.",
        "question": "Hỏi về các tài liệu…",
        "examples": "Ví dụ",
        "language": "Ngôn ngữ",
        "lookup_heading": "### Tra cứu đoạn",
        "paragraph_id": "Mã đoạn",
        "show": "Xem",
        "shelf": "Tài liệu",
        "add_documents": "Thêm tài liệu (.txt / .md / .html / .pdf / .docx / .odt / .epub / "
                         ".ipynb / .rst)",
        "files": "Tệp",
        "add": "Thêm vào bộ sưu tập",
        "remove_id": "Mã tài liệu cần gỡ (chỉ tài liệu tải lên)",
        "remove": "Gỡ",
        "replace": "Thay thế tài liệu tải lên cùng tên",
        "chat_interface.new_chat": "Cuộc trò chuyện mới",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "sources": "Sources",
        "related_heading": "Related paragraphs (not sources: they do not answer the question)",
        "related": "related",
        "not_found": "Not in the documents",
        "read_as": "Read as: {question}",
        "answered_by": "answered by {backend}",
        "extractive": "offline extractive",
        "llm": "LLM {model}",
        "undated": "undated",
        "also_stated": "also stated in:",
        "page": "p. {page}",
        "could_not_answer": "Could not answer",
        "internal_error": "Something went wrong on the server ({kind}). The conversation is "
                          "kept; try again, and report it if it happens again.",
        "row_paragraph": "Paragraph",
        "row_document": "Document",
        "row_title": "Title",
        "row_section": "Section",
        "row_page": "Page",
        "row_date": "Date",
        "row_language": "Language",
        "row_duplicate": "Duplicate of",
        "of_total": "¶{n} of {total}",
        "duplicate_note": "answers cite that paragraph",
        "this_paragraph": "this paragraph",
        "previous": "previous",
        "next": "next",
        "lookup_empty": "Type a paragraph id such as 004_7ca57963d029bf3e:4, or click a source "
                        "under an answer.",
        "lookup_start": "Click a source under an answer, or type a paragraph id.",
        "no_such": "No such paragraph: {error}.",
        "removed_doc": "{pid} is gone: its document {doc} was removed from the collection, "
                       "so answers no longer cite it.",
        "status": "Answers by <b>{backend}</b> · collection: <b>{documents}</b> documents, "
                  "<b>{paragraphs}</b> paragraphs",
        "added": "Added {n} document(s):",
        "n_paragraphs": "{n} paragraphs",
        "rejected": "Rejected {n} file(s):",
        "index_updated": "Index updated in {seconds:.1f} s: {added} added, {updated} updated, "
                         "{removed} removed, {unchanged} unchanged paragraphs; now {documents} "
                         "documents, {paragraphs} paragraphs.",
        "skipped": "Skipped by the indexer:",
        "choose_files": "Choose one or more files first.",
        "replaced": "replaced the earlier upload",
        "progress": "Embedding {file}: {done} of {total} paragraphs",
        "waiting": "Another ingest is writing to the index; waiting for it to finish…",
        "shelf_title": "Title",
        "shelf_date": "Date",
        "shelf_language": "Language",
        "shelf_paragraphs": "Paragraphs",
        "shelf_origin": "Source",
        "origin_corpus": "collection",
        "origin_upload": "upload",
        "shelf_count": "{n} documents",
        "removed": "Removed {doc}: {removed} paragraphs; now {documents} documents, "
                   "{paragraphs} paragraphs.",
        "remove_what": "Type the id of an uploaded document (first column) to remove it.",
        "remove_title": "Remove {doc} from the collection",
        "copy_sources": "Sources:",
        "copy_related": "Related paragraphs (not sources):",
    },
    "vi": {
        "sources": "Nguồn",
        "related_heading": "Các đoạn liên quan (không phải nguồn: chúng không trả lời câu hỏi)",
        "related": "liên quan",
        "not_found": "Không có trong tài liệu",
        "read_as": "Đã hiểu là: {question}",
        "answered_by": "trả lời bởi {backend}",
        "extractive": "trích dẫn ngoại tuyến",
        "llm": "LLM {model}",
        "undated": "không rõ ngày",
        "also_stated": "cũng được nêu trong:",
        "page": "tr. {page}",
        "could_not_answer": "Không thể trả lời",
        "internal_error": "Máy chủ gặp lỗi ({kind}). Cuộc trò chuyện vẫn được giữ; hãy thử lại, "
                          "và báo lỗi nếu nó lặp lại.",
        "row_paragraph": "Đoạn",
        "row_document": "Tài liệu",
        "row_title": "Tiêu đề",
        "row_section": "Mục",
        "row_page": "Trang",
        "row_date": "Ngày",
        "row_language": "Ngôn ngữ",
        "row_duplicate": "Trùng với",
        "of_total": "¶{n} trên {total}",
        "duplicate_note": "câu trả lời trích dẫn đoạn đó",
        "this_paragraph": "đoạn này",
        "previous": "trước",
        "next": "sau",
        "lookup_empty": "Nhập mã đoạn, ví dụ 004_7ca57963d029bf3e:4, hoặc bấm vào một nguồn "
                        "dưới câu trả lời.",
        "lookup_start": "Bấm vào một nguồn dưới câu trả lời, hoặc nhập mã đoạn.",
        "no_such": "Không có đoạn này: {error}.",
        "removed_doc": "{pid} không còn: tài liệu {doc} của nó đã bị gỡ khỏi bộ sưu tập, nên "
                       "câu trả lời không còn trích dẫn nó.",
        "status": "Trả lời bởi <b>{backend}</b> · bộ sưu tập: <b>{documents}</b> tài liệu, "
                  "<b>{paragraphs}</b> đoạn",
        "added": "Đã thêm {n} tài liệu:",
        "n_paragraphs": "{n} đoạn",
        "rejected": "Từ chối {n} tệp:",
        "index_updated": "Đã cập nhật chỉ mục trong {seconds:.1f} giây: thêm {added}, sửa "
                         "{updated}, xoá {removed}, giữ nguyên {unchanged} đoạn; hiện có "
                         "{documents} tài liệu, {paragraphs} đoạn.",
        "skipped": "Bộ lập chỉ mục bỏ qua:",
        "choose_files": "Hãy chọn một hoặc nhiều tệp trước.",
        "replaced": "thay cho bản tải lên trước",
        "progress": "Đang nhúng {file}: {done} trên {total} đoạn",
        "waiting": "Một lượt lập chỉ mục khác đang ghi vào chỉ mục; đang chờ nó hoàn tất…",
        "shelf_title": "Tiêu đề",
        "shelf_date": "Ngày",
        "shelf_language": "Ngôn ngữ",
        "shelf_paragraphs": "Số đoạn",
        "shelf_origin": "Nguồn",
        "origin_corpus": "bộ sưu tập",
        "origin_upload": "tải lên",
        "shelf_count": "{n} tài liệu",
        "removed": "Đã gỡ {doc}: {removed} đoạn; hiện có {documents} tài liệu, {paragraphs} đoạn.",
        "remove_what": "Nhập mã của một tài liệu đã tải lên (cột đầu tiên) để gỡ nó.",
        "remove_title": "Gỡ {doc} khỏi bộ sưu tập",
        "copy_sources": "Nguồn:",
        "copy_related": "Các đoạn liên quan (không phải nguồn):",
    },
}


def lang_of(value: object) -> str:
    """'en' or 'vi' from a language tag such as 'vi-VN', 'en_US' or 'vi'; English otherwise."""
    if isinstance(value, str):
        base = value.strip().replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT


def text(lang: object, key: str, **values) -> str:
    """The server-side string ``key`` in ``lang`` (English when unknown), formatted."""
    template = TEXT[lang_of(lang)][key]
    return template.format(**values) if values else template
