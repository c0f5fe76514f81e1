// Drag and drop for the studio's module and component lists: SortableJS moves the items,
// htmx posts the new order (data-hx-trigger="end" on the list). The ↑/↓ buttons work without this.
(function () {
  "use strict";
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) event.detail.headers["X-CSRFToken"] = csrf.value;
  });
  // What to say, in the page's language: data-saved and data-failed on the status line.
  const status = document.getElementById("order-status");
  // Only the item's own controls, not those of a list nested in it (components in a module).
  function own(item, selector) {
    return Array.from(item.querySelectorAll(selector)).filter(function (el) {
      return el.closest("[data-sort-item]") === item;
    });
  }
  function renumber(list) {
    const items = Array.from(list.children).filter(function (el) {
      return el.matches("[data-sort-item]");
    });
    items.forEach(function (item, index) {
      own(item, "[data-position]").forEach(function (label) {
        label.textContent = String(index + 1);
      });
      own(item, "button[name=direction][value=up]").forEach(function (button) {
        button.disabled = index === 0;
      });
      own(item, "button[name=direction][value=down]").forEach(function (button) {
        button.disabled = index === items.length - 1;
      });
    });
  }
  document.querySelectorAll("[data-sortable]").forEach(function (list) {
    Sortable.create(list, {
      handle: ".drag-handle",
      draggable: "[data-sort-item]",
      animation: 150,
    });
    // Sortable's "end" event bubbles: a component list inside a module must not also make
    // the module list post its (unchanged) order.
    list.addEventListener("end", function (event) {
      if (event.target === list) event.stopPropagation();
    });
    list.addEventListener("htmx:afterRequest", function (event) {
      if (event.target !== list) return;
      if (event.detail.successful) {
        renumber(list);
        if (status) status.textContent = status.dataset.saved;
      } else {
        if (status) status.textContent = status.dataset.failed;
      }
    });
  });
})();
