import { z } from 'zod';

/*
 * The people who use Crisis Desk, as the desk and the server name them. A person's id is their
 * access token's subject (`sub`), the id the server files their records under; roles and team come
 * from the same token, so the desk knows them offline once someone has signed in.
 */

export const ROLES = ['clinician', 'team_lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a change: the person's id and the name to show beside it. */
export const Author = z.object({ userId: z.string().min(1).max(200), displayName: z.string().max(200) });
export type Author = z.infer<typeof Author>;

/** The person signed in on a desk, from their access token's claims. */
export interface DeskUser {
  userId: string;
  displayName: string;
  trustId: string | null;
  teamId: string | null;
  roles: Role[];
}

/** Claim names of an access token (the server's defaults; an external identity provider may use others). */
export interface IdentityClaimNames {
  trust: string;
  team: string;
  roles: string;
  name: string;
}

export const DEFAULT_IDENTITY_CLAIMS: IdentityClaimNames = { trust: 'trust_id', team: 'team_id', roles: 'roles', name: 'name' };

/** A claim by name; dots reach into nested objects (`realm_access.roles`), as the server reads them. */
function claim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The person an access token's claims name, or null when they name nobody (no subject). Roles the
 * product does not know are left out; the server checks the token itself on every request, so
 * this is what the desk shows and files changes under, never what grants access.
 */
export function deskUserFromClaims(claims: Record<string, unknown> | null | undefined, names: IdentityClaimNames = DEFAULT_IDENTITY_CLAIMS): DeskUser | null {
  if (!claims || typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) return null;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : null);
  const rolesClaim = claim(claims, names.roles);
  const values = typeof rolesClaim === 'string' ? rolesClaim.split(' ') : Array.isArray(rolesClaim) ? rolesClaim : [];
  const roles = ROLES.filter((r) => values.includes(r));
  return {
    userId: claims.sub,
    displayName: text(claim(claims, names.name)) ?? claims.sub,
    trustId: text(claim(claims, names.trust)),
    teamId: text(claim(claims, names.team)),
    roles,
  };
}

export const hasRole = (user: Pick<DeskUser, 'roles'> | null | undefined, ...roles: Role[]): boolean => roles.some((r) => user?.roles.includes(r) ?? false);
