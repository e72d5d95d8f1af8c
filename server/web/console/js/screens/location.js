// A location conflict on a map: the grid outline(s), the point and its accuracy circle.
import { h, replace } from '../dom.js';
import { errorBox } from '../ui.js';
import { t } from '../i18n.js';
import { anchor, gridMap } from '../map.js';
import { gridFeature, myGrids } from '../data.js';

const LOCATION_KINDS = ['outside_assigned_grid', 'outside_district'];

export function isLocationConflict(detail) {
  return LOCATION_KINDS.includes(detail.kind);
}

/** The map and the facts of the location check. */
export async function locationPanel(detail) {
  const check = detail.location_check || {};
  const codes = [...new Set([detail.grid, check.nearest_assigned_grid, check.covering_grid].filter(Boolean))];
  const [features, context] = await Promise.all([
    Promise.all(codes.map(gridFeature)).then((found) => found.filter(Boolean)), myGrids()]);
  const shown = new Set(features.map((f) => f.id));
  const assigned = features.find((f) => f.id === (check.nearest_assigned_grid || detail.grid));
  const point = detail.incoming?.location;
  const current = detail.current?.location;
  const points = [];
  if (current) points.push({ ...current, className: 'current', title: t('location.current') });
  if (point) points.push({ ...point, accuracy_m: point.accuracy_m || 10, className: 'incoming', title: t('location.incoming') });
  // My other grids are drawn faintly for context; the map frames the grids concerned and the point.
  const mapBox = h('div.map-frame.small');
  gridMap(mapBox, [...context.features.filter((f) => !shown.has(f.id)), ...features], {
    ariaLabel: t('location.map'), fit: features,
    className: (f) => (!shown.has(f.id) ? 'context' : f.id === check.covering_grid ? 'covering'
      : f.id === assigned?.id ? 'assigned' : 'other'),
    lines: point && assigned && check.verdict === 'outside_district'
      ? [{ from: [point.lon, point.lat], to: anchor(assigned), className: 'distance' }] : [],
    title: (f) => `${f.id} ${f.properties.name}`,
    points,
  }).catch((error) => replace(mapBox, errorBox(error)));
  const fact = (key, value) => (value === null || value === undefined || value === '' ? null
    : h('div', {}, h('dt', {}, t(key)), h('dd', {}, value)));
  return h('section.panel.location', { 'aria-label': t('location.title') },
    h('h2', {}, t('location.title')),
    h('div.location-body', {}, mapBox,
      h('dl.facts', {},
        fact('location.verdict', t(`verdict.${check.verdict}`)),
        fact('location.point', point ? `${point.lon.toFixed(6)}, ${point.lat.toFixed(6)}` : null),
        fact('location.accuracy', point?.accuracy_m ? t('metres', { n: point.accuracy_m }) : t('location.accuracy.default')),
        fact('location.distance', check.distance_m !== undefined ? distance(check.distance_m) : null),
        fact('location.tolerance', check.tolerance_m !== undefined ? t('metres', { n: check.tolerance_m }) : null),
        fact('location.assigned', check.nearest_assigned_grid || detail.grid),
        fact('location.covering', check.covering_grid || t('location.no_grid')),
        h('div.legend', {}, h('span.key.assigned', {}), t('location.legend.assigned'),
          h('span.key.covering', {}), t('location.legend.covering'),
          h('span.key.point', {}), t('location.legend.point')))));
}

function distance(metres) {
  return metres >= 1000 ? t('km', { n: (metres / 1000).toFixed(1) }) : t('metres', { n: Math.round(metres) });
}
