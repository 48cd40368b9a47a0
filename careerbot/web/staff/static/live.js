// Keeps an open console page current without a reload: the follow-up queue's badge on every page,
// and the queue's list on its own page. Polls /staff/queue/live, which does not count as activity,
// so a console left open still signs out when idle; this script then stops and says so.
// Served from 'self' like the stylesheet, so the console's strict Content-Security-Policy holds.
(function () {
  "use strict";

  var POLL_MILLISECONDS = 5000;
  var badge = document.getElementById("follow-up-count");
  var status = document.getElementById("live-status");
  var list = document.querySelector("[data-live-fingerprint]");
  if (!badge) {
    return;
  }

  function showCount(count) {
    var previous = Number(badge.getAttribute("data-count"));
    badge.setAttribute("data-count", String(count));
    badge.textContent = count.toLocaleString("en-US");
    badge.setAttribute("aria-label", count + " waiting");
    badge.hidden = count === 0;
    if (count > previous) {
      status.textContent = "Follow-up queue: " + count + " waiting.";
    }
  }

  function showList(update) {
    if (!list || update.html === undefined) {
      return;
    }
    // Markup the console rendered and escaped, from this origin: the same list a reload would show.
    list.innerHTML = update.html;
    list.setAttribute("data-live-fingerprint", update.list);
  }

  function url() {
    if (!list) {
      return "/staff/queue/live";
    }
    return "/staff/queue/live?list=" + encodeURIComponent(list.getAttribute("data-live-fingerprint"));
  }

  function poll() {
    fetch(url(), {credentials: "same-origin", redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.type === "opaqueredirect") {  // to the sign-in page: the session has ended
          status.textContent = "Your session has ended: reload the page to sign in again.";
          return "stop";
        }
        return response.ok ? response.json() : null;
      })
      .then(function (update) {
        if (update === "stop") {
          return "stop";
        }
        if (update) {
          showCount(update.pending);
          showList(update);
        }
        return null;
      }, function () {
        return null;  // the web app is restarting: try again next time
      })
      .then(function (outcome) {
        if (outcome !== "stop") {
          window.setTimeout(poll, POLL_MILLISECONDS);
        }
      });
  }

  window.setTimeout(poll, POLL_MILLISECONDS);
}());
