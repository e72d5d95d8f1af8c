// Data several screens share, loaded once per page load: my grids and the forms' field labels.
import { api } from './api.js';
import { formDefinition, fieldLabel } from './forms.js';

let grids = null;
let forms = null;
let basemap = null;

/** How to draw the base map (GET /api/v1/basemap), once per page load. */
export function basemapConfig() {
  if (!basemap) basemap = api('/basemap').catch((error) => { basemap = null; throw error; });
  return basemap;
}

/** The grids I may see, as a FeatureCollection (the browser revalidates with its ETag). */
export function myGrids() {
  if (!grids) grids = api('/grids').catch((error) => { grids = null; throw error; });
  return grids;
}

/** One grid's feature with its exact boundary, or null when I may not see it. */
export async function gridFeature(code) {
  try { return await api(`/grids/${encodeURIComponent(code)}`); } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** The latest definition of every form. */
export function latestForms() {
  if (!forms) {
    forms = api('/forms').then((list) => Promise.all(list.map((f) => formDefinition(f.id, f.version))))
      .catch((error) => { forms = null; throw error; });
  }
  return forms;
}

/** A field's label looked up across the latest forms (for lists that carry only field names). */
export async function anyFieldLabel() {
  const definitions = await latestForms();
  return (name) => {
    const def = definitions.find((d) => d.fields.some((f) => f.name === name));
    return def ? fieldLabel(def, name) : name;
  };
}

/** Forget cached data after a change that affects it. */
export function invalidateGrids() { grids = null; }
