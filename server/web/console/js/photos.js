// Photos in the console (issue 17): thumbnails of a photo field's value, the full photo on a click.
// Photos need the bearer token, so they are fetched as Blobs and shown through object URLs.
import { apiBlob } from './api.js';
import { h } from './dom.js';
import { lang } from './i18n.js';

const urls = new Map(); // sha256[:thumb] -> object URL (photos never change)
const WORDS = { pending: ['待上传', 'not uploaded yet'], open: ['查看原图', 'Open the photo'], close: ['关闭', 'Close'] };
const word = (key) => WORDS[key][lang() === 'zh' ? 0 : 1];

document.head.append(h('link', { rel: 'stylesheet', href: new URL('../photos.css', import.meta.url).href }));

async function photoUrl(sha256, thumb) {
  const key = thumb ? `${sha256}:thumb` : sha256;
  if (!urls.has(key)) {
    const path = `/attachments/${sha256}`;
    // The thumbnail is made by a job shortly after the photo arrives: until then, the photo.
    const blob = (thumb && await apiBlob(path, { variant: 'thumb' })) || await apiBlob(path);
    if (!blob) return null; // not arrived yet: ask again next time
    urls.set(key, URL.createObjectURL(blob));
  }
  return urls.get(key);
}

/** Thumbnails of photos [{sha256, …}]; a photo not uploaded yet says so. */
export function photoStrip(photos) {
  return h('div.photo-strip', {}, photos.filter((p) => p && p.sha256).map((photo) => {
    const img = h('img', { alt: '', loading: 'lazy' });
    const tile = h('button.photo-tile', { type: 'button', title: word('open'), dataset: { sha256: photo.sha256 },
      on: { click: () => showPhoto(photo.sha256) } }, img);
    photoUrl(photo.sha256, true).then((url) => {
      if (url) { img.src = url; tile.dataset.state = 'arrived'; } else {
        tile.dataset.state = 'pending';
        tile.append(h('span.photo-pending', {}, word('pending')));
      }
    });
    return tile;
  }));
}

async function showPhoto(sha256) {
  const url = await photoUrl(sha256, false);
  if (!url) return;
  const close = () => overlay.remove();
  const overlay = h('div.photo-overlay', { role: 'dialog', 'aria-modal': 'true', on: { click: close } },
    h('img', { src: url, alt: '' }), h('button.secondary', { type: 'button', on: { click: close } }, word('close')));
  document.body.append(overlay);
}
