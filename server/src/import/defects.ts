/** What happened to a record, or to part of it, because of a defect in the feed. */
export type DefectSeverity = 'left_out' | 'repaired' | 'warning';

/**
 * One problem found in a record. `left_out`: the record was not published (every left-out record
 * has at least one, and has all of them: reading goes on after the first). `repaired`: published
 * with the value corrected (HTML removed, a position taken from the postcode). `warning`:
 * published, but the value was dropped or is doubtful.
 */
export interface RecordDefect {
  /** The feed field, e.g. `phones[0].number` or `schedules`; null for the record as a whole. */
  field: string | null;
  severity: DefectSeverity;
  /** A sentence a directory lead can act on. */
  reason: string;
}

/**
 * A problem with the feed as a whole rather than one record: a page that could not be read, a
 * table that is not CSV, paging that contradicts itself, a reference to a row that is not there.
 * `partial`: because of it the read is not the whole feed, so nothing may be withdrawn.
 */
export interface FeedProblem {
  /** Where in the feed: `page 3`, `phones.csv row 14, service_id`, `datapackage.json`; null for the feed as a whole. */
  where: string | null;
  reason: string;
  partial: boolean;
}

/** The defects of one record, in the order they were found. */
export class RecordDefects {
  readonly list: RecordDefect[] = [];
  private leftOut = 0;
  private repairs = 0;

  private add(field: string | null, severity: DefectSeverity, reason: string): void {
    this.list.push({ field, severity, reason });
  }

  leaveOut(field: string | null, reason: string): void {
    this.leftOut++;
    this.add(field, 'left_out', reason);
  }

  repair(field: string | null, reason: string): void {
    this.repairs++;
    this.add(field, 'repaired', reason);
  }

  warn(field: string | null, reason: string): void {
    this.add(field, 'warning', reason);
  }

  get isLeftOut(): boolean {
    return this.leftOut > 0;
  }

  get wasRepaired(): boolean {
    return this.repairs > 0;
  }
}

/** Feed-level problems in the order they were found. */
export class FeedProblems {
  readonly list: FeedProblem[] = [];

  /** A problem that makes the read partial: withdrawals are held back. */
  partial(where: string | null, reason: string): void {
    this.list.push({ where, reason, partial: true });
  }

  /** A problem worth telling that does not make the read partial. */
  note(where: string | null, reason: string): void {
    this.list.push({ where, reason, partial: false });
  }

  get isPartial(): boolean {
    return this.list.some((p) => p.partial);
  }
}
