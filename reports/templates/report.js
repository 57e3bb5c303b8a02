// Filters (area, engine column, statuses; state kept in the URL hash) and copy buttons.
// Without JavaScript the page shows everything. Only textContent and attributes are set here:
// no string from the results is ever parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var form = document.getElementById("filters");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));

  function addOption(select, item) {
    var option = document.createElement("option");
    option.value = item.id;
    option.textContent = item.label;
    select.appendChild(option);
  }
  data.areas.forEach(function (a) { addOption(form.elements.area, a); });
  data.columns.forEach(function (c) { addOption(form.elements.col, c); });
  var statusBox = form.querySelector(".statuses");
  var checks = data.statuses.map(function (s) {
    var label = document.createElement("label");
    var input = document.createElement("input");
    input.type = "checkbox";
    input.name = "status";
    input.value = s.id;
    label.className = "chip";
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + s.label));
    statusBox.appendChild(label);
    return input;
  });

  function fromHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    var status = params.get("status");
    return {
      area: params.get("area") || "",
      col: params.get("col") || "",
      status: status === null ? null : status.split(",").filter(Boolean)
    };
  }

  function fromForm() {
    var on = checks.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
    return {
      area: form.elements.area.value,
      col: form.elements.col.value,
      status: on.length === checks.length ? null : on
    };
  }

  function toHash(state) {
    var params = new URLSearchParams();
    if (state.area) { params.set("area", state.area); }
    if (state.col) { params.set("col", state.col); }
    if (state.status) { params.set("status", state.status.join(",")); }
    var hash = params.toString();
    try {
      history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
    } catch (e) { /* some file:// setups refuse; the filter still applies */ }
  }

  function matches(el, state) {
    var d = el.dataset;
    return !(state.area && d.area !== undefined && d.area !== state.area) &&
      !(state.col && d.col !== undefined && d.col !== state.col) &&
      !(state.status && d.status !== undefined && state.status.indexOf(d.status) < 0);
  }

  function apply(state) {
    form.elements.area.value = state.area;
    form.elements.col.value = state.col;
    checks.forEach(function (c) { c.checked = !state.status || state.status.indexOf(c.value) >= 0; });
    items.forEach(function (el) { el.hidden = !matches(el, state); });
    document.querySelectorAll("[data-section]").forEach(function (section) {
      var all = section.querySelectorAll("[data-status]");
      var shown = 0;
      all.forEach(function (el) { if (!el.hidden) { shown += 1; } });
      section.querySelector(".shown").textContent = shown === all.length ? "" : "(showing " + shown + " of " + all.length + ")";
    });
  }

  form.addEventListener("change", function () { var s = fromForm(); toHash(s); apply(s); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.elements.reset.addEventListener("click", function () {
    var s = { area: "", col: "", status: null };
    toHash(s);
    apply(s);
  });
  window.addEventListener("hashchange", function () { apply(fromHash()); });
  form.hidden = false;
  apply(fromHash());

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-target")).textContent;
      var done = function (ok) {
        button.textContent = ok ? "Copied" : "Select and copy";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
      } else {
        done(fallbackCopy(text));
      }
    });
  });
}());
