// A table of command records, shared by the audit and support pages: when (local time),
// who (by name), what (the server's sentence), the item it acted on, and the outcome.

import { el } from "./dom.js";
import { targetLink } from "./kinds.js";
import { actorOf, personName } from "./people.js";
import { moment, summaryOf } from "./readable.js";

export function isUndone(record) {
  return (record.undone_by || []).length > (record.redone_by || []).length;
}

const KINDS = { albums: "Open the album", photos: "Open the photo" };

function target(record) {
  const link = targetLink(record);
  if (!link) return el("span", { class: "hint", text: "—" });
  const kind = link.split("/")[1];
  return el("a", { href: link, class: "target-link", dataset: { aggregateId: record.aggregate_id },
    text: KINDS[kind] || "Open" });
}

const OUTCOMES = { succeeded: "Done", rejected: "Refused", accepted: "Queued", failed: "Failed" };

function outcome(record) {
  const parts = [OUTCOMES[record.status] || record.status];
  if (record.error && record.error.message) parts.push(`: ${record.error.message}`);
  if (isUndone(record)) parts.push(" (undone)");
  return parts.join("");
}

/**
 * A table of records; `extra(record, cell)` may fill a last column (actions), and
 * `change(record)` a before → after column.
 */
export function trailTable(records, { caption, extra, change } = {}) {
  const head = ["When", "Who", "What", "Item", "Outcome", "Reason"];
  if (change) head.splice(3, 0, "Before → after");
  if (extra) head.push("");
  return el("div", { class: "table-scroll" }, el("table", { class: "trail" },
    el("caption", { class: "visually-hidden", text: caption || "Commands" }),
    el("thead", {}, el("tr", {}, head.map((name) => el("th", { scope: "col", text: name })))),
    el("tbody", {}, records.map((record) => {
      const cells = [
        el("td", {}, moment(record.issued_at, { style: "exact" })),
        el("td", { class: "who", text: personName(actorOf(record)) }),
        el("td", { class: "summary", text: summaryOf(record) }),
        el("td", {}, target(record)),
        el("td", { text: outcome(record) }),
        el("td", { class: "reason", text: record.reason || "" }),
      ];
      if (change) cells.splice(3, 0, el("td", { class: "change-cell" }, change(record)));
      if (extra) {
        const cell = el("td", { class: "trail-action" });
        extra(record, cell);
        cells.push(cell);
      }
      return el("tr", { dataset: { commandId: record.command_id, type: record.type,
        aggregateId: record.aggregate_id } }, cells);
    }))));
}
