// The search page: Pagefind's interface, under the site's base path, starting from ?q=.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({
    element: "#search",
    baseUrl: box.dataset.base,
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    translations: { placeholder: box.dataset.placeholder },
  });
  var query = new URLSearchParams(location.search).get("q");
  if (query) ui.triggerSearch(query);
  // keep ?q= in the address as the reader types, so that a search can be shared or bookmarked
  box.addEventListener("input", function (event) {
    if (!event.target.matches("input[type=text], input[type=search]")) return;
    var url = new URL(location.href);
    if (event.target.value) url.searchParams.set("q", event.target.value);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  });
})();
