import { describe, expect, it } from 'vitest';
import { DESK_SCHEMA_VERSION } from './index';
import { deskDbAt, schemaOf, snapshotOf, stepUp } from './steps-for-tests';

/*
 * The steps build exactly the schema their snapshot holds, table by table and trigger by trigger
 * (text included): a step edited after release, or a step that builds something else on a fresh
 * desk than on an upgraded one, fails here. v6.sql was dumped from the steps as they were before
 * they were split into files, so the split changed nothing.
 */
describe('desk.db schema', () => {
  it.each([6, 7, DESK_SCHEMA_VERSION])('built by steps 1 to %i is its snapshot', (version) => {
    const db = deskDbAt(version);
    expect(schemaOf(db)).toBe(snapshotOf(version));
    db.close();
  });

  it('is the same built one release at a time (each step in its own transaction) as in one go', () => {
    const inOneGo = deskDbAt(DESK_SCHEMA_VERSION);
    const stepwise = deskDbAt(0);
    for (let v = 1; v <= DESK_SCHEMA_VERSION; v++) expect(stepUp(stepwise)).toBe(v);
    expect(schemaOf(stepwise)).toBe(schemaOf(inOneGo));
    inOneGo.close();
    stepwise.close();
  });
});
