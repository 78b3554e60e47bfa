/**
 * The filters of issue 17, each served by a btree that leads with project_id and ends with
 * seq, so a page walks its index in seq order and stops after one page:
 * - `*.updated`: the action's last segment (the verb across resources);
 * - `trace_id`, `ip_address`: members of the context, indexed only where present;
 * - `on_behalf_of_id` (and `actor_id` with `include_on_behalf`): the principal an agent
 *   acted for, indexed only for events done on someone's behalf.
 *
 * `search` now also covers the values of `changes` and the context's IP address, user agent
 * and trace id (services/events/search-text.ts): existing rows get the same text appended
 * here. Events are append-only; the owner may update them only with `chronicle.purge` on
 * (migration 0006), set for this statement's transaction and cleared right after it.
 */
/** A jsonpath filter for the leaves the search text holds (search-text.ts, leaves). */
const SCALAR = '@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean"';

const indexes = `
CREATE INDEX events_action_verb ON events (project_id, split_part(action, '.', -1), seq);
CREATE INDEX events_trace_id ON events (project_id, (context->>'trace_id'), seq)
  WHERE context->>'trace_id' IS NOT NULL;
CREATE INDEX events_ip_address ON events (project_id, (context->>'ip_address'), seq)
  WHERE context->>'ip_address' IS NOT NULL;
CREATE INDEX events_on_behalf_of ON events (project_id, (on_behalf_of->>'id'), seq)
  WHERE (on_behalf_of->>'id') IS NOT NULL;
`;

/** Appends the new parts of the search text to the rows recorded before (one statement a line end). */
export const searchTextBackfill = `
SELECT set_config('chronicle.purge', 'on', true);
UPDATE events SET search_text = search_text || ' ' || extra.text
FROM (
  SELECT e.project_id, e.seq, lower(concat_ws(' ',
    (SELECT string_agg(leaf #>> '{}', ' ')
       FROM jsonb_path_query(e.changes, 'strict $.before.** ? (${SCALAR})') AS leaf),
    (SELECT string_agg(leaf #>> '{}', ' ')
       FROM jsonb_path_query(e.changes, 'strict $.after.** ? (${SCALAR})') AS leaf),
    nullif(e.context->>'ip_address', ''),
    nullif(e.context->>'user_agent', ''),
    nullif(e.context->>'trace_id', ''))) AS text
  FROM events AS e
  WHERE e.changes IS NOT NULL OR e.context IS NOT NULL
) AS extra
WHERE events.project_id = extra.project_id AND events.seq = extra.seq AND extra.text <> '';
SELECT set_config('chronicle.purge', 'off', true);
`;

export const queryFilters = `${indexes}${searchTextBackfill}`;
