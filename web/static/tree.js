// The hierarchy as an ARIA treeview: arrow keys move, Right/Left open and close, Enter opens.
(function () {
  "use strict";
  var tree = document.querySelector("[role=tree]");
  if (!tree) {
    return;
  }
  var items = function () {
    return Array.prototype.filter.call(tree.querySelectorAll("[role=treeitem]"), function (item) {
      var parent = item.parentElement.closest("[role=treeitem]");
      while (parent) {
        if (parent.getAttribute("aria-expanded") === "false") {
          return false;
        }
        parent = parent.parentElement.closest("[role=treeitem]");
      }
      return true;
    });
  };

  function focus(item) {
    tree.querySelectorAll("[role=treeitem]").forEach(function (other) {
      other.tabIndex = -1;
    });
    item.tabIndex = 0;
    item.focus();
  }

  function toggle(item, open) {
    if (item.hasAttribute("aria-expanded")) {
      item.setAttribute("aria-expanded", open ? "true" : "false");
    }
  }

  // One tab stop for the whole tree (roving tabindex): the items move focus, not the links.
  tree.querySelectorAll("[role=treeitem]").forEach(function (item) {
    item.tabIndex = -1;
    item.querySelector("a").tabIndex = -1;
  });
  tree.classList.add("enhanced");
  // The item to start from: the class the page was asked to show, else the first.
  var first = tree.querySelector("[role=treeitem][aria-selected=true]") || tree.querySelector("[role=treeitem]");
  if (first) {
    first.tabIndex = 0;
  }

  tree.addEventListener("click", function (event) {
    var toggleMark = event.target.closest(".toggle");
    if (toggleMark) {
      var item = toggleMark.closest("[role=treeitem]");
      toggle(item, item.getAttribute("aria-expanded") !== "true");
      focus(item);
    }
  });

  tree.addEventListener("keydown", function (event) {
    var item = event.target.closest("[role=treeitem]");
    if (!item) {
      return;
    }
    var visible = items();
    var index = visible.indexOf(item);
    var expanded = item.getAttribute("aria-expanded");
    var handled = true;
    switch (event.key) {
      case "ArrowDown":
        if (index < visible.length - 1) focus(visible[index + 1]);
        break;
      case "ArrowUp":
        if (index > 0) focus(visible[index - 1]);
        break;
      case "Home":
        focus(visible[0]);
        break;
      case "End":
        focus(visible[visible.length - 1]);
        break;
      case "ArrowRight":
        if (expanded === "false") {
          toggle(item, true);
        } else if (expanded === "true") {
          var child = item.querySelector("[role=treeitem]");
          if (child) focus(child);
        }
        break;
      case "ArrowLeft":
        if (expanded === "true") {
          toggle(item, false);
        } else {
          var parent = item.parentElement.closest("[role=treeitem]");
          if (parent) focus(parent);
        }
        break;
      case "Enter":
        window.location.href = item.querySelector("a").href;
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
