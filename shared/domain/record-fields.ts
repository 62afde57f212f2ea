import type { CallRecordContent } from './call-record';

/*
 * What a clinician calls each field of the call record, by its path ('risk.toSelf.notes'; a
 * referral's fields as 'referrals.*.notes'). The one table of field words: the conflicts view, the
 * finalise issues, the save status and the server's reasons all name fields from it.
 */

type Join<P extends string, K extends string> = P extends '' ? K : `${P}.${K}`;

/**
 * Every field of the record by its path: each leaf of the content, a list of plain values as one
 * field, and a list of objects (the referrals) as itself and as each field of an item ('referrals.*.notes').
 */
type FieldPaths<T, P extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends readonly (infer Item)[]
    ? Item extends object
      ? Join<P, K> | FieldPaths<Item, `${Join<P, K>}.*`>
      : Join<P, K>
    : NonNullable<T[K]> extends object
      ? FieldPaths<NonNullable<T[K]>, Join<P, K>>
      : Join<P, K>;
}[keyof T & string];

export type RecordFieldPath = FieldPaths<CallRecordContent>;

export interface FieldWords {
  /** The field named on its own: the conflicts view and the server's reasons. */
  label: string;
  /**
   * Shorter, where a line names the part of the record to go back to (the finalise issues, the
   * save status's fields held back); the label when absent.
   */
  brief?: string;
  /** Under its section's title (the read-only record: "Notes" under "Outcome"); the label when absent. */
  inSection?: string;
}

export type FieldForm = 'full' | 'brief' | 'inSection';

/** Typed by the record itself: a field added to CallRecordContent without its words does not compile. */
export const RECORD_FIELDS: Readonly<Record<RecordFieldPath, FieldWords>> = {
  startedAt: { label: 'Call started' },
  endedAt: { label: 'Call ended' },
  contactRoute: { label: 'How the call came in' },
  'caller.type': { label: 'Who called' },
  'caller.anonymous': { label: 'Caller anonymous', inSection: 'Anonymous' },
  'caller.name': { label: 'Name', brief: 'Caller’s name' },
  'caller.dateOfBirth': { label: 'Date of birth' },
  'caller.ageYears': { label: 'Age' },
  'caller.nhsNumber': { label: 'NHS number' },
  'caller.phone': { label: 'Phone number', inSection: 'Phone' },
  'caller.postcode': { label: 'Postcode' },
  'caller.aboutPerson': { label: 'Who the call is about', inSection: 'About' },
  'presentingNeed.categories': { label: 'What the call is about' },
  'presentingNeed.summary': { label: 'Presenting need: summary', brief: 'Presenting need', inSection: 'Summary' },
  'risk.toSelf.status': { label: 'Risk to self: assessment', brief: 'Risk to self' },
  'risk.toSelf.indicators': { label: 'Risk to self: indicators', brief: 'Risk to self' },
  'risk.toSelf.notes': { label: 'Risk to self: notes' },
  'risk.toOthers.status': { label: 'Risk to others: assessment', brief: 'Risk to others' },
  'risk.toOthers.indicators': { label: 'Risk to others: indicators', brief: 'Risk to others' },
  'risk.toOthers.notes': { label: 'Risk to others: notes' },
  'risk.fromOthers.status': { label: 'Risk from others: assessment', brief: 'Risk from others' },
  'risk.fromOthers.indicators': { label: 'Risk from others: indicators', brief: 'Risk from others' },
  'risk.fromOthers.notes': { label: 'Risk from others: notes' },
  'risk.safeguarding.status': { label: 'Safeguarding: assessment', brief: 'Safeguarding' },
  'risk.safeguarding.childrenConcern': { label: 'Safeguarding: concern about a child' },
  'risk.safeguarding.adultConcern': { label: 'Safeguarding: concern about an adult at risk' },
  'risk.safeguarding.referralMade': { label: 'Safeguarding: referral made' },
  'risk.safeguarding.notes': { label: 'Safeguarding: notes', brief: 'Safeguarding' },
  'risk.immediateDanger': { label: 'Immediate danger to life' },
  'risk.formulation': { label: 'Risk formulation', inSection: 'Formulation' },
  'interventions.items': { label: 'What was done', brief: 'Interventions' },
  'interventions.notes': { label: 'Interventions: notes', inSection: 'Notes' },
  'outcome.code': { label: 'Outcome' },
  'outcome.notes': { label: 'Outcome: notes', inSection: 'Notes' },
  referrals: { label: 'Referrals' },
  'referrals.*.id': { label: 'Referral' },
  'referrals.*.serviceId': { label: 'Referral: service' },
  'referrals.*.serviceName': { label: 'Referral: service name' },
  'referrals.*.serviceType': { label: 'Referral: type of service' },
  'referrals.*.serviceAgeMin': { label: 'Referral: youngest age the service takes' },
  'referrals.*.serviceAgeMax': { label: 'Referral: oldest age the service takes' },
  'referrals.*.method': { label: 'Referral: how' },
  'referrals.*.at': { label: 'Referral: made at' },
  'referrals.*.notes': { label: 'Referral: notes' },
  'callback.required': { label: 'Callback needed' },
  'callback.dueAt': { label: 'Callback due (London time)', brief: 'Callback', inSection: 'Due' },
  'callback.phone': { label: 'Number to call back on', brief: 'Callback', inSection: 'Number' },
  'callback.reason': { label: 'Reason for the callback', inSection: 'Reason' },
  'callback.completedAt': { label: 'Callback made', inSection: 'Made' },
  'consent.informationSharing': { label: 'Consent to share information', brief: 'Consent', inSection: 'Information sharing' },
  'consent.notes': { label: 'Consent: notes', brief: 'Consent', inSection: 'Notes' },
};

const wordsOf = (path: string): FieldWords | undefined => (Object.hasOwn(RECORD_FIELDS, path) ? RECORD_FIELDS[path as RecordFieldPath] : undefined);

/**
 * The words for a field's path ('full': its label; 'brief': the shorter name where the record's
 * part is what matters; 'inSection': under its section's title). A referral's field
 * ('referrals.2.notes') is numbered from 1 ("Referral 3: notes"); a path that is not a field of
 * the record is given back as it is.
 */
export function recordFieldLabel(path: string, form: FieldForm = 'full'): string {
  const referral = /^referrals\.(\d+)\.(\w+)$/.exec(path);
  const words = wordsOf(referral ? `referrals.*.${referral[2]}` : path);
  const text = words ? ((form === 'full' ? undefined : words[form]) ?? words.label) : referral ? referral[2]! : path;
  return referral && words ? text.replace(/^Referral/, `Referral ${Number(referral[1]) + 1}`) : text;
}
