// 防御检查 (on the 待办 tab, above the events to verify): the check tasks of my grids during a
// typhoon or rainstorm warning, nearest first, each with the facility, what to do, its
// responsible person and the nearest shelters. Nothing shows while no warning is in force.

import { latestForms } from "../forms.js";
import { label, t } from "../i18n.js";
import { myChecks } from "../checks.js";
import { h } from "./dom.js";

/** Render the warning checks into `root`; `onCheck(taskId)` opens the check form. */
export async function renderChecks(root, { onCheck }) {
  const [tasks, forms] = await Promise.all([myChecks(), latestForms()]);
  const kindTitle = (kind) => label(forms.find((f) => f.kind === kind)?.title || { zh: kind, en: kind });
  if (!tasks.length) {
    root.replaceChildren();
    return;
  }
  root.replaceChildren(h("h2", {}, t("checks_title")),
    h("ul.em-tasks", { id: "warning-checks" }, tasks.map((task) => taskCard(task, kindTitle, onCheck))));
}

function taskCard(task, kindTitle, onCheck) {
  const data = task.facility.data || {};
  const state = task.local ? "local" : task.state;
  const nearest = (task.nearest || []).slice(0, 3);
  return h("li.card.em-task", { dataset: { task: task.id, state } },
    h("div.em-task-head", {},
      h("span.badge", { class: `badge level-${task.emergency.level}` },
        t(`hazard_${task.emergency.hazard}`), " ", t(`level_${task.emergency.level}`)),
      h("strong", {}, data.name || task.facility.id),
      task.distance_m != null ? h("span.subtle", {}, ` ${formatDistance(task.distance_m)}`) : null),
    h("div.subtle", {}, kindTitle(task.kind), " · ", data.address || "", " · ", task.grid),
    h("div", {}, t("task_do"), task.actions.map((a) => t(`action_${a}`)).join("、")),
    data.responsible_person ? h("div.subtle", {}, t("responsible"), `${data.responsible_person} `,
      h("a", { href: `tel:${data.responsible_phone}` }, data.responsible_phone || "")) : null,
    nearest.length ? h("div.subtle.nearest", {}, t("nearest"),
      nearest.map((n) => `${n.name}（${formatDistance(n.distance_m)}）`).join("；")) : null,
    state === "open"
      ? h("button.primary.check", { type: "button", onclick: () => onCheck(task.id) }, t("report_check"))
      : h("div.em-task-state", {}, state === "local" ? t("check_waiting")
        : t(`check_${task.result || "closed"}`) + (task.evacuated ? ` ${task.evacuated}` : "")));
}

function formatDistance(m) {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}
