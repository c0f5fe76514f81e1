// Drag and drop for the studio's module and component lists: SortableJS moves the items,
// htmx posts the new order (hx-trigger="end" on the list). The ↑/↓ buttons work without this.
(function () {
  "use strict";
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) event.detail.headers["X-CSRFToken"] = csrf.value;
  });
  const status = document.getElementById("order-status");
  function renumber(list) {
    let n = 0;
    for (const item of list.children) {
      if (!item.matches("[data-sort-item]")) continue;
      n += 1;
      const label = item.querySelector("[data-position]");
      if (label) label.textContent = String(n);
    }
  }
  document.querySelectorAll("[data-sortable]").forEach(function (list) {
    Sortable.create(list, {
      handle: ".drag-handle",
      draggable: "[data-sort-item]",
      animation: 150,
    });
    list.addEventListener("htmx:afterRequest", function (event) {
      if (event.target !== list) return;
      if (event.detail.successful) {
        renumber(list);
        if (status) status.textContent = "Order saved.";
      } else {
        if (status) status.textContent = "The order was not saved: reload the page and try again.";
      }
    });
  });
})();
