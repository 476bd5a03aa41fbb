// The query editor on /sparql: YASGUI against this endpoint and nothing else.
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  if (!element || !window.Yasgui) {
    return;
  }
  var endpoint = element.getAttribute("data-endpoint");
  // Term suggestions would come from the web (Linked Open Vocabularies): keep the local ones.
  var defaults = window.Yasgui.Yasqe.defaults;
  defaults.autocompleters = (defaults.autocompleters || []).filter(function (name) {
    return name === "prefixes" || name === "variables";
  });
  // YASGUI's own markup misses a few accessible names and roles; they are added whenever it
  // redraws (new tabs, new results), so the page passes axe-core like every other page.
  function accessible() {
    element.querySelectorAll("textarea:not([aria-label])").forEach(function (area) {
      area.setAttribute("aria-label", "SPARQL query");
    });
    element.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", "SPARQL endpoint");
    });
    element.querySelectorAll("select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.classList.contains("tableSizer") ? "Rows per page" : "Option");
    });
    element.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach(function (region) {
      region.setAttribute("tabindex", "0");  // a scrolling region must be reachable by keyboard
    });
    // A tab list may hold only tabs: the "add a tab" button goes just after it.
    element.querySelectorAll("[role=tablist] .addTab").forEach(function (button) {
      var holder = button.parentElement;
      var list = holder.closest("[role=tablist]");
      list.parentElement.insertBefore(holder, list.nextSibling);
      holder.classList.add("ierkg-add-tab");
    });
  }
  new MutationObserver(accessible).observe(element, { childList: true, subtree: true });

  window.ierkgYasgui = new window.Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    persistenceId: "ierkg-yasgui",
  });
  accessible();
})();
