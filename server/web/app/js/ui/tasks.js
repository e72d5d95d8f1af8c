// 防御任务: the check tasks of my grids during a typhoon or rainstorm warning, nearest first,
// each with the facility, what to do, its responsible person and the nearest shelters.

import { latestForms } from "../forms.js";
import { label, t } from "../i18n.js";
import { myTasks } from "../tasks.js";
import { h } from "./dom.js";

/** Render the task list into `root`; `onCheck(taskId)` opens the check form. */
export async function renderTasks(root, { onCheck }) {
  const [tasks, forms] = await Promise.all([myTasks(), latestForms()]);
  const kindTitle = (kind) => label(forms.find((f) => f.kind === kind)?.title || { zh: kind, en: kind });
  if (!tasks.length) {
    root.replaceChildren(h("div.empty", { id: "no-tasks" }, t("no_tasks")));
    return;
  }
  root.replaceChildren(h("h2.screen-title", {}, t("tab_tasks")),
    h("ul.task-list", { id: "task-list" }, tasks.map((task) => taskCard(task, kindTitle, onCheck))));
}

function taskCard(task, kindTitle, onCheck) {
  const data = task.facility.data || {};
  const state = task.local ? "local" : task.state;
  const nearest = (task.nearest || []).slice(0, 3);
  return h("li.card.task", { dataset: { task: task.id, state } },
    h("div.task-head", {},
      h("span.badge", { class: `badge level-${task.emergency.level}` },
        t(`hazard_${task.emergency.hazard}`), " ", t(`level_${task.emergency.level}`)),
      h("strong.task-name", {}, data.name || task.facility.id),
      task.distance_m != null ? h("span.subtle", {}, ` ${formatDistance(task.distance_m)}`) : null),
    h("div.subtle", {}, kindTitle(task.kind), " · ", data.address || "", " · ", task.grid),
    h("div.task-actions", {}, t("task_do"), task.actions.map((a) => t(`action_${a}`)).join("、")),
    data.responsible_person ? h("div.subtle", {}, t("responsible"), `${data.responsible_person} `,
      h("a", { href: `tel:${data.responsible_phone}` }, data.responsible_phone || "")) : null,
    nearest.length ? h("div.subtle.nearest", {}, t("nearest"),
      nearest.map((n) => `${n.name}（${formatDistance(n.distance_m)}）`).join("；")) : null,
    state === "open"
      ? h("button.primary.check", { type: "button", onclick: () => onCheck(task.id) }, t("report_check"))
      : h("div.task-state", {}, state === "local" ? t("check_waiting")
        : t(`check_${task.result || "closed"}`) + (task.evacuated ? ` ${task.evacuated}` : "")));
}

function formatDistance(m) {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}
