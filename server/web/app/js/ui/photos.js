// Photo fields on screen: take or pick pictures in the form, thumbnails in the record view,
// upload progress (n of m photos, bytes) in the outbox.

import { language } from "../i18n.js";
import { itemProgress, keepPhoto, photoUrl, PhotoError, preparePhoto } from "../photos.js";
import { h } from "./dom.js";

// The styles of photo fields live beside this module, loaded once with it.
document.head.append(h("link", { rel: "stylesheet", href: new URL("../../photos.css", import.meta.url).href }));

const STRINGS = {
  add: ["拍照或选择照片", "Take or choose a photo"],
  remove: ["删除照片", "Remove photo"],
  working: ["正在处理照片…", "Preparing the photo…"],
  not_image: ["无法读取该文件，请选择照片", "This file cannot be read as a picture: choose a photo"],
  too_large: ["照片过大（{size}），服务器上限 {limit}，请重拍或选择较小的照片",
    "The photo is too large ({size}); the server takes at most {limit}. Take it again or choose a smaller one"],
  too_many: ["最多 {n} 张照片", "At most {n} photos"],
  pending: ["待上传", "Not uploaded yet"],
  unavailable: ["照片在服务器上，联网后可查看", "On the server: visible when online"],
  progress: ["照片 {n}/{m} · {sent}/{total}", "Photos {n} of {m} · {sent} of {total}"],
  refused: ["照片被服务器拒收：{reason}", "Photo refused by the server: {reason}"],
};

function say(key, params = {}) {
  const text = STRINGS[key][language() === "zh" ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** Bytes for people: 312 KB, 1.4 MB. */
export function bytes(n) {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

function thumbnail(photo, { onRemove = null, state = null } = {}) {
  const img = h("img", { alt: "", loading: "lazy" });
  const tile = h("figure.photo-tile", { dataset: { sha256: photo.sha256, state: state || "local" } }, img,
    state === "pending" ? h("figcaption", {}, say("pending")) : null,
    onRemove ? h("button.photo-remove", { type: "button", "aria-label": say("remove"), onclick: onRemove }, "×") : null);
  photoUrl(photo.sha256, { thumb: true }).then((url) => {
    if (url) img.src = url;
    else tile.append(h("figcaption", {}, say("unavailable")));
  });
  return tile;
}

/** The control of a photo field for fields.js: {node, read, write}. */
export function photoControl(field, { onChange }) {
  const most = field.max_count ?? 1;
  let photos = [];
  const tiles = h("div.photo-tiles");
  const message = h("div.photo-message", { role: "status" });
  const input = h("input.photo-input", { type: "file", accept: "image/*", capture: "environment",
    id: `f-${field.name}`, multiple: most > 1, onchange: () => take(input.files) });
  const add = h("label.button.small.photo-add", {}, input, say("add"));
  const node = h("div.photo-field", { dataset: { field: field.name } }, tiles, add, message);

  function render() {
    tiles.replaceChildren(...photos.map((photo) => thumbnail(photo, { onRemove: () => {
      photos = photos.filter((p) => p.sha256 !== photo.sha256);
      render();
      onChange();
    } })));
    add.hidden = photos.length >= most;
  }

  async function take(files) {
    message.textContent = say("working");
    const problems = [];
    for (const file of [...files]) {
      if (photos.length >= most) { problems.push(say("too_many", { n: most })); break; }
      try {
        const value = await keepPhoto(await preparePhoto(file));
        if (!photos.some((p) => p.sha256 === value.sha256)) photos.push(value);
      } catch (error) {
        if (!(error instanceof PhotoError)) throw error;
        problems.push(error.code === "too_large"
          ? say("too_large", { size: bytes(error.size), limit: bytes(error.limit) }) : say("not_image"));
      }
    }
    input.value = "";
    message.textContent = problems.join(" ");
    message.classList.toggle("error", problems.length > 0);
    render();
    onChange();
  }

  return { node,
    read: () => (photos.length ? photos.map((p) => ({ ...p })) : undefined),
    write: (value) => { photos = Array.isArray(value) ? value.filter((p) => p && p.sha256) : []; render(); } };
}

/** Thumbnails of a photo field's value in the record view; `states` maps sha256 → pending|arrived. */
export function photoStrip(value, states = new Map()) {
  const photos = Array.isArray(value) ? value.filter((p) => p && p.sha256) : [];
  return h("div.photo-tiles.photo-strip", {}, photos.map((photo) =>
    thumbnail(photo, { state: states.get(photo.sha256) || null })));
}

/** The outbox line of an item with photos: "照片 1/3 · 300 KB/900 KB", or why one was refused. */
export function photoProgressLine(item, kept) {
  const { n, m, sent, total, failed } = itemProgress(item, kept);
  if (!m) return null;
  const text = failed ? say("refused", { reason: failed.detail || failed.status })
    : say("progress", { n, m, sent: bytes(sent), total: bytes(total) });
  return h(`div.photo-progress${failed ? ".error" : n === m ? ".done" : ""}`,
    { dataset: { photos: `${n}/${m}`, item: item.id } }, text);
}
