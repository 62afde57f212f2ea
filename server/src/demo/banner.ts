import { DEMO_PASSWORD, DEMO_TRUSTS, DEMO_USERS } from './seed-users';

/** What a person starting the demo needs: where the server is and who they can sign in as. */
export function demoBanner(url: string): string {
  const teamName = new Map<string, string>(DEMO_TRUSTS.flatMap((t) => t.teams.map((team) => [team.id, team.name] as const)));
  const trustName = new Map<string, string>(DEMO_TRUSTS.map((t) => [t.id, t.name]));
  const rows = DEMO_USERS.map((u) => `  ${u.username.padEnd(18)} ${u.roles.join(' + ').replace(/_/g, ' ').padEnd(22)} ${u.teamId ? teamName.get(u.teamId) : trustName.get(u.trustId)}`);
  return [
    '',
    'Crisis Desk API: demonstration mode (fictional trusts and people)',
    `  Server:   ${url}`,
    `  Sign-in:  ${url}/.well-known/openid-configuration (built-in development identity provider)`,
    `  Password for every demo user: ${DEMO_PASSWORD}`,
    '',
    ...rows,
    '',
  ].join('\n');
}
