import { ROLES, type Role } from '../../../shared/domain/people';

// One list of roles for the desk and the server (shared/domain/people.ts).
export { ROLES, type Role };

/** Who is calling, from a verified bearer token. Every query is scoped by trustId. */
export interface Principal {
  userId: string;
  trustId: string;
  teamId: string | null;
  roles: Role[];
  displayName: string;
  /** The token's id, for revocation. */
  jti: string | null;
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return roles.some((r) => p.roles.includes(r));
}
