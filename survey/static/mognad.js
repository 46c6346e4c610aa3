/* Mognad: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce it (GOV.UK pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // A link in the summary focuses its field and scrolls the question (legend) into view.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      event.preventDefault();
      var fieldset = input.closest("fieldset");
      var legend = fieldset && fieldset.querySelector("legend");
      var label = document.querySelector("label[for='" + input.id + "']");
      (legend || label || input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  // Character count (GOV.UK pattern): the count below the box follows every keystroke; a screen
  // reader hears it from a polite live region once typing pauses, not at every key.
  var ANNOUNCE_AFTER_MS = 1000;
  var counters = document.querySelectorAll("[data-character-count]");
  for (var c = 0; c < counters.length; c++) {
    characterCount(counters[c]);
  }

  function characterCount(group) {
    var box = group.querySelector("textarea");
    var status = group.querySelector("[data-count-status]");
    var live = group.querySelector("[data-count-live]");
    var max = parseInt(group.getAttribute("data-max"), 10);
    if (!box || !status || !live || !(max > 0)) { return; }
    var format = window.Intl && Intl.NumberFormat
      ? new Intl.NumberFormat(document.documentElement.lang || undefined).format
      : String;
    var serverError = box.classList.contains("textarea--error") && group.querySelector(".error-message");
    var timer = null;

    function message() {
      // Count as the server does: characters (not UTF-16 units) of the trimmed text.
      var count = Array.from(box.value.trim()).length;
      if (!count) { return {text: "", over: false}; }
      if (count > max) {
        return {text: group.getAttribute("data-over").replace("{count}", format(count))
          .replace("{over}", format(count - max)), over: true};
      }
      return {text: group.getAttribute("data-under").replace("{count}", format(count)), over: false};
    }

    function update() {
      var m = message();
      status.textContent = m.text;
      status.hidden = !m.text;
      status.classList.toggle("character-count__status--over", m.over);
      box.classList.toggle("textarea--error", m.over || !!serverError);
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { live.textContent = message().text; }, ANNOUNCE_AFTER_MS);
    }

    box.addEventListener("input", update);
  }

  // Print buttons are hidden until this script can make them work.
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }

  // A background job's page: while the job is unfinished, fetch the page again every few
  // seconds and put the new status into the polite live region, so a screen reader hears it.
  var POLL_MS = 3000;
  var job = document.querySelector("[data-job-poll]");
  if (job && window.fetch && window.DOMParser) {
    var poll = function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html")
            .querySelector("[data-job-status]");
          if (!fresh) { return; }
          if (fresh.innerHTML !== job.innerHTML) { job.innerHTML = fresh.innerHTML; }
          if (fresh.hasAttribute("data-job-poll")) { window.setTimeout(poll, POLL_MS); }
        })
        .catch(function () { window.setTimeout(poll, POLL_MS); });
    };
    window.setTimeout(poll, POLL_MS);
  }
})();
