// A list that puts in the page only the rows in view (and a few around): 10,186 records cost
// the same as 20. Rows have one fixed height; the list's height stands for all of them.

const OVERSCAN = 6;

/** A windowed list in `list` (a <ul>), scrolled by `scroller`; render(item, index) -> <li>. */
export class VirtualList {
  constructor(list, scroller, { rowHeight, render }) {
    Object.assign(this, { list, scroller, rowHeight, render, items: [], shown: null });
    list.classList.add("virtual");
    this.onScroll = () => {
      if (this.frame) return;
      this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
    };
    scroller.addEventListener("scroll", this.onScroll, { passive: true });
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(scroller);
  }

  /** Show these items (scrolling back to the top when asked). */
  setItems(items, { top = false } = {}) {
    this.items = items;
    this.shown = null;
    this.list.style.height = `${items.length * this.rowHeight}px`;
    if (top) this.scroller.scrollTop = 0;
    this.draw();
  }

  draw() {
    const offset = this.list.offsetTop;
    const view = this.scroller.clientHeight || 740;
    const first = Math.max(0, Math.floor((this.scroller.scrollTop - offset) / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.items.length, first + Math.ceil(view / this.rowHeight) + 2 * OVERSCAN);
    if (this.shown && this.shown[0] === first && this.shown[1] === last) return;
    this.shown = [first, last];
    const rows = [];
    for (let index = first; index < last; index += 1) {
      const row = this.render(this.items[index], index);
      row.style.transform = `translateY(${index * this.rowHeight}px)`;
      rows.push(row);
    }
    this.list.replaceChildren(...rows);
  }

  /** Stop following the scroller. */
  stop() {
    this.scroller.removeEventListener("scroll", this.onScroll);
    this.resize.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
