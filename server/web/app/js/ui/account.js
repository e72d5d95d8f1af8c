// The account sheet behind the top bar's menu button: who is signed in, the grids, the language,
// and signing out. A shared phone changes hands by signing out; unsent items are never dropped:
// they stay on the phone (and no other account may sign in) until they are uploaded.

import { signOut } from "../api.js";
import { getMeta } from "../db.js";
import { t } from "../i18n.js";
import { outboxCounts, syncNow } from "../sync.js";
import { h } from "./dom.js";
import { choose } from "./dialog.js";

/** Open the account sheet; onLanguage() switches the language, onSignedOut(note) after. */
export async function openAccount({ onLanguage, onSignedOut }) {
  const me = (await getMeta("me")) || {};
  const grids = (me.grids || []).map((g) => `${g.code} ${g.name || ""}`.trim());
  const dialog = h("dialog.sheet.account", { "aria-label": t("account") },
    h("h2", {}, me.display_name || me.username || ""),
    h("p.subtle", {}, [me.username, me.role ? t(`role_${me.role}`) : null].filter(Boolean).join(" · ")),
    grids.length ? h("p", {}, `${t("my_grids")}：${grids.join("、")}`) : null,
    h("div.sheet-actions", {},
      h("button.small.lang", { type: "button", onclick: () => { dialog.close(); onLanguage(); } }, t("language")),
      h("button.small.sign-out", { type: "button", onclick: () => { dialog.close(); leave(onSignedOut); } },
        t("sign_out")),
      h("button.small", { type: "button", onclick: () => dialog.close() }, t("close"))));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

async function leave(onSignedOut) {
  let { unsent } = await outboxCounts();
  if (unsent) {
    const choices = [{ label: t("sign_out_anyway"), value: "leave" }, { label: t("cancel"), value: "stay" }];
    if (navigator.onLine) choices.unshift({ label: t("sign_out_sync_first"), value: "sync", primary: true });
    const answer = await choose({ title: t("sign_out"), message: t("sign_out_unsent", { n: unsent }),
      choices, className: "sign-out-warning" });
    if (answer !== "leave" && answer !== "sync") return;
    if (answer === "sync") {
      await syncNow().catch(() => {});
      ({ unsent } = await outboxCounts());
      if (unsent) return leave(onSignedOut); // still not sent: ask again, never drop them
    }
  }
  await signOut();
  onSignedOut(unsent ? t("sign_out_done_unsent", { n: unsent }) : null);
}
