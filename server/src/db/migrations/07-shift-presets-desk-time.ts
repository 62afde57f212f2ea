import type { Migration } from './migration';

export const m07ShiftPresetsDeskTime: Migration = {
  version: 7,
  name: 'team shift presets; when desks made the changes they sent (offline periods)',
  sql: `
-- A team's shifts as London wall-clock times (shared/lib/shift-presets.ts); an end at or before the
-- start ends the next day. Every team starts with day 08:00-20:00 and night 20:00-08:00.
CREATE TABLE team_shift_preset (
  team_id text NOT NULL REFERENCES team(id),
  id text NOT NULL CHECK (id ~ '^[a-z][a-z0-9_-]{0,39}$'),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
  starts text NOT NULL CHECK (starts ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ends text NOT NULL CHECK (ends ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  position integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text,
  PRIMARY KEY (team_id, id)
);
INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position) SELECT id, 'day', 'Day', '08:00', '20:00', 0 FROM team;
INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position) SELECT id, 'night', 'Night', '20:00', '08:00', 1 FROM team;

-- The desk's clock when it made each change: a change that reached the server long after it was
-- made tells that its desk was offline meanwhile (server/src/summaries/offline-periods.ts).
ALTER TABLE applied_mutation ADD COLUMN desk_time timestamptz;
CREATE INDEX applied_mutation_client_time ON applied_mutation (client_id, applied_at);
`,
};
