// "Copy" beside a read-only field (data-copy-target: the field's id; data-copy-status: where
// to say it worked; data-copied and data-copy-failed: what to say there, in the page's language). Without the script or the clipboard the button stays hidden, and the
// field can be selected and copied by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          if (status) status.textContent = button.getAttribute("data-copied") || "Link copied.";
        },
        function () {
          field.select();
          if (status) {
            status.textContent =
              button.getAttribute("data-copy-failed") || "Select the link and copy it.";
          }
        }
      );
    });
  });
})();
