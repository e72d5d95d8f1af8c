// Sign-in: online once; afterwards the app opens offline from what this phone holds.
// The app is for collectors: other roles are told where to go (the console) and signed out
// before anything is downloaded or anything of this phone is cleared.

import { api, ApiError, OfflineError, signIn, signOut } from "../api.js";
import { clearAll, getMeta, all, setMeta } from "../db.js";
import { t } from "../i18n.js";
import { deviceId } from "../sync.js";
import { OPEN } from "../records.js";
import { h } from "./dom.js";

const CONSOLE = "/console/";

/** The message for an account of another role, with a link to the console. */
export function notForRole(role) {
  return [t("not_for_role", { role: t(`role_${role}`) }), " ", h("a", { href: CONSOLE }, CONSOLE)];
}

/** Render the sign-in screen; onDone(auth) once tokens are stored and the role is a collector's. */
export function renderLogin(root, { onDone, again = false, note = null, refusedRole = null, username = "" }) {
  const message = h("div.banner", { hidden: !again && !note && !refusedRole, role: "status" },
    refusedRole ? notForRole(refusedRole) : note || t("sign_in_again"));
  if (refusedRole) message.classList.add("error");
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

  function show(content) {
    message.hidden = false;
    message.classList.add("error");
    message.replaceChildren(...[content].flat());
  }

  async function submit(event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    try {
      const name = user.value.trim();
      const device = await deviceId();
      const auth = await signIn(name, password.value, device);
      const { body: me } = await api("/me");
      if (me.role !== "collector") {
        await signOut();
        return show(notForRole(me.role));
      }
      const previous = (await getMeta("me"))?.username;
      if (previous && previous !== name) {
        const unsent = (await all("outbox")).filter((i) => OPEN.has(i.state) || i.state === "rejected");
        if (unsent.length) {
          await signOut();
          return show(t("other_user_unsent", { n: unsent.length, user: previous }));
        }
        await clearAll(); // another collector's data does not stay on a shared phone
        await setMeta("device_id", device); // the phone stays the same phone
        await setMeta("auth", auth);
      }
      await setMeta("me", me);
      onDone(auth);
    } catch (error) {
      show(error instanceof OfflineError ? t("first_sign_in_online")
        : error instanceof ApiError ? t("sign_in_failed") : error.message);
    } finally {
      button.disabled = false;
    }
  }
}
