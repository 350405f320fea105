// Live parts of the console: each element with data-poll is re-rendered from its URL every
// few seconds (server-rendered HTML, no build step). A part the operator is typing in is
// left alone until they are done.
"use strict";
(function () {
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var every = parseInt(el.getAttribute("data-every") || "3000", 10);
    var busy = false;
    setInterval(function () {
      if (busy || (document.activeElement && el.contains(document.activeElement))) return;
      busy = true;
      fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) {
          if (r.status === 401) { window.location.href = "/console/login"; return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          el.innerHTML = html;
          var counter = el.querySelector("[data-waiting]");
          if (counter) document.title = "(" + counter.getAttribute("data-waiting") + ") Hamroh queue";
        })
        .catch(function () { /* the next tick tries again */ })
        .finally(function () { busy = false; });
    }, every);
  }
  // A text box with maxlength and data-counter="<id>" shows "typed / limit" as the operator
  // types (maxlength already stops typing or pasting past the limit; a text kept after a
  // refused send may be longer, and the counter then says so).
  function counter(box) {
    var out = document.getElementById(box.getAttribute("data-counter"));
    var max = parseInt(box.getAttribute("maxlength") || "0", 10);
    if (!out || !max) return;
    function update() {
      var n = box.value.length;
      out.textContent = n + " / " + max + (n > max ? " (too long by " + (n - max) + ")" : "");
      out.classList.toggle("over", n > max);
    }
    box.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
    document.querySelectorAll("textarea[data-counter]").forEach(counter);
  });
})();
