// Search box suggestions: the ARIA combobox pattern, fed by /api/search.
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  var list = document.getElementById("site-search-options");
  if (!input || !list) {
    return;
  }
  var active = -1;
  var pending = null;
  var lastQuery = "";

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var all = options();
    for (var i = 0; i < all.length; i++) {
      all[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function show(hits) {
    list.textContent = "";
    hits.forEach(function (hit, index) {
      var item = document.createElement("li");
      item.id = "site-search-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.href = hit.page;
      var label = document.createElement("span");
      label.textContent = hit.label;
      item.appendChild(label);
      if (hit.matched !== "label") {
        var why = document.createElement("small");
        why.textContent = " " + hit.matched;
        item.appendChild(why);
      }
      if (hit.deprecated) {
        var retired = document.createElement("small");
        retired.className = "deprecated-mark";
        retired.textContent = " deprecated";
        item.appendChild(retired);
      }
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.href = hit.page;
      });
      list.appendChild(item);
    });
    list.hidden = hits.length === 0;
    input.setAttribute("aria-expanded", hits.length ? "true" : "false");
    active = -1;
  }

  function suggest() {
    var query = input.value.trim();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (!query) {
      close();
      return;
    }
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    fetch(input.dataset.suggest + "?q=" + encodeURIComponent(query) + "&limit=8", { signal: pending.signal })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (query === input.value.trim()) {
          show(body.results);
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", suggest);
  input.addEventListener("keydown", function (event) {
    var all = options();
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight((active + 1) % all.length);
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      highlight(active <= 0 ? all.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0 && all[active]) {
      event.preventDefault();
      window.location.href = all[active].dataset.href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", close);
})();
