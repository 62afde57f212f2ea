import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 7: team shift presets; when desks made their changes', () => {
  it('gives every existing team the day and night shifts, and keeps the desk’s time of each change', async () => {
    const { db, close } = await serverDbAt(6);
    try {
      await seedTrust(db);
      await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team2', 't1', 'Nights')");
      expect(await stepUp(db)).toBe(7);
      expect(await db.query('SELECT team_id, id, starts, ends, position FROM team_shift_preset ORDER BY team_id, position')).toEqual([
        { team_id: 'team1', id: 'day', starts: '08:00', ends: '20:00', position: 0 },
        { team_id: 'team1', id: 'night', starts: '20:00', ends: '08:00', position: 1 },
        { team_id: 'team2', id: 'day', starts: '08:00', ends: '20:00', position: 0 },
        { team_id: 'team2', id: 'night', starts: '20:00', ends: '08:00', position: 1 },
      ]);
      await expect(db.query("INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position) VALUES ('team1', 'late', 'Late', '25:00', '08:00', 2)")).rejects.toThrow(/check/i);
      expect(await db.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'applied_mutation' AND column_name = 'desk_time'")).toEqual([{ data_type: 'timestamp with time zone' }]);
    } finally {
      await close();
    }
  });
});
