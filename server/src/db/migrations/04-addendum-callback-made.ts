import type { Migration } from './migration';

export const m04AddendumCallbackMade: Migration = {
  version: 4,
  name: 'an addendum can record a finalised record’s callback as made',
  sql: `
-- A finalised record never changes, so the callback it asked for is closed by an addendum.
ALTER TABLE call_addendum ADD COLUMN callback_made_at timestamptz;
`,
};
