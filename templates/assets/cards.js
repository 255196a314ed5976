// Preview cards: hovering or focusing a mention shows the entity's type, name and description,
// from the data in the page (no request). Without JavaScript a mention is a plain link.
(function () {
  "use strict";
  var data = document.getElementById("entity-cards");
  if (!data) return;
  var cards = {};
  JSON.parse(data.textContent).forEach(function (card) { cards[card.url] = card; });
  var shown = null;
  var card = document.createElement("div");
  card.className = "entity-card";
  card.id = "entity-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);

  function line(className, text) {
    var element = document.createElement(className === "name" ? "strong" : "span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function show(link) {
    var entry = cards[link.getAttribute("href")];
    if (!entry || shown === link) return;
    hide();
    card.replaceChildren(line("type type-" + entry.type, entry.label), line("name", entry.name));
    if (entry.description) card.appendChild(line("description", entry.description));
    card.hidden = false;
    var box = link.getBoundingClientRect();
    var width = Math.min(320, document.documentElement.clientWidth - 16);
    var left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    card.style.width = width + "px";
    card.style.left = left + "px";
    card.style.top = box.bottom + window.scrollY + 6 + "px";
    link.setAttribute("aria-describedby", card.id);
    shown = link;
  }

  function hide() {
    if (!shown) return;
    shown.removeAttribute("aria-describedby");
    card.hidden = true;
    card.replaceChildren(); // the page's text as it was: annotation clients anchor on it
    shown = null;
  }

  function mention(event) {
    return event.target.closest ? event.target.closest("a.mention") : null;
  }

  document.addEventListener("mouseover", function (event) { var link = mention(event); if (link) show(link); });
  document.addEventListener("mouseout", function (event) { if (mention(event) === shown && !card.contains(event.relatedTarget)) hide(); });
  document.addEventListener("focusin", function (event) { var link = mention(event); if (link) show(link); else hide(); });
  document.addEventListener("focusout", function (event) { if (mention(event) === shown) hide(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });
})();
