/*
 * Career assistant chat widget: one <script> tag puts the chat on any page (docs/widget.md).
 *
 * It talks to the Rasa server's socket.io channel: on connect it sends `session_request` with the
 * session id kept in sessionStorage, and `session_confirm` brings back the id to keep (the same one
 * if the server issued it, else a new one: only the server makes them), user messages go
 * out as `user_uttered` {message, session_id} and replies come in as `bot_uttered`
 * {text, quick_replies}. The transcript is kept in sessionStorage too, so a reload or a move to
 * another page of the site shows the conversation again; closing the tab forgets it, which matters
 * on the shared computers of libraries and job centers.
 *
 * Message text is only ever put into the page as text nodes; links are <a> elements built here
 * with a checked address. The widget lives in a shadow root so the host page's styles and ours
 * leave each other alone.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const assetBase = new URL(".", script.src).href;
  const MAX_STORED_ENTRIES = 200;
  const TYPING_TIMEOUT_MS = 30000;

  /* ---------- Text rendering: text nodes and checked links, never HTML ---------- */

  const SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];
  // One alternative per kind of link, tried left to right at each position of the text.
  const LINK_PATTERN = new RegExp([
    String.raw`\[(?<label>[^\]\n]{1,200})\]\((?<target>[^()\s]+)\)`,    // [label](https://…)
    String.raw`(?<url>\bhttps?:\/\/[^\s<>"'\x60]+)`,
    String.raw`(?<www>\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>"'\x60]*)`,
    String.raw`(?<email>\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b)`,
    String.raw`(?<phone>(?:\+?1[\s.-])?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b)`,
  ].join("|"), "gi");

  /** The address if it parses as an absolute http(s)/mailto/tel URL, else null. */
  function safeHref(candidate) {
    try {
      const url = new URL(candidate);
      return SAFE_PROTOCOLS.includes(url.protocol) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;

  /** Sentence punctuation after a link is not part of it: "(see https://x.org/a_(b).)" */
  function trimTrailingPunctuation(link) {
    let trimmed = link.replace(TRAILING_PUNCTUATION, "");
    while (trimmed.endsWith(")") && trimmed.split(")").length > trimmed.split("(").length) {
      trimmed = trimmed.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
    }
    return trimmed;
  }

  function telHref(phone) {
    const digits = phone.replace(/\D/g, "");
    return "tel:+" + (digits.length === 10 ? "1" + digits : digits);
  }

  /** [visible text, address or null] for one match of LINK_PATTERN. */
  function linkOf(match) {
    const groups = match.groups;
    if (groups.label !== undefined) return [groups.label, safeHref(groups.target)];
    if (groups.url !== undefined) {
      const url = trimTrailingPunctuation(groups.url);
      return [url, safeHref(url)];
    }
    if (groups.www !== undefined) {
      const host = trimTrailingPunctuation(groups.www);
      return [host, safeHref("https://" + host)];
    }
    if (groups.email !== undefined) return [groups.email, safeHref("mailto:" + groups.email)];
    return [groups.phone, safeHref(telHref(groups.phone))];
  }

  function appendTextWithLineBreaks(parent, text) {
    text.split("\n").forEach(function (line, index) {
      if (index > 0) parent.appendChild(document.createElement("br"));
      if (line) parent.appendChild(document.createTextNode(line));
    });
  }

  /** A message's text as a fragment of text nodes, <br>s and <a> links with checked addresses. */
  function renderText(text) {
    const fragment = document.createDocumentFragment();
    const source = String(text);
    let position = 0;
    for (const match of source.matchAll(LINK_PATTERN)) {
      const [label, href] = linkOf(match);
      // Trimmed punctuation stays in the text that follows.
      const end = match.groups.label !== undefined ? match.index + match[0].length
        : match.index + label.length;
      appendTextWithLineBreaks(fragment, source.slice(position, match.index));
      if (href) {
        const link = document.createElement("a");
        link.href = href;
        link.textContent = label;
        if (href.startsWith("http")) {
          link.target = "_blank";
          link.rel = "noopener noreferrer";
        }
        fragment.appendChild(link);
      } else {
        appendTextWithLineBreaks(fragment, source.slice(match.index, end));
      }
      position = end;
    }
    appendTextWithLineBreaks(fragment, source.slice(position));
    return fragment;
  }

  /* ---------- Configuration ---------- */

  const HEX_COLOR = /^#(?:[0-9a-f]{3}){1,2}$/i;
  const DEFAULT_COLORS = { primary: "#1d4e89", userMessage: "#1d4e89", botMessage: "#eef2f7" };

  function readConfig() {
    const element = document.getElementById("careerchat-config");
    let config;
    try {
      config = JSON.parse(element ? element.textContent : "null");
    } catch (error) {
      console.error("Chat widget: #careerchat-config is not valid JSON.", error);
      return null;
    }
    const serverUrl = config && safeHref(config.serverUrl);
    if (!serverUrl || !serverUrl.startsWith("http")) {
      console.error("Chat widget: set serverUrl (the Rasa server's http(s) address) in " +
                    "<script type=\"application/json\" id=\"careerchat-config\">.");
      return null;
    }
    const colors = Object.assign({}, DEFAULT_COLORS);
    for (const [name, value] of Object.entries(config.colors || {})) {
      if (name in colors && HEX_COLOR.test(value)) colors[name] = value;
      else console.warn("Chat widget: ignored colour " + name + " (use #rgb or #rrggbb).");
    }
    return {
      serverUrl: serverUrl.replace(/\/+$/, ""),
      title: String(config.title || "Chat"),
      openingMessage: config.openingMessage ? String(config.openingMessage) : "",
      colors: colors,
    };
  }

  /** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
  function readableTextOn(hex) {
    const digits = hex.length === 4 ? hex.slice(1).replace(/./g, "$&$&") : hex.slice(1);
    const [r, g, b] = [0, 2, 4].map(function (i) {
      const channel = parseInt(digits.slice(i, i + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4);
    });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff";
  }

  /* ---------- Conversation state, kept across reloads ---------- */

  function createStore(serverUrl) {
    const key = "careerchat:" + serverUrl;
    let state = { sessionId: null, open: false, transcript: [] };
    try {
      state = Object.assign(state, JSON.parse(sessionStorage.getItem(key)));
    } catch (error) {
      // Storage blocked or unreadable: the chat works, it just starts afresh on reload.
    }
    return {
      state: state,
      save: function () {
        state.transcript = state.transcript.slice(-MAX_STORED_ENTRIES);
        try {
          sessionStorage.setItem(key, JSON.stringify(state));
        } catch (error) {
          // Same as above: nothing to do without storage.
        }
      },
    };
  }

  /* ---------- The socket.io client, loaded on first use ---------- */

  let socketIoLoading = null;

  /** socket.io's `io`, without leaving it in (or taking it from) the host page's globals. */
  // Shown whenever the assistant cannot answer: someone may have just written that they are in
  // danger, and must not be left with silence.
  const CRISIS_LINES = "If you are in crisis, call or text 988, or call 911 in an emergency.";

  function loadSocketIo() {
    if (!socketIoLoading) {
      socketIoLoading = new Promise(function (resolve, reject) {
        const hostPageIo = window.io;
        const tag = document.createElement("script");
        tag.src = assetBase + "vendor/socket.io.min.js";
        tag.onload = function () {
          const io = window.io;
          window.io = hostPageIo;
          if (hostPageIo === undefined) delete window.io;
          resolve(io);
        };
        tag.onerror = function () {
          socketIoLoading = null;
          reject(new Error("could not load " + tag.src));
        };
        document.head.appendChild(tag);
      });
    }
    return socketIoLoading;
  }

  /* ---------- The widget ---------- */

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children || []) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";

  function icon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", CHAT_ICON);
    svg.appendChild(path);
    return svg;
  }

  function createWidget(config) {
    const store = createStore(config.serverUrl);
    const state = store.state;

    const host = element("div", { id: "careerchat" });
    const colorVariables = {
      primary: config.colors.primary, user: config.colors.userMessage, bot: config.colors.botMessage,
    };
    for (const [name, value] of Object.entries(colorVariables)) {
      host.style.setProperty("--cc-" + name, value);
      host.style.setProperty("--cc-on-" + name, readableTextOn(value));
    }
    const root = host.attachShadow({ mode: "open" });

    const launcher = element("button", {
      class: "cc-launcher", type: "button", "aria-expanded": "false", "aria-controls": "cc-panel",
    }, [icon(), element("span", { class: "cc-launcher-label" }, ["Chat"]),
        element("span", { class: "cc-sr" }, [": " + config.title])]);
    const closeButton = element("button", {
      class: "cc-close", type: "button", "aria-label": "Close chat",
    }, ["\u00d7"]);
    const status = element("p", { class: "cc-status", role: "status" });
    const log = element("div", {
      class: "cc-log", role: "log", "aria-live": "polite", "aria-label": "Conversation",
      tabindex: "0",
    });
    const typing = element("div", { class: "cc-typing", "aria-hidden": "true", hidden: "" }, [
      element("span", { class: "cc-dots" }, [element("span"), element("span"), element("span")]),
    ]);
    // A live region only speaks if it is in the page before its text changes, so this one stays.
    const typingAnnouncement = element("span", { class: "cc-sr", role: "status" });
    const input = element("input", {
      id: "cc-input", class: "cc-input", type: "text", autocomplete: "off", maxlength: "1000",
      placeholder: "Type your message",
    });
    const form = element("form", { class: "cc-form" }, [
      element("label", { class: "cc-sr", for: "cc-input" }, ["Your message"]),
      input,
      element("button", { class: "cc-send", type: "submit" }, ["Send"]),
    ]);
    const panel = element("section", {
      id: "cc-panel", class: "cc-panel", role: "dialog", "aria-labelledby": "cc-title", hidden: "",
    }, [
      element("header", { class: "cc-header" }, [
        element("h2", { id: "cc-title", class: "cc-title" }, [config.title]), closeButton]),
      status, log, typing, typingAnnouncement, form,
    ]);
    const stylesheet = element("link", { rel: "stylesheet", href: assetBase + "careerchat.css" });
    root.append(stylesheet, element("div", { class: "cc-root" }, [panel, launcher]));

    /* Messages */

    function showMessage(from, text) {
      const who = from === "user" ? "You: " : "Assistant: ";
      const bubble = element("div", { class: "cc-message cc-" + from },
        [element("span", { class: "cc-sr" }, [who])]);
      bubble.appendChild(renderText(text));
      log.appendChild(bubble);
      log.scrollTop = log.scrollHeight;
    }

    function showQuickReplies(quickReplies) {
      const group = element("div", {
        class: "cc-quick-replies", role: "group", "aria-label": "Suggested replies",
      });
      for (const reply of quickReplies) {
        const button = element("button", { class: "cc-quick-reply", type: "button" }, [reply.title]);
        button.addEventListener("click", function () {
          send(reply.title, reply.payload);
          input.focus();
        });
        group.appendChild(button);
      }
      log.appendChild(group);
      log.scrollTop = log.scrollHeight;
    }

    function removeQuickReplies() {
      for (const group of log.querySelectorAll(".cc-quick-replies")) group.remove();
    }

    function showTranscript() {
      if (config.openingMessage) showMessage("bot", config.openingMessage);
      for (const entry of state.transcript) showMessage(entry.from, entry.text);
      const last = state.transcript[state.transcript.length - 1];
      if (last && last.quickReplies && last.quickReplies.length) showQuickReplies(last.quickReplies);
    }

    let typingTimer = null;

    function setTyping(isTyping) {
      typing.hidden = !isTyping;
      typingAnnouncement.textContent = isTyping ? "The assistant is typing" : "";
      clearTimeout(typingTimer);
      if (isTyping) typingTimer = setTimeout(setTyping, TYPING_TIMEOUT_MS, false);
    }

    function receive(message) {
      if (!message || typeof message !== "object") return;
      const quickReplies = (message.quick_replies || message.buttons || [])
        .filter(function (reply) { return reply && reply.title; })
        .map(function (reply) {
          return { title: String(reply.title), payload: String(reply.payload || reply.title) };
        });
      if (!message.text && !quickReplies.length) return;
      setTyping(false);
      removeQuickReplies();
      const text = message.text ? String(message.text) : "";
      if (text) showMessage("bot", text);
      if (quickReplies.length) showQuickReplies(quickReplies);
      state.transcript.push({ from: "bot", text: text, quickReplies: quickReplies });
      store.save();
    }

    /* Connection */

    let connecting = false;
    let socket = null;
    let sessionReady = false;
    const outbox = [];

    function flushOutbox() {
      while (sessionReady && outbox.length) {
        socket.emit("user_uttered", { message: outbox.shift(), session_id: state.sessionId });
      }
    }

    function connect() {
      if (connecting) return;
      connecting = true;
      loadSocketIo().then(function (io) {
        // WebSocket only: a long-polling session must reach the same server process on every
        // request, which a Rasa instance with several Sanic workers cannot promise.
        socket = io(config.serverUrl, { path: "/socket.io", transports: ["websocket"] });
        socket.on("connect", function () {
          status.textContent = "";
          socket.emit("session_request", { session_id: state.sessionId });
        });
        socket.on("session_confirm", function (sessionId) {
          state.sessionId = typeof sessionId === "string" ? sessionId : state.sessionId;
          store.save();
          sessionReady = true;
          flushOutbox();
        });
        socket.on("bot_uttered", receive);
        socket.on("disconnect", function () {
          sessionReady = false;
          status.textContent = "Connection lost, reconnecting\u2026";
        });
        socket.on("connect_error", function () {
          setTyping(false);
          status.textContent = "The chat cannot reach the assistant right now. It keeps trying. " + CRISIS_LINES;
        });
      }, function (error) {
        connecting = false;
        setTyping(false);
        status.textContent = "The chat could not start. Please reload the page. " + CRISIS_LINES;
        console.error("Chat widget:", error);
      });
    }

    function send(text, payload) {
      const message = text.trim();
      if (!message) return;
      removeQuickReplies();
      showMessage("user", message);
      state.transcript.push({ from: "user", text: message });
      store.save();
      outbox.push(payload || message);
      setTyping(true);
      connect();
      flushOutbox();
    }

    /* Opening and closing */

    function showPanel(isOpen) {
      panel.hidden = !isOpen;
      launcher.setAttribute("aria-expanded", String(isOpen));
      host.classList.toggle("cc-is-open", isOpen);
      if (isOpen) {
        connect();
        log.scrollTop = log.scrollHeight;
      }
    }

    function open() {
      showPanel(true);
      state.open = true;
      store.save();
      input.focus();
    }

    function close() {
      showPanel(false);
      state.open = false;
      store.save();
      launcher.focus();
    }

    launcher.addEventListener("click", function () {
      if (panel.hidden) open(); else close();
    });
    closeButton.addEventListener("click", close);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(input.value);
      input.value = "";
    });

    showTranscript();
    // Shown once its stylesheet is in, so the page never flashes an unstyled widget.
    host.hidden = true;
    stylesheet.addEventListener("load", function () {
      host.hidden = false;
      // Open again after a reload if it was open, without taking the focus from the page.
      if (state.open) showPanel(true);
    });
    stylesheet.addEventListener("error", function () {
      console.error("Chat widget: could not load " + stylesheet.href);
    });
    document.body.appendChild(host);
    return { open: open, close: close };
  }

  // For the host page ("Chat with us" links can call CareerChat.open()) and for the tests.
  window.CareerChat = { renderText: renderText, open: function () {}, close: function () {} };

  function start() {
    const config = readConfig();
    if (config) Object.assign(window.CareerChat, createWidget(config));
  }

  // The snippet may sit in <head> without `defer`: wait for the config element and <body>.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
