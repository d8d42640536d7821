/*
 * Innkjøpsassistent chat widget. Embed with one tag:
 *   <script src="https://HOST/widget.js" data-endpoint="https://HOST" data-lang="nb" data-region="..." defer></script>
 * Adds a launcher button and a chat panel inside a shadow root, so host-page CSS and widget CSS never mix.
 * Talks to POST /v1/chat/stream (SSE), /v1/feedback, /v1/escalations and GET /v1/conversations/{id}.
 * Security rule: text from the server or the user is only ever set with textContent / setAttribute;
 * this file never assigns innerHTML. Links are only made for http(s) URLs.
 * Icons are inline SVG next to a text label (no emoji: systems without an emoji font show empty boxes);
 * every control is at least 24 × 24 px; in the full-screen (mobile) dialog focus stays inside.
 */
(() => {
  "use strict";
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__innkjopAssistant) return;
  window.__innkjopAssistant = true;

  const endpoint = (script.dataset.endpoint || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const lang = script.dataset.lang === "en" ? "en" : "nb";
  const region = script.dataset.region || null;
  const STORAGE_KEY = "innkjop-assistant:conversation:" + endpoint;
  const MAX_CHARS = 2000;
  const TIMEOUT_MS = 60000;

  // Every word the widget shows, in bokmål and English: filled in from assistant/core/texts.py when the server
  // sends this file (`{max}` and `{seconds}` are filled in below).
  const STRINGS = /*STRINGS*/null;
  const t = STRINGS[lang];
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));

  const CSS = `
  :host { all: initial; }
  * { box-sizing: border-box; }
  .wrap { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b2631; }
  button, input, textarea { font: inherit; color: inherit; }
  :focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
  .launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; border: 0; border-radius: 28px;
    padding: 12px 18px; background: #0b4f6c; color: #fff; font-weight: 600; cursor: pointer;
    box-shadow: 0 4px 14px rgba(0,0,0,.25); }
  .panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483001; width: min(400px, calc(100vw - 32px));
    height: min(620px, calc(100vh - 32px)); display: flex; flex-direction: column; background: #fff;
    border-radius: 14px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; }
  .panel[hidden], [hidden] { display: none !important; }
  header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #0b4f6c; color: #fff; }
  header .titles { flex: 1; min-width: 0; }
  h2 { margin: 0; font-size: 16px; } header p { margin: 0; font-size: 12px; opacity: .85; }
  header button { background: transparent; border: 1px solid rgba(255,255,255,.6); color: #fff; border-radius: 6px;
    padding: 4px 8px; cursor: pointer; font-size: 13px; }
  .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; }
  .msg { max-width: 92%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
  .user { align-self: flex-end; background: #dcecf3; }
  .user.failed { opacity: .6; border: 1px dashed #a33; }
  .bot { align-self: flex-start; background: #f3f5f7; }
  .bot.refused .text { color: #7a4a00; }
  .status { color: #56636e; font-style: italic; }
  .ref { color: #0b4f6c; font-size: 12px; font-weight: 600; }
  .verified { display: inline-block; margin-bottom: 4px; padding: 1px 7px; border-radius: 10px; background: #e3f4e1;
    color: #1f5f1a; font-size: 12px; font-weight: 600; }
  .sources { margin: 8px 0 0; padding: 6px 0 0 20px; border-top: 1px solid #dde3e8; font-size: 13px; white-space: normal; }
  .sources li { margin: 3px 0; }
  .icon { width: 16px; height: 16px; flex: none; fill: none; stroke: currentColor; stroke-width: 2;
    stroke-linecap: round; stroke-linejoin: round; vertical-align: -3px; }
  button { min-height: 24px; min-width: 24px; display: inline-flex; align-items: center; justify-content: center;
    gap: 5px; }
  .sources li .icon { margin-right: 3px; color: #1f5f1a; }
  .sources li[data-kind="verified_answer"] a { color: #1f5f1a; }
  .sources a { color: #0b4f6c; }
  .more { border: 0; background: none; cursor: pointer; color: #4a5661; padding: 2px 6px; margin-left: 2px;
    font-size: 12px; vertical-align: middle; }
  .more[aria-expanded="true"] .icon { transform: rotate(180deg); }
  blockquote { margin: 4px 0; padding: 4px 8px; border-left: 3px solid #b9c6cf; color: #3d4a54; background: #fff; }
  .actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; white-space: normal; }
  .actions button, .form button, .starters button, .error button { border: 1px solid #b9c6cf; background: #fff;
    border-radius: 6px; padding: 3px 9px; cursor: pointer; font-size: 13px; }
  .actions button[aria-pressed="true"] { background: #dcecf3; border-color: #0b4f6c; }
  .form { display: flex; flex-direction: column; gap: 6px; margin-top: 6px; white-space: normal; }
  .form input, .form textarea { width: 100%; border: 1px solid #b9c6cf; border-radius: 6px; padding: 5px 7px; font-size: 13px; }
  .note { font-size: 13px; color: #1f5f1a; margin-top: 6px; white-space: normal; }
  .starters { display: flex; flex-direction: column; gap: 6px; padding: 0 12px 8px; }
  .starters span { font-size: 12px; color: #56636e; }
  .starters button { text-align: left; justify-content: flex-start; }
  .error { margin: 0 12px 8px; padding: 8px 10px; border-radius: 8px; background: #fdecea; color: #7d1a14;
    display: flex; gap: 8px; align-items: center; justify-content: space-between; font-size: 14px; }
  form.ask { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #dde3e8; }
  form.ask textarea { flex: 1; min-width: 0; resize: none; border: 1px solid #b9c6cf; border-radius: 8px; padding: 7px 9px; }
  form.ask button { border: 0; border-radius: 8px; padding: 0 14px; background: #0b4f6c; color: #fff; cursor: pointer; }
  form.ask button:disabled { opacity: .5; cursor: default; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  @media (max-width: 480px) {
    .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
  }`;

  /** Build an element; `attrs` go through setAttribute/properties, children are nodes or plain text. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child); // strings become text nodes
    }
    return node;
  }

  function safeUrl(value) {
    try {
      const url = new URL(value, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 5h16v11H9l-5 4z",
    close: "M6 6l12 12M18 6L6 18",
    plus: "M12 5v14M5 12h14",
    up: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.3a2 2 0 0 0 2-1.7l1.4-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    down: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.7a2 2 0 0 0-2 1.7l-1.4 9a2 2 0 0 0 2 2.3zM17 2h2.7A2.3 2.3 0 0 1 22 4v7a2.3 2.3 0 0 1-2.3 2H17",
    person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
    check: "M20 6L9 17l-5-5",
    expand: "M6 9l6 6 6-6",
  };
  /** A decorative inline SVG icon (the text next to it is the label). */
  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    for (const [key, value] of Object.entries({ class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true",
      focusable: "false" })) svg.setAttribute(key, value);
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  // ---- DOM ------------------------------------------------------------------------------------------
  // A custom element name, so host rules for div, section … never match the widget's own host node.
  const host = el("innkjop-assistant", null);
  const root = host.attachShadow({ mode: "open" });
  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "panel", "aria-haspopup": "dialog" }, icon("chat"), t.launcher);
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.title });
  const starters = el("div", { class: "starters", role: "group", "aria-label": t.starters },
    el("span", { text: t.starters }));
  const errorText = el("span");
  const retryButton = el("button", { type: "button", text: t.retry });
  const errorBox = el("div", { class: "error", role: "alert", hidden: true }, errorText, retryButton);
  const input = el("textarea", { id: "question", rows: 2, maxlength: MAX_CHARS, placeholder: t.placeholder,
    autocomplete: "off" });
  const sendButton = el("button", { type: "submit", text: t.send });
  const form = el("form", { class: "ask" }, el("label", { class: "sr", for: "question", text: t.label }),
    input, sendButton);
  const newButton = el("button", { type: "button", class: "new" }, icon("plus"), t.newChat);
  const closeButton = el("button", { type: "button", class: "close" }, icon("close"), t.close);
  const panel = el("section", { class: "panel", id: "panel", role: "dialog", "aria-labelledby": "title",
    hidden: true },
  el("header", null, el("div", { class: "titles" }, el("h2", { id: "title", text: t.title }),
    el("p", { text: t.subtitle })), newButton, closeButton),
  log, starters, errorBox, form);
  for (const question of t.examples) {
    starters.append(el("button", { type: "button", text: question, onclick: () => ask(question) }));
  }
  root.append(el("style", { text: CSS }), el("div", { class: "wrap" }, launcher, panel));

  // ---- state ----------------------------------------------------------------------------------------
  let conversationId = readStored();
  let busy = false;
  let failed = null; // {question, bubble} of a question that did not get an answer
  let controller = null;
  let loaded = false;

  function readStored() {
    try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
  }
  function store(id) {
    conversationId = id;
    try {
      if (id) localStorage.setItem(STORAGE_KEY, id); else localStorage.removeItem(STORAGE_KEY);
    } catch { /* storage may be blocked; the conversation then lasts as long as the page */ }
  }

  // Up to 480 px the panel covers the page: it is then a modal dialog, and focus stays inside it.
  const fullScreen = window.matchMedia("(max-width: 480px)");
  const isModal = () => !panel.hidden && fullScreen.matches;
  function markModal() {
    if (isModal()) panel.setAttribute("aria-modal", "true"); else panel.removeAttribute("aria-modal");
  }
  function focusable() {
    return [...panel.querySelectorAll("button, a[href], textarea, input, select")]
      .filter((node) => !node.disabled && node.getClientRects().length > 0);
  }
  /** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
  function trapTab(event) {
    if (event.key !== "Tab" || !isModal()) return;
    const controls = focusable();
    if (!controls.length) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = root.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (active === last || !panel.contains(active))) { event.preventDefault(); first.focus(); }
  }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    markModal();
    if (!loaded) { loaded = true; loadHistory(); }
    input.focus();
  }
  function close() {
    panel.hidden = true;
    panel.removeAttribute("aria-modal");
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  function updateStarters() {
    starters.hidden = log.childElementCount > 0;
  }

  // ---- talking to the server ------------------------------------------------------------------------
  async function postJson(path, body) {
    const response = await fetch(endpoint + path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    if (!response.ok) throw await problem(response);
    return response.json();
  }

  async function problem(response) {
    let error = {};
    try { error = (await response.json()).error || {}; } catch { /* not JSON */ }
    return { code: error.code || `http_${response.status}`, retryAfter: response.headers.get("Retry-After") };
  }

  function describe(error) {
    if (error.code === "network") return t.network;
    if (error.code === "rate_limited") return fill(t.rateLimited, { seconds: error.retryAfter || 60 });
    if (error.code === "question_too_long") return fill(t.tooLong, { max: MAX_CHARS });
    if (error.code === "empty_question") return t.empty;
    if (error.code === "store_unavailable") return t.busy;
    return t.server;
  }

  async function* events(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trimStart();
        }
        yield { name, data: data ? JSON.parse(data) : {} };
      }
    }
  }

  async function ask(text) {
    const question = (text ?? input.value).trim();
    if (busy) return;
    if (!question) { showError({ code: "empty_question" }, false); return; }
    if (failed) { failed.bubble.remove(); failed = null; }
    hideError();
    if (text === undefined) input.value = "";
    busy = true;
    sendButton.disabled = true;
    const bubble = el("div", { class: "msg user" }, el("span", { class: "sr", text: t.you + ": " }), question);
    log.append(bubble);
    updateStarters();
    const answer = answerBubble();
    const status = el("span", { class: "status", text: t.searching });
    answer.text.append(status);
    answer.node.setAttribute("aria-busy", "true");
    log.append(answer.node);
    log.scrollTop = log.scrollHeight;
    const abort = new AbortController();
    controller = abort;
    const timer = setTimeout(() => abort.abort({ code: "network" }), TIMEOUT_MS);
    // Whatever went wrong, as {code}: the abort reason (timeout, new conversation), a server code, or network.
    const reason = (error) => (abort.signal.aborted ? abort.signal.reason : error && error.code ? error : null)
      || { code: "network" };
    let citations = [];
    let finished = null;
    try {
      let response;
      try {
        response = await fetch(endpoint + "/v1/chat/stream", { method: "POST", signal: abort.signal,
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify({ question, conversation_id: conversationId, region, lang }) });
      } catch (error) {
        throw reason(error);
      }
      if (!response.ok) throw await problem(response);
      try {
        for await (const event of events(response)) {
          if (event.name === "status") status.textContent = event.data.message || t.searching;
          else if (event.name === "delta") { status.remove(); appendText(answer.text, event.data.text || ""); }
          else if (event.name === "citations") citations = event.data.citations || [];
          else if (event.name === "done") finished = event.data;
          else if (event.name === "error") throw { code: event.data.code || "server" };
          log.scrollTop = log.scrollHeight;
        }
      } catch (error) {
        throw reason(error);
      }
      if (!finished) throw { code: "network" };
      store(finished.conversation_id);
      finishAnswer(answer, { citations, refused: finished.refused, message_id: finished.message_id });
    } catch (caught) {
      const error = reason(caught);
      answer.node.remove();
      if (error.code !== "aborted") {
        bubble.classList.add("failed");
        failed = { question, bubble };
        if (!input.value) input.value = question; // never lose what the buyer typed
        showError(error, true);
      } else {
        bubble.remove();
      }
    } finally {
      clearTimeout(timer);
      if (controller === abort) controller = null;
      busy = false;
      sendButton.disabled = false;
      updateStarters();
    }
  }

  function showError(error, canRetry) {
    errorText.textContent = describe(error);
    retryButton.hidden = !canRetry;
    errorBox.hidden = false;
  }
  function hideError() {
    errorBox.hidden = true;
  }

  // ---- rendering answers ----------------------------------------------------------------------------
  function answerBubble() {
    const text = el("div", { class: "text" });
    const node = el("article", { class: "msg bot", "aria-label": t.bot }, text);
    return { node, text };
  }

  /** Append answer text; citation markers like [2] become styled spans (still plain text). */
  function appendText(container, text) {
    for (const part of text.split(/(\[\d+\])/)) {
      if (!part) continue;
      container.append(/^\[\d+\]$/.test(part) ? el("span", { class: "ref", text: part }) : part);
    }
  }

  function finishAnswer(answer, { citations, refused, message_id }) {
    answer.node.removeAttribute("aria-busy");
    if (refused) answer.node.classList.add("refused");
    if (citations.some((c) => c.kind === "verified_answer")) {
      answer.node.prepend(el("span", { class: "verified" }, icon("check"), t.verified));
    }
    if (citations.length) {
      const list = el("ol", { class: "sources", "aria-label": t.sources });
      citations.forEach((citation) => list.append(citationItem(citation)));
      answer.node.append(list);
    }
    if (message_id) answer.node.append(actions(message_id));
  }

  function citationItem(citation) {
    const label = citation.section ? `${citation.title} — ${citation.section}` : citation.title;
    const href = safeUrl(citation.source);
    const link = href
      ? el("a", { href, target: "_blank", rel: "noopener noreferrer", title: citation.snippet, text: label })
      : el("span", { title: citation.snippet, text: label });
    const snippetId = nextId("snippet");
    const snippet = el("blockquote", { id: snippetId, hidden: true, text: citation.snippet });
    const more = el("button", { type: "button", class: "more", "aria-expanded": "false", "aria-controls": snippetId,
      title: t.showSnippet }, icon("expand"), t.snippet);
    more.addEventListener("click", () => {
      snippet.hidden = !snippet.hidden;
      more.setAttribute("aria-expanded", String(!snippet.hidden));
    });
    const mark = citation.kind === "verified_answer" ? icon("check") : null;
    return el("li", { "data-kind": citation.kind || "document" }, mark, link, more, snippet);
  }

  function actions(messageId) {
    const bar = el("div", { class: "actions" });
    const area = el("div");
    const up = el("button", { type: "button", class: "up", "aria-pressed": "false", title: t.upLong },
      icon("up"), t.up);
    const down = el("button", { type: "button", class: "down", "aria-pressed": "false", title: t.downLong },
      icon("down"), t.down);
    const escalate = el("button", { type: "button", class: "escalate", "aria-expanded": "false" },
      icon("person"), t.escalate);
    const rate = (rating) => {
      up.setAttribute("aria-pressed", String(rating === "up"));
      down.setAttribute("aria-pressed", String(rating === "down"));
      escalate.setAttribute("aria-expanded", "false");
      const comment = el("textarea", { rows: 2, maxlength: 2000, "aria-label": t.comment, placeholder: t.comment });
      area.replaceChildren(miniForm("feedback", [comment], t.sendFeedback, t.thanks, () =>
        postJson("/v1/feedback", { message_id: messageId, rating, comment: comment.value || null })));
      comment.focus();
    };
    up.addEventListener("click", () => rate("up"));
    down.addEventListener("click", () => rate("down"));
    escalate.addEventListener("click", () => {
      escalate.setAttribute("aria-expanded", "true");
      const contact = el("input", { type: "text", maxlength: 200, autocomplete: "email", "aria-label": t.contact,
        placeholder: t.contact });
      const note = el("textarea", { rows: 2, maxlength: 2000, "aria-label": t.note, placeholder: t.note });
      area.replaceChildren(miniForm("escalation", [contact, note], t.sendEscalation, t.escalated, () =>
        postJson("/v1/escalations", { message_id: messageId, region, contact: contact.value || null,
          note: note.value || null })));
      contact.focus();
    });
    bar.append(up, down, escalate);
    return el("div", null, bar, area);
  }

  function miniForm(kind, fields, submitLabel, thanks, send) {
    const message = el("div", { class: "note", role: "status" });
    const submit = el("button", { type: "submit", text: submitLabel });
    const node = el("form", { class: `form ${kind}` }, ...fields, submit, message);
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        await send();
        node.replaceWith(el("div", { class: "note", role: "status", text: thanks }));
        input.focus(); // the focused button is gone; keep focus in the panel (Escape, typing)
      } catch {
        message.textContent = t.notSent; // the typed text stays in the fields
        submit.disabled = false;
      }
    });
    return node;
  }

  /** An adviser's verified answer to an earlier question, shown when the buyer comes back. */
  function staffBubble(reply) {
    const links = el("ol", { class: "sources", "aria-label": t.sources });
    for (const link of reply.links || []) {
      const href = safeUrl(link);
      if (href) links.append(el("li", { "data-kind": "verified_answer" },
        el("a", { href, target: "_blank", rel: "noopener noreferrer", text: link })));
    }
    return el("article", { class: "msg bot staff", "aria-label": t.staffAnswer },
      el("span", { class: "verified" }, icon("check"), `${t.staffAnswer}, ${reply.region}, ${reply.date}`),
      el("div", { class: "text", text: reply.answer }), links);
  }

  async function loadHistory() {
    if (!conversationId) { updateStarters(); return; }
    try {
      const response = await fetch(`${endpoint}/v1/conversations/${encodeURIComponent(conversationId)}`);
      if (response.status === 404) { store(null); return; }
      if (!response.ok) return;
      const history = await response.json();
      for (const message of history.messages) {
        log.append(el("div", { class: "msg user" }, el("span", { class: "sr", text: t.you + ": " }), message.question));
        const answer = answerBubble();
        appendText(answer.text, message.answer);
        finishAnswer(answer, message);
        log.append(answer.node);
        if (message.staff_answer) log.append(staffBubble(message.staff_answer));
      }
      log.scrollTop = log.scrollHeight;
    } catch { /* offline: start with an empty log; asking will show the error */ } finally {
      updateStarters();
    }
  }

  function newConversation() {
    if (controller) controller.abort({ code: "aborted" });
    store(null);
    failed = null;
    log.replaceChildren();
    hideError();
    updateStarters();
    input.focus();
  }

  // ---- events ---------------------------------------------------------------------------------------
  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  newButton.addEventListener("click", newConversation);
  retryButton.addEventListener("click", () => {
    if (!failed) return;
    const question = failed.question;
    if (input.value.trim() === question) input.value = "";
    ask(question);
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); ask(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); ask(); }
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); close(); }
    trapTab(event);
  });
  fullScreen.addEventListener("change", markModal);
  // Focus that reaches the host page while the dialog covers it (a click, a screen reader) comes back.
  document.addEventListener("focusin", (event) => {
    if (isModal() && event.target !== host) input.focus();
  });

  const mount = () => document.body.append(host);
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
