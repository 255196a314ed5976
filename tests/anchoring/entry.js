// What two real annotation clients make of our exported selectors, on the page as served:
// Apache Annotator (@apache-annotator/dom) and dom-anchor-text-quote (Hypothesis' anchoring).
// Every place is given as [start, end] in document.body.textContent, counted in Unicode code
// points as the W3C model counts a TextPositionSelector (and Apache Annotator does).
import { createTextPositionSelectorMatcher, createTextQuoteSelectorMatcher } from "@apache-annotator/dom";
import * as textQuote from "dom-anchor-text-quote";

function place(range) {
  const before = document.createRange();
  before.setStart(document.body, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const start = Array.from(before.toString()).length;
  return [start, start + Array.from(range.toString()).length];
}

async function all(matches) {
  const found = [];
  for await (const range of matches) found.push({ place: place(range), text: range.toString() });
  return found;
}

window.anchorAll = async function (annotations) {
  const body = document.body;
  const results = [];
  for (const annotation of annotations) {
    const [quote, position] = annotation.target.selector;
    const hypothesis = textQuote.toRange(body, quote);
    results.push({
      id: annotation.id,
      exact: quote.exact,
      position: [position.start, position.end],
      sliced: Array.from(body.textContent).slice(position.start, position.end).join(""),
      annotatorQuote: await all(createTextQuoteSelectorMatcher(quote)(body)),
      annotatorPosition: await all(createTextPositionSelectorMatcher(position)(body)),
      hypothesis: hypothesis ? { place: place(hypothesis), text: hypothesis.toString() } : null,
    });
  }
  return results;
};
