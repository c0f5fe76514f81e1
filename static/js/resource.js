// After a toolkit resource opens in a new tab, refresh this page so its completion shows.
document.querySelectorAll("[data-refresh-on-open]").forEach(function (link) {
  link.addEventListener("click", function () {
    window.setTimeout(function () { window.location.reload(); }, 1500);
  });
});
