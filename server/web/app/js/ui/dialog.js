// A question in a modal <dialog>: the answer is the value of the button pressed (null: closed).

import { h } from "./dom.js";

/** Ask: choose({title?, message, choices: [{label, value, primary?}]}) -> Promise<value | null>. */
export function choose({ title = null, message, choices, className = "" }) {
  return new Promise((resolve) => {
    const dialog = h(`dialog.sheet${className ? "." + className : ""}`, { "aria-label": title || message },
      title ? h("h2", {}, title) : null,
      h("p", {}, message),
      h("div.sheet-actions", {}, choices.map((c) => h(`button.${c.primary ? "primary" : "small"}`, {
        type: "button", dataset: { choice: c.value }, onclick: () => dialog.close(c.value) }, c.label))));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue && dialog.returnValue !== "" ? dialog.returnValue : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
