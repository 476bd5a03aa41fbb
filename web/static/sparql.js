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
})();
