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
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
  });
})();
