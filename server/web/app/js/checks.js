// Warning check tasks (typhoon, rainstorm): downloaded with every sync and kept on the phone, so
// the list and the check form work offline. A check is an ordinary capture (form
// emergency_check) in the outbox; until the server has it, its task shows as checked here.

import { api } from "./api.js";
import { all, getMeta, setMeta } from "./db.js";
import { distanceM, lastPosition } from "./geo.js";

export const CHECK_FORM = "emergency_check";

/** Fetch my tasks of the warnings in force and keep them. */
export async function downloadChecks() {
  const { body } = await api("/emergencies/tasks");
  await setMeta("warning_checks", { at: new Date().toISOString(), items: body.items });
}

/**
 * My tasks as the phone knows them: each with `local` (the check waiting in the outbox, if
 * any) and `distance_m` from the last position; open ones first, nearest first.
 */
export async function myChecks() {
  const stored = (await getMeta("warning_checks"))?.items || [];
  const checks = (await all("outbox")).filter((i) => i.form === CHECK_FORM && i.state !== "fixed");
  const here = lastPosition();
  const tasks = stored.map((task) => {
    const local = checks.find((i) => i.data.task === task.id) || null;
    const distance = here ? distanceM([here.lon, here.lat], task.geometry.coordinates) : null;
    return { ...task, local, distance_m: distance, todo: task.state === "open" && !local };
  });
  return tasks.sort((a, b) => (b.todo - a.todo) || ((a.distance_m ?? 0) - (b.distance_m ?? 0)));
}

/** One task by id. */
export async function checkOf(id) {
  return (await myChecks()).find((task) => task.id === id) || null;
}
