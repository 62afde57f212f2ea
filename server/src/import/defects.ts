/** What happened to the record, or to part of it, because of a defect in the feed. */
export type DefectSeverity = 'skipped' | 'repaired' | 'warning';

/**
 * One problem found in a feed. `skipped`: the record was not published (every skipped record has
 * at least one). `repaired`: the record was published with the value corrected (HTML removed, a
 * position taken from the postcode). `warning`: published, but the value was dropped or is doubtful.
 */
export interface ImportDefect {
  source: string;
  /** The record's id in the feed (not prefixed); null for the feed as a whole or a record without one. */
  recordId: string | null;
  recordName: string | null;
  /** The feed field, e.g. `phones[0].number` or `schedules`; null for the record as a whole. */
  field: string | null;
  severity: DefectSeverity;
  /** A sentence a directory administrator can act on. */
  reason: string;
}

/** The defects of one feed, in the order they were found. */
export class DefectLog {
  readonly defects: ImportDefect[] = [];

  constructor(readonly source: string) {}

  /** A problem with the feed as a whole (not a service feed, an unreadable page or table). */
  feed(field: string | null, severity: DefectSeverity, reason: string): void {
    this.defects.push({ source: this.source, recordId: null, recordName: null, field, severity, reason });
  }

  forRecord(recordId: string | null, recordName: string | null): RecordDefects {
    return new RecordDefects(this, recordId, recordName);
  }
}

/** Defects of one record; the record's id and name are filled in once they have been read. */
export class RecordDefects {
  private repairs = 0;
  private skips = 0;

  constructor(
    private readonly log: DefectLog,
    public recordId: string | null,
    public recordName: string | null,
  ) {}

  private add(field: string | null, severity: DefectSeverity, reason: string): void {
    this.log.defects.push({ source: this.log.source, recordId: this.recordId, recordName: this.recordName, field, severity, reason });
  }

  skip(field: string | null, reason: string): void {
    this.skips++;
    this.add(field, 'skipped', reason);
  }

  repair(field: string | null, reason: string): void {
    this.repairs++;
    this.add(field, 'repaired', reason);
  }

  warn(field: string | null, reason: string): void {
    this.add(field, 'warning', reason);
  }

  get isSkipped(): boolean {
    return this.skips > 0;
  }

  get wasRepaired(): boolean {
    return this.repairs > 0;
  }
}
