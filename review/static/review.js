// Field boxes follow the pointer and the keyboard: hover or click a field (or its
// box) to light the box up; n/p or Alt+Down/Up move through the flagged values.
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("tr.field"));
  if (!rows.length) return;

  function boxesOf(row) {
    return document.querySelectorAll(
      '.box[data-doc="' + row.dataset.doc + '"][data-field="' + row.dataset.field + '"]');
  }
  function rowOf(box) {
    return document.querySelector(
      'tr.field[data-doc="' + box.dataset.doc + '"][data-field="' + box.dataset.field + '"]');
  }
  function activate(row, scroll) {
    document.querySelectorAll(".box.active, tr.field.active").forEach(function (el) {
      el.classList.remove("active");
    });
    if (!row) return;
    row.classList.add("active");
    const boxes = boxesOf(row);
    boxes.forEach(function (box) { box.classList.add("active"); });
    if (scroll && boxes.length) boxes[0].scrollIntoView({ block: "center", behavior: "smooth" });
  }

  rows.forEach(function (row) {
    row.addEventListener("mouseenter", function () { activate(row, false); });
    row.addEventListener("click", function () { activate(row, true); });
    row.addEventListener("focusin", function () { activate(row, false); });
  });
  document.querySelectorAll(".box").forEach(function (box) {
    box.addEventListener("mouseenter", function () { activate(rowOf(box), false); });
    box.addEventListener("click", function () {
      const row = rowOf(box);
      activate(row, false);
      if (row) { row.querySelector("input").focus(); }
    });
  });

  const flagged = rows.filter(function (row) {
    return row.classList.contains("low") || row.classList.contains("flagged");
  });
  const position = document.getElementById("flag-position");
  let current = -1;
  function show(index) {
    if (!flagged.length) { if (position) position.textContent = "(none flagged)"; return; }
    current = (index + flagged.length) % flagged.length;
    const row = flagged[current];
    const input = row.querySelector("input");
    row.scrollIntoView({ block: "center", behavior: "smooth" });
    if (input && !input.closest("fieldset:disabled")) input.focus({ preventScroll: true });
    activate(row, false);
    if (position) position.textContent = "(" + (current + 1) + " of " + flagged.length + ")";
  }
  if (position) position.textContent = flagged.length ? "(" + flagged.length + " flagged)" : "(none flagged)";

  document.addEventListener("keydown", function (event) {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    let step = 0;
    if (event.altKey && event.key === "ArrowDown") step = 1;
    else if (event.altKey && event.key === "ArrowUp") step = -1;
    else if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (event.key === "n" || event.key === "j") step = 1;
      else if (event.key === "p" || event.key === "k") step = -1;
    }
    if (!step) return;
    event.preventDefault();
    const here = flagged.indexOf(document.activeElement && document.activeElement.closest("tr.field"));
    show((here >= 0 ? here : current) + step + (here < 0 && current < 0 && step < 0 ? 1 : 0));
  });
})();
