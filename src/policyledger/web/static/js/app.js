// Small progressive enhancements; every page works without them. No inline scripts (CSP).
(function () {
  "use strict";

  // Confirm before destructive or far-reaching submits: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // A "select all" box: <input type="checkbox" data-check-all="NAME"> ticks every box named NAME
  // in its form.
  document.querySelectorAll("input[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-check-all");
      box.form.querySelectorAll('input[name="' + name + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
    });
  });

  // Progress bars carry their value in data-percent.
  document.querySelectorAll(".bar .fill[data-percent]").forEach(function (el) {
    var p = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-percent")) || 0));
    el.style.width = p + "%";
  });

  function poll(url, onData, delay) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && onData(data) === false) { return; }
        window.setTimeout(function () { poll(url, onData, Math.min(delay * 1.5, 5000)); }, delay);
      })
      .catch(function () {
        window.setTimeout(function () { poll(url, onData, 5000); }, 5000);
      });
  }

  // Import page: refresh each uploaded file's parse status until all are done.
  var table = document.getElementById("import-status");
  if (table) {
    poll(table.getAttribute("data-status-url"), function (data) {
      var allDone = true;
      data.documents.forEach(function (doc) {
        var row = table.querySelector('tr[data-id="' + doc.id + '"]');
        if (!row) { return; }
        var pill = document.createElement("span");
        pill.className = "pill pill-doc-" + doc.status;
        pill.textContent = doc.status_label;
        var cell = row.querySelector(".st");
        cell.textContent = "";
        cell.appendChild(pill);
        row.querySelector(".n").textContent = doc.measures;
        row.querySelector(".err").textContent = doc.error || "";
        if (!doc.done) { allDone = false; }
      });
      if (allDone) {
        var note = document.getElementById("import-note");
        if (note) { note.textContent = "全部解析完成，请点击文件名进入审核。"; }
        return false;
      }
      return true;
    }, 1000);
  }

  // Document page while parsing: reload once the parse is done.
  var wait = document.getElementById("parse-wait");
  if (wait) {
    poll(wait.getAttribute("data-status-url"), function (data) {
      if (data.documents.length && data.documents[0].done) {
        window.location.reload();
        return false;
      }
      return true;
    }, 1000);
  }

  // Split helper: the caret position in the measure's text becomes the split offset.
  document.querySelectorAll("textarea.split-source").forEach(function (area) {
    var id = area.getAttribute("data-measure");
    var target = document.querySelector('input.split-at[data-measure="' + id + '"]');
    if (!target) { return; }
    ["keyup", "click", "select"].forEach(function (name) {
      area.addEventListener(name, function () { target.value = area.selectionStart; });
    });
  });
})();
