// What the event screens share: the event form's category labels, state badges.
import { api } from './api.js';
import { h } from './dom.js';
import { label, t } from './i18n.js';
import { formDefinition } from './forms.js';

let latest = null;

/** The latest event form definition (for category labels), or null when there is none. */
export function eventForm() {
  if (!latest) {
    latest = api('/forms').then((forms) => {
      const found = forms.find((f) => f.kind === 'event');
      return found ? formDefinition(found.id, found.version) : null;
    })
      .catch(() => { latest = null; return null; });
  }
  return latest;
}

/** A category (``env.exposed_garbage``) or its class (``env``) as words. */
export function categoryLabel(form, value) {
  if (!value) return '—';
  const choices = form?.choice_lists?.event_category || [];
  const exact = choices.find((c) => c.value === value);
  if (exact) return label(exact.label);
  const member = choices.find((c) => c.value.startsWith(`${value}.`));
  return member ? label(member.label).split(' · ')[0] : value;
}

export function stateBadge(state) {
  return h(`span.badge.event-${state}`, { dataset: { state } }, t(`event.state.${state}`));
}
