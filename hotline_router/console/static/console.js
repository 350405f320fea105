// Live parts of the console: each element with data-poll is re-rendered from its URL every
// few seconds (server-rendered HTML, no build step). A part the operator is typing in is
// left alone until they are done. The case page opens at the newest message, keeps the bot
// answers the operator opened, and inserts ready replies (a click, or "/" and a shortcut).
"use strict";
(function () {
  function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 60; }
  function toBottom(el) { el.scrollTop = el.scrollHeight; }

  function poll(el) {
    var url = el.getAttribute("data-poll");
    var every = parseInt(el.getAttribute("data-every") || "3000", 10);
    var stick = el.hasAttribute("data-stick-bottom");
    var busy = false, last = null;
    setInterval(function () {
      if (busy || (document.activeElement && el.contains(document.activeElement))) return;
      busy = true;
      fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) {
          if (r.status === 401) { window.location.href = "/console/login"; return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html === null || html === last) return;
          last = html;
          var wasBottom = stick && atBottom(el), top = el.scrollTop;
          var open = [];
          el.querySelectorAll("details[open][data-key]").forEach(function (d) { open.push(d.getAttribute("data-key")); });
          el.innerHTML = html;
          open.forEach(function (key) {
            var d = el.querySelector('details[data-key="' + key + '"]');
            if (d) d.open = true;
          });
          if (stick) { if (wasBottom) toBottom(el); else el.scrollTop = top; }
          var counter = el.querySelector("[data-waiting]");
          if (counter) document.title = "(" + counter.getAttribute("data-waiting") + ") " + (el.getAttribute("data-title") || "");
        })
        .catch(function () { /* the next tick tries again */ })
        .finally(function () { busy = false; });
    }, every);
  }

  // A text box with maxlength and data-counter="<id>" shows "typed / limit" as the operator types.
  function counter(box) {
    var out = document.getElementById(box.getAttribute("data-counter"));
    var max = parseInt(box.getAttribute("maxlength") || "0", 10);
    if (!out || !max) return;
    function update() {
      var n = box.value.length;
      out.textContent = n + " / " + max + (n > max ? " (+" + (n - max) + ")" : "");
      out.classList.toggle("over", n > max);
    }
    box.addEventListener("input", update);
    box.addEventListener("change", update);
    update();
  }

  // Ready replies: the buttons of #canned carry the filled text.
  function canned(box) {
    var items = Array.prototype.slice.call(document.querySelectorAll(".canned-item"));
    var list = document.getElementById("canned-suggest");
    if (!items.length || !list) return;
    var active = 0, shown = [];
    function insert(text, from) {
      var start = from === undefined ? box.selectionStart : from;
      var before = box.value.slice(0, start), after = box.value.slice(box.selectionEnd);
      box.value = before + text + after;
      var caret = before.length + text.length;
      box.focus();
      box.setSelectionRange(caret, caret);
      box.dispatchEvent(new Event("input"));
      hide();
      var menu = document.getElementById("canned");
      if (menu) menu.open = false;
    }
    function slash() {  // "/sh" typed right before the caret, at a word start
      var upto = box.value.slice(0, box.selectionStart);
      var m = /(^|\s)\/([a-z0-9_-]*)$/.exec(upto);
      return m ? {from: upto.length - m[2].length - 1, word: m[2]} : null;
    }
    function hide() { list.hidden = true; list.innerHTML = ""; shown = []; }
    function render(found) {
      list.innerHTML = "";
      shown.forEach(function (item, i) {
        var li = document.createElement("li");
        if (i === active) li.className = "active";
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = "/" + item.getAttribute("data-shortcut") + " — " + item.textContent.replace(/^\/\S+\s*/, "");
        b.addEventListener("mousedown", function (e) { e.preventDefault(); insert(item.getAttribute("data-text"), found.from); });
        li.appendChild(b);
        list.appendChild(li);
      });
      list.hidden = !shown.length;
    }
    function update() {
      var found = slash();
      if (!found) { hide(); return; }
      shown = items.filter(function (i) { return i.getAttribute("data-shortcut").indexOf(found.word) === 0; });
      active = 0;
      render(found);
    }
    items.forEach(function (item) {
      item.addEventListener("click", function () { insert(item.getAttribute("data-text")); });
    });
    box.addEventListener("input", update);
    box.addEventListener("keydown", function (e) {
      if (list.hidden || !shown.length) return;
      var found = slash();
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        render(found); e.preventDefault();
      } else if ((e.key === "Enter" || e.key === "Tab") && found) {
        insert(shown[active].getAttribute("data-text"), found.from); e.preventDefault();
      } else if (e.key === "Escape") { hide(); }
    });
  }

  // The evidence links to the message it quotes: scroll it into view and flash it.
  function jumps() {
    document.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("[data-jump]") : null;
      if (!a) return;
      var target = document.getElementById(a.getAttribute("data-jump"));
      if (!target) return;
      e.preventDefault();
      target.scrollIntoView({block: "center"});
      target.classList.add("flash");
      setTimeout(function () { target.classList.remove("flash"); }, 1600);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-stick-bottom]").forEach(toBottom);
    document.querySelectorAll("[data-poll]").forEach(poll);
    document.querySelectorAll("textarea[data-counter]").forEach(counter);
    var box = document.getElementById("reply-text");
    if (box) canned(box);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    jumps();
  });
})();
