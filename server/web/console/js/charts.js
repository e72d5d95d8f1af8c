// Charts with Apache ECharts (vendored under /console/vendor/echarts, loaded on first use: the
// other screens never pay for it). Each chart resizes with its box and is disposed with its screen.
let loaded = null;

function echarts() {
  loaded = loaded || import('/console/vendor/echarts/echarts.esm.min.js');
  return loaded;
}

export const LEVEL_COLOURS = { blue: '#4a90d9', yellow: '#e6b800', orange: '#f08c00', red: '#d62728' };

/** Draw `option` into `box` (an element already in the page); returns a dispose function. */
export async function drawChart(box, option) {
  const lib = await echarts();
  const chart = lib.init(box, null, { renderer: 'svg' });
  chart.setOption({ animation: false, ...option });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(box);
  return () => { observer.disconnect(); chart.dispose(); };
}

/** A list of dispose functions, run together when the screen goes. */
export function disposer() {
  const items = [];
  return { add: (p) => p.then((dispose) => items.push(dispose)), run: () => items.forEach((d) => d()) };
}
