import { describe, expect, it } from 'vitest';
import { deskUserFromClaims } from './people';

describe('the person an access token names', () => {
  it('is its subject, with the name, trust, team and roles the server reads from the same claims', () => {
    expect(
      deskUserFromClaims({ sub: 'clinician.south', name: 'Demo Clinician', trust_id: 'demo-south', team_id: 'demo-south-day', roles: ['clinician', 'team_lead', 'superuser'] }),
    ).toEqual({ userId: 'clinician.south', displayName: 'Demo Clinician', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician', 'team_lead'] });
  });

  it('reads other claim names (an external provider), nested claims and space-separated roles', () => {
    const names = { trust: 'org', team: 'unit', roles: 'realm_access.roles', name: 'display' };
    expect(deskUserFromClaims({ sub: 'u', display: 'Ada', org: 'RV3', realm_access: { roles: 'admin clinician' } }, names)).toEqual({
      userId: 'u', displayName: 'Ada', trustId: 'RV3', teamId: null, roles: ['clinician', 'admin'],
    });
  });

  it('names nobody without a subject, and never takes more than it should from hostile claims', () => {
    for (const claims of [null, undefined, {}, { sub: '' }, { sub: 42 }, { sub: 'x'.repeat(201) }]) expect(deskUserFromClaims(claims as never)).toBeNull();
    const odd = deskUserFromClaims({ sub: 'u1', name: 'n'.repeat(500), roles: { clinician: true }, trust_id: ['a'], team_id: 7, __proto__: { roles: ['admin'] } });
    expect(odd).toEqual({ userId: 'u1', displayName: 'n'.repeat(200), trustId: null, teamId: null, roles: [] });
  });
});
