/*
 * Career assistant chat widget: one <script> tag puts the chat on any page (docs/widget.md).
 *
 * It talks to the Rasa server's socket.io channel: on connect it sends `session_request` with the
 * session id kept in sessionStorage, and `session_confirm` brings back the id to keep (the same one
 * if the server issued it, else a new one: only the server makes them), user messages go
 * out as `user_uttered` {message, session_id, metadata} and replies come in as `bot_uttered`
 * {text, quick_replies, language}. The transcript is kept in sessionStorage too, so a reload or a
 * move to another page of the site shows the conversation again; closing the tab forgets it, which
 * matters on the shared computers of libraries and job centers.
 *
 * It speaks English and Spanish: its own words (STRINGS) start in the page's configured language,
 * else the browser's, and follow the conversation: a bot message that carries `language` switches
 * them. The header's language button asks the assistant to switch (`/switch_language{…}`). Each
 * user message carries the browser's language as `metadata.language`, a hint for the assistant.
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

  /* ---------- The widget's own words, in each language it speaks ---------- */

  // Everything the widget itself shows or says to screen readers; the assistant's messages come
  // from the server, in the conversation's language. `name` and `switchTo` label the language
  // button while the chat is in the *other* language, written in their own language (the button
  // has its `lang`), so that a person who reads only that language recognises it.
  const STRINGS = {
    en: {
      name: "English",
      switchTo: "Chat in English",
      title: "Chat",
      launcher: "Chat",
      close: "Close chat",
      conversation: "Conversation",
      suggestedReplies: "Suggested replies",
      you: "You: ",
      assistant: "Assistant: ",
      typing: "The assistant is typing",
      messageLabel: "Your message",
      placeholder: "Type your message",
      send: "Send",
      reconnecting: "Connection lost, reconnecting\u2026",
      unreachable: "The chat cannot reach the assistant right now. It keeps trying.",
      cannotStart: "The chat could not start. Please reload the page.",
      // Shown whenever the assistant cannot answer: someone may have just written that they are
      // in danger, and must not be left with silence.
      crisisLines: "If you are in crisis, call or text 988, or call 911 in an emergency.",
    },
    es: {
      name: "Español",
      switchTo: "Chatear en español",
      title: "Chat",
      launcher: "Chat",
      close: "Cerrar el chat",
      conversation: "Conversación",
      suggestedReplies: "Respuestas sugeridas",
      you: "Tú: ",
      assistant: "Asistente: ",
      typing: "El asistente está escribiendo",
      messageLabel: "Tu mensaje",
      placeholder: "Escribe tu mensaje",
      send: "Enviar",
      reconnecting: "Se perdió la conexión. Volviendo a conectar\u2026",
      unreachable: "El chat no puede comunicarse con el asistente en este momento. " +
                   "Lo sigue intentando.",
      cannotStart: "No se pudo iniciar el chat. Vuelve a cargar la página, por favor.",
      crisisLines: "Si estás en crisis, llama al 988 y marca 2 para español, o envía AYUDA " +
                   "al 988. En una emergencia, llama al 911.",
    },
  };
  const DEFAULT_LANGUAGE = "en";

  /** "es-MX", "es", "ES_es" -> "es": the widget's language for a BCP-47 tag, or null. */
  function languageOf(tag) {
    if (typeof tag !== "string") return null;
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(STRINGS, primary) ? primary : null;
  }

  /** The browser's preferred language, as the widget's ("es*" -> es, anything else -> en). */
  function browserLanguage() {
    return languageOf(navigator.language) || DEFAULT_LANGUAGE;
  }

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

  /**
   * A configured text as a function of the language, or null when it is not set: one string for
   * every language, or {"en": "…", "es": "…"} (a language left out gets another one's).
   */
  function configuredText(value, name) {
    if (value === undefined || value === null || value === "") return null;
    if (typeof value !== "object" || Array.isArray(value)) {
      const text = String(value);
      return function () { return text; };
    }
    const texts = {};
    for (const [tag, text] of Object.entries(value)) {
      const language = languageOf(tag);
      if (language && text) texts[language] = String(text);
      else console.warn("Chat widget: ignored " + name + "." + tag + " (use \"en\" or \"es\").");
    }
    const fallback = texts[DEFAULT_LANGUAGE] || Object.values(texts)[0];
    if (!fallback) return null;
    return function (language) { return texts[language] || fallback; };
  }

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
    const language = config.language ? languageOf(config.language) : null;
    if (config.language && !language) {
      console.warn("Chat widget: ignored language " + config.language + " (use \"en\" or \"es\").");
    }
    return {
      serverUrl: serverUrl.replace(/\/+$/, ""),
      language: language,
      title: configuredText(config.title, "title") ||
        function (chosen) { return STRINGS[chosen].title; },
      openingMessage: configuredText(config.openingMessage, "openingMessage"),
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
    let state = { sessionId: null, open: false, language: null, transcript: [] };
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

  // Status line messages that mean the assistant cannot answer: the crisis lines go with them.
  const STATUS_WITH_CRISIS_LINES = ["unreachable", "cannotStart"];

  function createWidget(config) {
    const store = createStore(config.serverUrl);
    const state = store.state;
    // The conversation's language once it has one (kept across reloads), else the page's, else
    // the browser's.
    let language = languageOf(state.language) || config.language || browserLanguage();
    let strings = STRINGS[language];

    function otherLanguage() {
      return Object.keys(STRINGS).find(function (other) { return other !== language; });
    }

    const host = element("div", { id: "careerchat" });
    const colorVariables = {
      primary: config.colors.primary, user: config.colors.userMessage, bot: config.colors.botMessage,
    };
    for (const [name, value] of Object.entries(colorVariables)) {
      host.style.setProperty("--cc-" + name, value);
      host.style.setProperty("--cc-on-" + name, readableTextOn(value));
    }
    const root = host.attachShadow({ mode: "open" });

    // Elements whose words depend on the language are filled in by showLanguage().
    const launcherLabel = element("span", { class: "cc-launcher-label" });
    const launcherTitle = element("span", { class: "cc-sr" });
    const launcher = element("button", {
      class: "cc-launcher", type: "button", "aria-expanded": "false", "aria-controls": "cc-panel",
    }, [icon(), launcherLabel, launcherTitle]);
    const title = element("h2", { id: "cc-title", class: "cc-title" });
    const languageButton = element("button", { class: "cc-language", type: "button" });
    const closeButton = element("button", { class: "cc-close", type: "button" }, ["\u00d7"]);
    const status = element("p", { class: "cc-status", role: "status" });
    const log = element("div", {
      class: "cc-log", role: "log", "aria-live": "polite", tabindex: "0",
    });
    const typing = element("div", { class: "cc-typing", "aria-hidden": "true", hidden: "" }, [
      element("span", { class: "cc-dots" }, [element("span"), element("span"), element("span")]),
    ]);
    // A live region only speaks if it is in the page before its text changes, so this one stays.
    const typingAnnouncement = element("span", { class: "cc-sr", role: "status" });
    const input = element("input", {
      id: "cc-input", class: "cc-input", type: "text", autocomplete: "off", maxlength: "1000",
    });
    const inputLabel = element("label", { class: "cc-sr", for: "cc-input" });
    const sendButton = element("button", { class: "cc-send", type: "submit" });
    const form = element("form", { class: "cc-form" }, [inputLabel, input, sendButton]);
    const panel = element("section", {
      id: "cc-panel", class: "cc-panel", role: "dialog", "aria-labelledby": "cc-title", hidden: "",
    }, [
      element("header", { class: "cc-header" }, [
        title, element("div", { class: "cc-header-buttons" }, [languageButton, closeButton])]),
      status, log, typing, typingAnnouncement, form,
    ]);
    const widgetRoot = element("div", { class: "cc-root" }, [panel, launcher]);
    const stylesheet = element("link", { rel: "stylesheet", href: assetBase + "careerchat.css" });
    root.append(stylesheet, widgetRoot);

    /* Status line */

    let statusKey = null; // what the status line says, as a key of STRINGS, or null

    function setStatus(key) {
      statusKey = key || null;
      if (!statusKey) status.textContent = "";
      else if (STATUS_WITH_CRISIS_LINES.includes(statusKey)) {
        status.textContent = strings[statusKey] + " " + strings.crisisLines;
      } else status.textContent = strings[statusKey];
    }

    /* Messages */

    let openingBubble = null;

    /** Puts `text` in a message bubble, after the screen-reader prefix ("You: ", "Assistant: "). */
    function fillBubble(bubble, from, text) {
      bubble.textContent = "";
      bubble.appendChild(element("span", { class: "cc-sr cc-who", lang: language },
        [from === "user" ? strings.you : strings.assistant]));
      bubble.appendChild(renderText(text));
    }

    /** `messageLanguage`: the language the text is in, when known (screen readers use it). */
    function showMessage(from, text, messageLanguage) {
      const bubble = element("div", { class: "cc-message cc-" + from });
      if (messageLanguage) bubble.setAttribute("lang", messageLanguage);
      fillBubble(bubble, from, text);
      log.appendChild(bubble);
      log.scrollTop = log.scrollHeight;
      return bubble;
    }

    function showQuickReplies(quickReplies, messageLanguage) {
      const group = element("div", {
        class: "cc-quick-replies", role: "group", "aria-label": strings.suggestedReplies,
      });
      for (const reply of quickReplies) {
        const button = element("button", { class: "cc-quick-reply", type: "button" }, [reply.title]);
        if (messageLanguage) button.setAttribute("lang", messageLanguage);
        button.addEventListener("click", function () {
          send(reply.title, reply.payload, messageLanguage);
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
      if (config.openingMessage) {
        openingBubble = showMessage("bot", config.openingMessage(language));
      }
      for (const entry of state.transcript) {
        showMessage(entry.from, entry.text, languageOf(entry.language));
      }
      const last = state.transcript[state.transcript.length - 1];
      if (last && last.quickReplies && last.quickReplies.length) {
        showQuickReplies(last.quickReplies, languageOf(last.language));
      }
    }

    let typingTimer = null;

    function setTyping(isTyping) {
      typing.hidden = !isTyping;
      typingAnnouncement.textContent = isTyping ? strings.typing : "";
      clearTimeout(typingTimer);
      if (isTyping) typingTimer = setTimeout(setTyping, TYPING_TIMEOUT_MS, false);
    }

    /* Language */

    /** Every word of the widget's own, in `language`; the `lang` attributes to match. */
    function showLanguage() {
      strings = STRINGS[language];
      const other = otherLanguage();
      host.setAttribute("lang", language);
      widgetRoot.setAttribute("lang", language);
      launcherLabel.textContent = strings.launcher;
      launcherTitle.textContent = ": " + config.title(language);
      title.textContent = config.title(language);
      // Named in the language it switches to, which screen readers should pronounce it in.
      languageButton.textContent = STRINGS[other].name;
      languageButton.setAttribute("lang", other);
      languageButton.setAttribute("aria-label", STRINGS[other].switchTo);
      closeButton.setAttribute("aria-label", strings.close);
      log.setAttribute("aria-label", strings.conversation);
      inputLabel.textContent = strings.messageLabel;
      input.setAttribute("placeholder", strings.placeholder);
      sendButton.textContent = strings.send;
      for (const prefix of log.querySelectorAll(".cc-who")) {
        prefix.textContent = prefix.parentNode.classList.contains("cc-user") ? strings.you
          : strings.assistant;
        prefix.setAttribute("lang", language);
      }
      for (const group of log.querySelectorAll(".cc-quick-replies")) {
        group.setAttribute("aria-label", strings.suggestedReplies);
      }
      if (openingBubble) fillBubble(openingBubble, "bot", config.openingMessage(language));
      if (!typing.hidden) typingAnnouncement.textContent = strings.typing;
      if (statusKey) setStatus(statusKey);
    }

    /** Switches the widget's words to `chosen` ("en", "es") and remembers it across reloads. */
    function setLanguage(chosen) {
      if (!chosen || chosen === language) return;
      language = chosen;
      state.language = chosen;
      store.save();
      showLanguage();
    }

    function receive(message) {
      if (!message || typeof message !== "object") return;
      // The conversation's language is the assistant's: the widget's own words follow it.
      const messageLanguage = languageOf(message.language);
      setLanguage(messageLanguage);
      const quickReplies = (message.quick_replies || message.buttons || [])
        .filter(function (reply) { return reply && reply.title; })
        .map(function (reply) {
          return { title: String(reply.title), payload: String(reply.payload || reply.title) };
        });
      if (!message.text && !quickReplies.length) return;
      setTyping(false);
      removeQuickReplies();
      const text = message.text ? String(message.text) : "";
      if (text) showMessage("bot", text, messageLanguage);
      if (quickReplies.length) showQuickReplies(quickReplies, messageLanguage);
      const entry = { from: "bot", text: text, quickReplies: quickReplies };
      if (messageLanguage) entry.language = messageLanguage;
      state.transcript.push(entry);
      store.save();
    }

    /* Connection */

    let connecting = false;
    let socket = null;
    let sessionReady = false;
    const outbox = [];

    /** What each message tells the assistant besides its text: the browser's language (a BCP-47
     *  tag such as "es-MX"), which it uses when the words leave the language open. */
    function messageMetadata() {
      const metadata = {};
      if (typeof navigator.language === "string" && navigator.language) {
        metadata.language = navigator.language;
      }
      return metadata;
    }

    function flushOutbox() {
      while (sessionReady && outbox.length) {
        socket.emit("user_uttered", {
          message: outbox.shift(), session_id: state.sessionId, metadata: messageMetadata(),
        });
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
          setStatus(null);
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
          setStatus("reconnecting");
        });
        socket.on("connect_error", function () {
          setTyping(false);
          setStatus("unreachable");
        });
      }, function (error) {
        connecting = false;
        setTyping(false);
        setStatus("cannotStart");
        console.error("Chat widget:", error);
      });
    }

    /** Shows `text` as the person's message and sends `payload` (else the text) to the assistant.
     *  `textLanguage`: the language of `text`, when known (quick replies, the language button). */
    function send(text, payload, textLanguage) {
      const message = text.trim();
      if (!message) return;
      removeQuickReplies();
      showMessage("user", message, textLanguage);
      const entry = { from: "user", text: message };
      if (textLanguage) entry.language = textLanguage;
      state.transcript.push(entry);
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
    // Switches the widget at once and asks the assistant to go on in the other language, as a
    // quick reply would; its answer comes in that language. The focus stays on the button.
    languageButton.addEventListener("click", function () {
      const chosen = otherLanguage();
      setLanguage(chosen);
      send(STRINGS[chosen].name, "/switch_language" + JSON.stringify({ language: chosen }), chosen);
    });
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

    showLanguage();
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
