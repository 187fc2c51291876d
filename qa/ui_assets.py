"""The page's own stylesheet and scripts, passed to ``Blocks.launch`` and to the
language switch: ``CSS`` styles the rendered messages and panels, ``JS`` makes
citations, markers and remove buttons work, copies messages as plain text and
scrolls new answers into view, and the ``JS_*_LANG`` snippets pick, remember and
switch the interface language.
"""

CSS = """
.seedqa-status { font-size: 0.95em; opacity: 0.9; margin: 0 0 4px 0; }
.seedqa-msg .seedqa-answer { line-height: 1.5; }
.seedqa-marker, .seedqa-cite {
  background: none; border: none; padding: 0; margin: 0; cursor: pointer; font: inherit;
  color: var(--link-text-color, #2563eb); text-decoration: underline; text-align: left;
}
.seedqa-marker { font-weight: 600; text-decoration: none; }
.seedqa-marker:hover, .seedqa-cite:hover { text-decoration: underline; opacity: 0.8; }
.seedqa-sources, .seedqa-related {
  margin-top: 10px; padding-top: 6px; border-top: 1px solid rgba(128,128,128,0.35);
  font-size: 0.92em;
}
.seedqa-sources-h { font-weight: 600; margin-bottom: 4px; }
.seedqa-related summary { cursor: pointer; font-style: italic; opacity: 0.85; }
.seedqa-source { margin: 6px 0 10px 0; }
.seedqa-para {
  margin: 3px 0 0 0; padding: 4px 8px; border-left: 3px solid rgba(128,128,128,0.4);
  white-space: normal;
}
.seedqa-related .seedqa-para { opacity: 0.8; }
.seedqa-pre, .seedqa-code { white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular,
  Menlo, Consolas, monospace; font-size: 0.9em; }
.seedqa-code { margin: 4px 0; padding: 6px 8px; background: rgba(128,128,128,0.12);
  border-radius: 4px; overflow-x: auto; }
.seedqa-answer code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.9em; background: rgba(128,128,128,0.12); padding: 0 3px; border-radius: 3px; }
.seedqa-answer pre code { background: none; padding: 0; }
.seedqa-para mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.seedqa-unanswered, .seedqa-notice, .seedqa-error {
  border-left: 4px solid #d97706; background: rgba(217,119,6,0.10);
  padding: 6px 10px; border-radius: 4px;
}
.seedqa-notice-h { font-weight: 600; color: #b45309; margin-bottom: 2px; }
.seedqa-note { margin-top: 6px; font-size: 0.9em; color: #b45309; }
.seedqa-readas { margin-top: 6px; font-size: 0.9em; color: #6b7280; }
.seedqa-meta { margin-top: 6px; font-size: 0.8em; opacity: 0.65; }
.seedqa-copytext { display: none !important; }
#seedqa-chat [data-testid="bot"] { scroll-margin-top: 40px; }  /* clear of the chat's label */
.seedqa-cursor { opacity: 0.6; }
/* The upload report is empty while an upload runs: room for its progress text
   ("Embedding …", "waiting for it to finish…"), else clipped to one line. */
#seedqa-upload-report:has(.progress-level) { min-height: 5em; }
.seedqa-also { font-size: 0.9em; margin-top: 2px; }
.seedqa-lookup table, .seedqa-shelf table {
  font-size: 0.9em; margin: 0 0 8px 0; border-collapse: collapse;
}
.seedqa-lookup table, .seedqa-lookup tr, .seedqa-lookup th, .seedqa-lookup td {
  border: none !important; background: none !important;
}
.seedqa-lookup th { text-align: left; padding: 1px 12px 1px 0 !important; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.seedqa-lookup td { padding: 1px 0 !important; }
.seedqa-shelf th, .seedqa-shelf td { padding: 2px 6px !important; text-align: left;
  vertical-align: top; }
.seedqa-shelf code { font-size: 0.85em; word-break: break-all; }
.seedqa-remove { cursor: pointer; color: #b91c1c; background: none; border: none; }
.seedqa-ctx { margin: 6px 0; opacity: 0.75; }
.seedqa-ctx.seedqa-target { opacity: 1; }
.seedqa-ctx.seedqa-target .seedqa-para {
  border-left-color: #2563eb; background: rgba(37,99,235,0.07);
}
.seedqa-ctx-h { font-size: 0.85em; font-weight: 600; }
.seedqa-upload ul { margin: 2px 0 6px 18px; }
"""

# The page's script (launch(js=...)), installed once:
# - a click on a source, marker or link (buttons whose value is '<paragraph id>[#start-end]')
#   fills the lookup box (and the hidden quote span) and presses its button; a click on a
#   shelf's remove button does the same for the hidden remove box. Delegated from the
#   document, so it works for messages that stream in later; Svelte picks values up from
#   the `input` event.
# - copying a rendered message (the chat's Copy buttons) puts its plain text on the
#   clipboard (the hidden .seedqa-copytext) instead of its HTML.
# - a new answer is scrolled to its start, not its end (the chat's autoscroll is off).
# - window.seedqaSetLocale(lang) switches the page's translated labels.
JS = r"""
() => {
  if (window.__seedqa) return;
  window.__seedqa = true;
  const setBox = (sel, value) => {
    const box = document.querySelector(sel + ' textarea, ' + sel + ' input');
    if (!box) return false;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  };
  document.addEventListener('click', (ev) => {
    const el = ev.target instanceof Element
      ? ev.target.closest('button.seedqa-cite, button.seedqa-marker, button.seedqa-remove')
      : null;
    if (!el || !el.value) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (el.classList.contains('seedqa-remove')) {
      if (setBox('#seedqa-remove-id', el.value)) {
        setTimeout(() => { const b = document.querySelector('#seedqa-remove-btn');
                           if (b) b.click(); }, 60);
      }
      return;
    }
    const m = el.value.match(/^(.*?)(#\d+-\d+(?:,\d+-\d+)*)?$/);
    const pid = m[1];
    setBox('#seedqa-lookup-span', m[2] ? pid + m[2] : '');
    if (!setBox('#seedqa-lookup-id', pid)) return;
    setTimeout(() => {
      const btn = document.querySelector('#seedqa-lookup-btn');
      if (btn) btn.click();
      const panel = document.querySelector('#seedqa-lookup');
      if (panel) panel.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    }, 60);
  }, true);

  // Each rendered message in the copied string (one, or the whole conversation) becomes
  // its text; anything else (the user's questions) is left exactly as it was.
  const decode = (h) => {
    const t = document.createElement('textarea');  // RCDATA: entities decoded, nothing run
    t.innerHTML = h.replace(/<br>/g, '\n');
    return t.value;
  };
  const NOT_NEXT = '(?:(?!<div class="seedqa-msg)[\\s\\S])*?';  // within one message
  const TEXT = '((?:[^<]|<br>)*)';
  const ANSWER = new RegExp('<div class="seedqa-msg [^"]*">' + NOT_NEXT
    + '<div class="seedqa-copytext">([^<]*)</div></div>', 'g');
  const ERROR = new RegExp('<div class="seedqa-msg seedqa-error"><div class="seedqa-notice-h">'
    + '([^<]*)</div><div class="seedqa-answer">' + TEXT + '</div></div>', 'g');
  const STREAMING = new RegExp('<div class="seedqa-msg seedqa-streaming">'
    + '<div class="seedqa-answer">' + TEXT + '</div>' + NOT_NEXT + '</span></div>', 'g');
  const plain = (s) => {
    if (typeof s !== 'string' || s.indexOf('class="seedqa-msg') < 0) return s;
    return s.replace(ANSWER, (m, t) => decode(t))
      .replace(ERROR, (m, h, t) => decode(h) + ': ' + decode(t))
      .replace(STREAMING, (m, t) => decode(t));
  };
  window.seedqaPlain = plain;
  if (navigator.clipboard && navigator.clipboard.writeText) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (s) => write(plain(s));
  }
  // Without the clipboard API (plain http off loopback) the chat copies through a textarea.
  document.addEventListener('copy', (ev) => {
    const a = document.activeElement;
    if (!a || a.tagName !== 'TEXTAREA' || a.value.indexOf('seedqa-msg') < 0) return;
    ev.clipboardData.setData('text/plain', plain(a.value.substring(a.selectionStart,
                                                                  a.selectionEnd)));
    ev.preventDefault();
  }, true);

  // Scrolled when the answer's bubble appears and again when it is complete (its
  // sources may have pushed its start out of view); never while the user reads.
  const follow = () => {
    const bots = document.querySelectorAll('#seedqa-chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    if (!last) return;
    const done = last.querySelector('.seedqa-meta, .seedqa-error') !== null;
    if (last.__seedqaSeen && (!done || last.__seedqaDone)) return;
    last.__seedqaSeen = true;
    last.__seedqaDone = done;
    requestAnimationFrame(() => last.scrollIntoView({block: 'start'}));
  };
  new MutationObserver(follow).observe(document.body, {childList: true, subtree: true});

  window.seedqaSetLocale = async (lang) => {
    try {
      const url = performance.getEntriesByType('resource').map((e) => e.name)
        .find((n) => /\/assets\/core-[^/]+\.js(\?|$)/.test(n));
      if (!url) return;
      const core = await import(url);
      if (typeof core.changeLocale === 'function') core.changeLocale(lang);
    } catch (e) {
      // The labels stay in the browser's language; the server-rendered parts still switch.
    }
  };
}
"""

# The language the page starts in: ?lang=.. in the address, else the user's last choice
# on the switch, else the browser's language; kept in a cookie so handlers render in it.
JS_DETECT_LANG = """
() => {
  const q = new URLSearchParams(window.location.search).get('lang');
  let saved = null;
  try { saved = window.localStorage.getItem('seedqa-lang'); } catch (e) {}
  const l = (q || saved || navigator.language || 'en').toLowerCase().startsWith('vi')
    ? 'vi' : 'en';
  document.cookie = 'seedqa_lang=' + l + '; path=/; SameSite=Lax';
  return l;
}
"""

# On the switch: remember an explicit choice and switch the page's labels.
JS_SET_LANG = """
(lang) => {
  document.cookie = 'seedqa_lang=' + lang + '; path=/; SameSite=Lax';
  if (window.seedqaSetLocale) window.seedqaSetLocale(lang);
  return lang;
}
"""
JS_REMEMBER_LANG = """
(lang) => {
  try { window.localStorage.setItem('seedqa-lang', lang); } catch (e) {}
  return lang;
}
"""
