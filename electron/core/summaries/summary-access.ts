import { CoreError, type SessionView } from '../../../shared/contract';
import { hasRole } from '../../../shared/domain/people';

/*
 * Who may see a team's shifts on this desk, and from where (DESIGN.md §1, §9): a pure decision on
 * the desk user (SessionView: their id, team and roles from their access token), made before any
 * record is read. The server decides again on everything it sends (GET /v1/summaries/*), so this
 * is what the desk shows and refuses; it can only narrow what the server allows.
 *
 * - A team lead sees their own team, from the team's records this desk has pulled (offline too).
 * - An administrator sees any team of their trust, from the server: an administrator's desk pulls
 *   no team's records, and a summary made from none would look like a quiet shift.
 * - A clinician, nobody, or a lead asking for another team: refused, at the field.
 *
 * The desk user counts whether their session is live or ended by itself (expired, the desk
 * restarted): they are still at the desk and their work is still theirs, as with call records. After
 * a sign-out nobody is.
 */

export type SummarySource = 'team_records' | 'server';

export interface SummaryViewer {
  userId: string;
  displayName: string;
  source: SummarySource;
}

export function summaryAccess(session: SessionView, teamId: string | null): SummaryViewer {
  const user = session.state === 'signed_out' ? null : session.user;
  if (!user) throw new CoreError('not_signed_in', 'Sign in as a team lead to see the shift summaries of your team.');
  if (!hasRole(user, 'team_lead', 'admin')) {
    throw new CoreError('forbidden', 'Shift summaries are for team leads and administrators: you are signed in as a clinician.');
  }
  const base = { userId: user.userId, displayName: user.displayName };
  if (teamId === null) return { ...base, source: hasRole(user, 'team_lead') && user.teamId ? 'team_records' : 'server' };
  if (hasRole(user, 'team_lead') && user.teamId === teamId) return { ...base, source: 'team_records' };
  if (hasRole(user, 'admin')) return { ...base, source: 'server' };
  const message = user.teamId ? 'you can only see the shifts of the team you lead.' : 'your account leads no team.';
  throw new CoreError('forbidden', `teamId: ${message}`, [{ field: 'teamId', message }]);
}
