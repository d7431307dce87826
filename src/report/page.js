// threadcheck counterexample page: step-through, folds, keyboard. No network, no dependencies.
(function () {
  "use strict";
  var body = document.body;
  var table = document.getElementById("timeline");
  var position = document.getElementById("position");
  var playButton = document.getElementById("play");
  var stops = [];
  var current = -1;
  var timer = null;

  function visible(row) {
    var group = row.parentElement;
    return !(group && group.hidden);
  }

  // The rows the controls step through: shown steps and fold rows, in order.
  function collect() {
    var rows = table.querySelectorAll("tr.step, tr.fold");
    stops = [];
    for (var i = 0; i < rows.length; i++) {
      if (visible(rows[i])) stops.push(rows[i]);
    }
    body.dataset.stops = String(stops.length);
  }

  function describe(row) {
    if (row.classList.contains("fold")) {
      return row.querySelector(".fold-toggle").textContent.replace(/^[▸▾]\s*/, "");
    }
    var text = row.dataset.thread + ": " + row.dataset.op;
    if (row.dataset.line) text += " (" + row.dataset.line + ")";
    if (row.dataset.role) text += " [" + row.dataset.role + "]";
    return "Step " + row.dataset.step + " of " + body.dataset.total + ": " + text;
  }

  function select(index, scroll) {
    if (!stops.length) return;
    index = Math.max(0, Math.min(stops.length - 1, index));
    if (current >= 0 && stops[current]) {
      stops[current].classList.remove("current");
      stops[current].removeAttribute("aria-current");
    }
    current = index;
    var row = stops[current];
    row.classList.add("current");
    row.setAttribute("aria-current", "step");
    body.dataset.current = row.dataset.step || ("fold-" + row.dataset.fold);
    position.textContent = "(" + (current + 1) + "/" + stops.length + ") " + describe(row);
    if (row.id && window.history && history.replaceState) {
      try { history.replaceState(null, "", "#" + row.id); } catch (e) { /* file: URLs may refuse */ }
    }
    if (scroll !== false && row.scrollIntoView) {
      row.scrollIntoView({ block: "nearest" });
    }
    if (current === stops.length - 1) stop();
  }

  function stop() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    playButton.setAttribute("aria-pressed", "false");
    playButton.textContent = "▶ Play";
  }

  function play() {
    if (timer !== null) return stop();
    if (current >= stops.length - 1) select(0);
    playButton.setAttribute("aria-pressed", "true");
    playButton.textContent = "⏸ Pause";
    timer = setInterval(function () { select(current + 1); }, 700);
  }

  function toggle(button, open) {
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) return;
    var expand = open === undefined ? target.hidden : open;
    var row = stops[current];
    target.hidden = !expand;
    button.setAttribute("aria-expanded", String(expand));
    var label = button.querySelector(".arrow");
    if (label) label.textContent = expand ? "▾" : "▸";
    collect();
    current = Math.max(0, stops.indexOf(row));
    if (row) select(current, false);
  }

  function firstConflict() {
    for (var i = 0; i < stops.length; i++) {
      if (stops[i].classList.contains("conflict")) return i;
    }
    return 0;
  }

  document.getElementById("next").addEventListener("click", function () { select(current + 1); });
  document.getElementById("prev").addEventListener("click", function () { select(current - 1); });
  document.getElementById("first").addEventListener("click", function () { select(0); });
  document.getElementById("last").addEventListener("click", function () { select(stops.length - 1); });
  document.getElementById("conflict").addEventListener("click", function () { select(firstConflict()); });
  playButton.addEventListener("click", play);
  document.getElementById("expand-all").addEventListener("click", function () {
    var buttons = document.querySelectorAll(".fold-toggle");
    var open = this.getAttribute("aria-pressed") !== "true";
    for (var i = 0; i < buttons.length; i++) toggle(buttons[i], open);
    this.setAttribute("aria-pressed", String(open));
    this.textContent = open ? "Collapse folds" : "Expand folds";
  });
  var toggles = document.querySelectorAll(".fold-toggle");
  for (var i = 0; i < toggles.length; i++) {
    toggles[i].addEventListener("click", function (event) {
      event.stopPropagation();
      toggle(this);
    });
  }
  table.addEventListener("click", function (event) {
    var row = event.target.closest("tr.step, tr.fold");
    if (row && stops.indexOf(row) >= 0) select(stops.indexOf(row), false);
  });
  var copy = document.getElementById("copy");
  if (copy) {
    copy.addEventListener("click", function () {
      var text = document.getElementById("replay").textContent;
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(function () { copy.textContent = "Copied"; },
          function () { copy.textContent = "Select and copy"; });
      }
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = event.target && event.target.tagName;
    var onButton = tag === "BUTTON" || tag === "INPUT" || tag === "TEXTAREA";
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": case "j": select(current + 1); break;
      case "ArrowLeft": case "ArrowUp": case "k": select(current - 1); break;
      case "Home": select(0); break;
      case "End": select(stops.length - 1); break;
      case "c": select(firstConflict()); break;
      case " ": if (onButton) return; play(); break;
      default: return;
    }
    event.preventDefault();
  });

  // "#s123" selects step 123, expanding the fold that hides it.
  function fromHash() {
    var match = /^#s(\d+)$/.exec(window.location.hash);
    if (!match) return false;
    var row = document.getElementById("s" + match[1]);
    if (!row) return false;
    var group = row.parentElement;
    if (group && group.hidden) {
      var button = document.querySelector('[aria-controls="' + group.id + '"]');
      if (button) toggle(button, true);
    }
    var index = stops.indexOf(row);
    if (index < 0) return false;
    select(index, true);
    return true;
  }
  window.addEventListener("hashchange", fromHash);

  collect();
  if (!fromHash()) select(firstConflict(), false);
  body.dataset.ready = "true";
})();
