// Building DOM without a framework: h("tag.class", {attributes, on*: handlers}, ...children).

/** An element: h("button.primary", {onclick, type: "button"}, "text", child…). */
export function h(spec, attributes = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

let toastTimer = null;

/** A short message at the bottom of the screen. */
export function toast(text) {
  let box = document.getElementById("toast");
  if (!box) {
    box = h("div.toast", { role: "status", "aria-live": "polite" });
    box.id = "toast";
    document.body.append(box);
  }
  box.textContent = text;
  box.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("shown"), 2600);
}

/** Hide the message at once (when the screen changes). */
export function hideToast() {
  document.getElementById("toast")?.classList.remove("shown");
}
