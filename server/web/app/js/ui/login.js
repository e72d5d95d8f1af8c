// Sign-in: online once; afterwards the app opens offline from what this phone holds.

import { ApiError, OfflineError, signIn } from "../api.js";
import { clearAll, getMeta, all } from "../db.js";
import { t } from "../i18n.js";
import { deviceId } from "../sync.js";
import { OPEN } from "../records.js";
import { h } from "./dom.js";

/** Render the sign-in screen; onDone(auth) once tokens are stored. */
export function renderLogin(root, { onDone, again = false, username = "" }) {
  const message = h("div.banner", { hidden: !again }, t("sign_in_again"));
  const user = h("input", { id: "username", name: "username", autocomplete: "username",
    autocapitalize: "none", value: username, required: true });
  const password = h("input", { id: "password", name: "password", type: "password",
    autocomplete: "current-password", required: true });
  const button = h("button.primary", { type: "submit" }, t("sign_in"));
  root.replaceChildren(h("form.login", { onsubmit: submit },
    h("div.logo", {}, h("img", { src: "icons/icon-192.png", alt: "", width: 72, height: 72 })),
    h("h1", {}, t("app_name")), message,
    h("label", { for: "username" }, t("username")), user,
    h("label", { for: "password" }, t("password")), password, button,
    h("p.subtle", {}, t("install_hint"))));

  async function submit(event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    try {
      const previous = (await getMeta("me"))?.username;
      const name = user.value.trim();
      if (previous && previous !== name) {
        const unsent = (await all("outbox")).filter((i) => OPEN.has(i.state) || i.state === "rejected");
        if (unsent.length) throw new Error(t("other_user_unsent", { n: unsent.length, user: previous }));
        await clearAll(); // another collector's data does not stay on a shared phone
      }
      const auth = await signIn(name, password.value, await deviceId());
      onDone(auth);
    } catch (error) {
      message.hidden = false;
      message.classList.add("error");
      message.textContent = error instanceof OfflineError ? t("first_sign_in_online")
        : error instanceof ApiError ? t("sign_in_failed") : error.message;
    } finally {
      button.disabled = false;
    }
  }
}
