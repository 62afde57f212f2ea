/*
 * The four nations of the United Kingdom, and where a caller from outside England is sent for
 * urgent mental health help. The directory holds services in England (NHS 111 option 2 is the
 * English route); a caller whose postcode is in another nation is told so on the screen, with that
 * nation's own route, and never shown English services as if they were local.
 *
 * The routes were checked against the services' own public descriptions (NHS 24's Mental Health
 * Hub on 111, NHS 111 Wales "press 2", Lifeline in Northern Ireland) in 2025; they belong to
 * other organisations and change: a trust reviews this wording with its clinical safety officer.
 */

export const NATIONS = ['england', 'scotland', 'wales', 'northern_ireland'] as const;
export type Nation = (typeof NATIONS)[number];

export const NATION_NAMES: Record<Nation, string> = {
  england: 'England',
  scotland: 'Scotland',
  wales: 'Wales',
  northern_ireland: 'Northern Ireland',
};

/** The `country` column of the centroid tables (data/geo) as a nation; null when blank or unknown. */
export function nationOfCountry(country: string | undefined): Nation | null {
  switch (country?.trim()) {
    case 'England':
      return 'england';
    case 'Scotland':
      return 'scotland';
    case 'Wales':
      return 'wales';
    case 'Northern Ireland':
      return 'northern_ireland';
    default:
      return null;
  }
}

/** Northern Ireland's postcodes are the BT area, which the Great Britain centroid tables do not hold. */
export function isNorthernIrelandDistrict(district: string): boolean {
  return /^BT\d/.test(district);
}

export interface CrisisRouteContact {
  label: string;
  /** As dialled; absent for a service reached through another number (a GP's out-of-hours line). */
  number?: string;
  note?: string;
}

export interface CrisisRoute {
  /** What to tell the caller, in one or two sentences. */
  summary: string;
  contacts: CrisisRouteContact[];
}

/** Each nation's own route for urgent mental health help (England's is the service this desk runs). */
export const CRISIS_ROUTES: Record<Exclude<Nation, 'england'>, CrisisRoute> = {
  scotland: {
    summary: 'In Scotland, urgent mental health help is NHS 24 on 111: the caller chooses the mental health option to reach its Mental Health Hub, open 24 hours.',
    contacts: [{ label: 'NHS 24', number: '111', note: 'choose the mental health option' }],
  },
  wales: {
    summary: 'In Wales, urgent mental health help is NHS 111 Wales, press 2: it reaches the mental health team of the caller’s own health board, 24 hours, for any age.',
    contacts: [{ label: 'NHS 111 Wales', number: '111', note: 'then press 2 for mental health' }],
  },
  northern_ireland: {
    summary: 'In Northern Ireland, the crisis helpline is Lifeline, free and open 24 hours; for urgent care when the surgery is closed, the caller’s GP out-of-hours service.',
    contacts: [
      { label: 'Lifeline', number: '0808 808 8000', note: 'free, 24 hours; textphone 18001 0808 808 8000' },
      { label: 'GP out of hours', note: 'through the caller’s own GP practice' },
    ],
  },
};

/** In every nation, when life is at risk now. */
export const EMERGENCY_NUMBER = '999';
