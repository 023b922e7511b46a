// A table of command records, shared by the audit and support pages.

import { el } from "./dom.js";
import { commandName, shortId, when } from "./format.js";
import { targetLink } from "./kinds.js";

export function isUndone(record) {
  return (record.undone_by || []).length > (record.redone_by || []).length;
}

function target(record) {
  const link = targetLink(record);
  const text = shortId(record.aggregate_id);
  return link
    ? el("a", { href: link, title: record.aggregate_id, text })
    : el("span", { title: record.aggregate_id, text });
}

function outcome(record) {
  const parts = [record.status];
  if (record.error) parts.push(`: ${record.error.code}`);
  if (isUndone(record)) parts.push(" (undone)");
  return parts.join("");
}

/** A table of records; `extra(record, cell)` may fill a last column (actions). */
export function trailTable(records, { caption, extra } = {}) {
  const head = ["When", "Who", "What", "Target", "Outcome", "Reason", "Command"];
  if (extra) head.push("");
  return el("div", { class: "table-scroll" }, el("table", { class: "trail" },
    el("caption", { class: "visually-hidden", text: caption || "Commands" }),
    el("thead", {}, el("tr", {}, head.map((name) => el("th", { scope: "col", text: name })))),
    el("tbody", {}, records.map((record) => {
      const cells = [
        el("td", { text: when(record.issued_at) }),
        el("td", { title: record.actor_id },
          shortId(record.actor_id),
          record.actor_groups && record.actor_groups.length ? ` (${record.actor_groups.join(", ")})` : ""),
        el("td", { text: commandName(record.type) }),
        el("td", {}, target(record)),
        el("td", { text: outcome(record) }),
        el("td", { class: "reason", text: record.reason || "" }),
        el("td", {}, el("code", { title: record.command_id, text: shortId(record.command_id) })),
      ];
      if (extra) {
        const cell = el("td", { class: "trail-action" });
        extra(record, cell);
        cells.push(cell);
      }
      return el("tr", { dataset: { commandId: record.command_id, type: record.type } }, cells);
    }))));
}
