// The search page: Pagefind's interface over the archive's index bundles (see bundles.json),
// under the site's base path, starting from ?q=.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var base = box.dataset.base;
  var folder = base + "pagefind/";

  function start(bundles) {
    var paths = bundles.map(function (bundle) {
      return folder + bundle.folder + "/";
    });
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: paths[0],
      mergeIndex: paths.slice(1).map(function (path) {
        return { bundlePath: path, baseUrl: base };
      }),
      baseUrl: base,
      showImages: false,
      showSubResults: true,
      resetStyles: false,
      translations: { placeholder: box.dataset.placeholder },
    });
    var query = new URLSearchParams(location.search).get("q");
    if (query) ui.triggerSearch(query);
  }

  fetch(folder + "bundles.json")
    .then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    })
    .then(function (listed) {
      start(listed.bundles.filter(function (bundle) { return !bundle.empty; }));
    })
    .catch(function (error) {
      box.textContent = box.dataset.broken;
      console.error("search index:", error);
    });

  // keep ?q= in the address as the reader types, so that a search can be shared or bookmarked
  box.addEventListener("input", function (event) {
    if (!event.target.matches("input[type=text], input[type=search]")) return;
    var url = new URL(location.href);
    if (event.target.value) url.searchParams.set("q", event.target.value);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  });
})();
