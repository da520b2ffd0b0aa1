(function () {
  "use strict";
  // Reads only attributes evalkit wrote (task ids, model indexes, score signatures) and sets
  // hidden/open/classes/textContent: model text never passes through here.
  var q = document.getElementById("taskfilter"), only = document.getElementById("onlydiff");
  var left = document.getElementById("left-model"), right = document.getElementById("right-model");
  function apply() {
    var s = (q.value || "").toLowerCase(), od = only.checked;
    document.querySelectorAll("section.task").forEach(function (sec) {
      sec.hidden = s !== "" && (sec.getAttribute("data-task") || "").toLowerCase().indexOf(s) < 0;
    });
    document.querySelectorAll("details.pair").forEach(function (p) {
      p.hidden = od && p.getAttribute("data-differs") !== "1";
    });
  }
  // the side-by-side view shows two models: the ones chosen in the toolbar
  function showPair() {
    var l = left.value, r = right.value;
    document.querySelectorAll("details.pair").forEach(function (d) {
      var sig = {};
      d.querySelectorAll(".panel").forEach(function (p) {
        var mi = p.getAttribute("data-mi");
        var side = mi === l ? "left" : (mi === r ? "right" : "");
        p.hidden = side === "";
        p.classList.toggle("left", side === "left");
        p.classList.toggle("right", side === "right");
        sig[mi] = p.getAttribute("data-sig");
      });
      var differs = l !== r && sig[l] !== sig[r];
      d.setAttribute("data-differs", differs ? "1" : "0");
      var tag = d.querySelector("summary .tag");
      if (tag) { tag.textContent = differs ? "models differ" : "same scores"; }
    });
    apply();
  }
  function setOpen(v) {
    document.querySelectorAll("section.task:not([hidden]) details.pair:not([hidden])").forEach(function (d) { d.open = v; });
  }
  if (q) { q.addEventListener("input", apply); }
  if (only) { only.addEventListener("change", apply); }
  if (left && right) {
    left.addEventListener("change", showPair);
    right.addEventListener("change", showPair);
  }
  // the leaderboard ranks the models by the metric clicked (best first; again: the user's order)
  document.querySelectorAll("th.sort").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0], col = +th.getAttribute("data-col");
      var on = !th.hasAttribute("data-sorted");
      table.querySelectorAll("th.sort").forEach(function (h) { h.removeAttribute("data-sorted"); });
      if (on) { th.setAttribute("data-sorted", "1"); }
      function key(row) {
        var v = parseFloat(row.cells[col].getAttribute("data-v"));
        return isNaN(v) ? -Infinity : v;
      }
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var order = (+a.getAttribute("data-i")) - (+b.getAttribute("data-i"));
        return on ? (key(b) - key(a)) || order : order;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  document.getElementById("expand").addEventListener("click", function () { setOpen(true); });
  document.getElementById("collapse").addEventListener("click", function () { setOpen(false); });
})();
