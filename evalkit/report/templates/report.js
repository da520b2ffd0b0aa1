(function () {
  "use strict";
  var q = document.getElementById("taskfilter"), only = document.getElementById("onlydiff");
  function apply() {
    var s = (q.value || "").toLowerCase(), od = only.checked;
    document.querySelectorAll("section.task").forEach(function (sec) {
      sec.hidden = s !== "" && (sec.getAttribute("data-task") || "").toLowerCase().indexOf(s) < 0;
    });
    document.querySelectorAll("details.pair").forEach(function (p) {
      p.hidden = od && p.getAttribute("data-differs") !== "1";
    });
  }
  function setOpen(v) {
    document.querySelectorAll("section.task:not([hidden]) details.pair:not([hidden])").forEach(function (d) { d.open = v; });
  }
  if (q) { q.addEventListener("input", apply); }
  if (only) { only.addEventListener("change", apply); }
  document.getElementById("expand").addEventListener("click", function () { setOpen(true); });
  document.getElementById("collapse").addEventListener("click", function () { setOpen(false); });
})();
