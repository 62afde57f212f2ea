/**
 * Place names for naming services: the local authority of a postcode district (from the OS table),
 * the post town of a postcode area, and well-known neighbourhoods of London districts, so a
 * clinician's search for "Leeds", "Harrogate" or "Camberwell" finds something.
 */

/** "City of Bristol" → "Bristol", "St. Albans" → "St Albans", "County of Herefordshire" → "Herefordshire". */
export function tidyAuthorityName(name: string): string {
  const special: Record<string, string> = {
    'City and County of the City of London': 'City of London',
    'The City of Brighton and Hove': 'Brighton and Hove',
    'County of Herefordshire': 'Herefordshire',
    'City of Westminster': 'Westminster',
  };
  if (special[name]) return special[name];
  return name.replace(/^City of /, '').replace(/\bSt\. /g, 'St ').trim();
}

/** Post towns of the English postcode areas (London areas share "London"). */
export const POST_TOWNS: Record<string, string> = {
  AL: 'St Albans', B: 'Birmingham', BA: 'Bath', BB: 'Blackburn', BD: 'Bradford', BH: 'Bournemouth', BL: 'Bolton',
  BN: 'Brighton', BR: 'Bromley', BS: 'Bristol', CA: 'Carlisle', CB: 'Cambridge', CH: 'Chester', CM: 'Chelmsford',
  CO: 'Colchester', CR: 'Croydon', CT: 'Canterbury', CV: 'Coventry', CW: 'Crewe', DA: 'Dartford', DE: 'Derby',
  DH: 'Durham', DL: 'Darlington', DN: 'Doncaster', DT: 'Dorchester', DY: 'Dudley', E: 'London', EC: 'London',
  EN: 'Enfield', EX: 'Exeter', FY: 'Blackpool', GL: 'Gloucester', GU: 'Guildford', HA: 'Harrow', HD: 'Huddersfield',
  HG: 'Harrogate', HP: 'Hemel Hempstead', HR: 'Hereford', HU: 'Hull', HX: 'Halifax', IG: 'Ilford', IP: 'Ipswich',
  KT: 'Kingston upon Thames', L: 'Liverpool', LA: 'Lancaster', LE: 'Leicester', LN: 'Lincoln', LS: 'Leeds', LU: 'Luton',
  M: 'Manchester', ME: 'Rochester', MK: 'Milton Keynes', N: 'London', NE: 'Newcastle upon Tyne', NG: 'Nottingham',
  NN: 'Northampton', NR: 'Norwich', NW: 'London', OL: 'Oldham', OX: 'Oxford', PE: 'Peterborough', PL: 'Plymouth',
  PO: 'Portsmouth', PR: 'Preston', RG: 'Reading', RH: 'Redhill', RM: 'Romford', S: 'Sheffield', SE: 'London',
  SG: 'Stevenage', SK: 'Stockport', SL: 'Slough', SM: 'Sutton', SN: 'Swindon', SO: 'Southampton', SP: 'Salisbury',
  SR: 'Sunderland', SS: 'Southend-on-Sea', ST: 'Stoke-on-Trent', SW: 'London', SY: 'Shrewsbury', TA: 'Taunton',
  TF: 'Telford', TN: 'Tonbridge', TQ: 'Torquay', TR: 'Truro', TS: 'Middlesbrough', TW: 'Twickenham', UB: 'Southall',
  W: 'London', WA: 'Warrington', WC: 'London', WD: 'Watford', WF: 'Wakefield', WN: 'Wigan', WR: 'Worcester',
  WS: 'Walsall', WV: 'Wolverhampton', YO: 'York',
};

export const LONDON_AREAS = new Set(['E', 'EC', 'N', 'NW', 'SE', 'SW', 'W', 'WC']);

/** The part of London a postcode area names, for trust names ("South London …"). */
export const LONDON_AREA_REGIONS: Record<string, string> = {
  E: 'East London', EC: 'Central London', N: 'North London', NW: 'North West London',
  SE: 'South London', SW: 'South West London', W: 'West London', WC: 'Central London',
};

/** Neighbourhoods that London postcode districts are known by. */
export const LONDON_NEIGHBOURHOODS: Record<string, string> = {
  E1: 'Whitechapel', E2: 'Bethnal Green', E3: 'Bow', E5: 'Clapton', E6: 'East Ham', E7: 'Forest Gate', E8: 'Hackney',
  E9: 'Homerton', E10: 'Leyton', E11: 'Leytonstone', E12: 'Manor Park', E13: 'Plaistow', E14: 'Poplar', E15: 'Stratford',
  E17: 'Walthamstow', N1: 'Islington', N4: 'Finsbury Park', N5: 'Highbury', N7: 'Holloway', N8: 'Hornsey', N9: 'Edmonton',
  N15: 'South Tottenham', N16: 'Stoke Newington', N17: 'Tottenham', N19: 'Archway', N22: 'Wood Green', NW1: 'Camden Town',
  NW3: 'Hampstead', NW5: 'Kentish Town', NW6: 'Kilburn', NW10: 'Willesden', SE1: 'Borough', SE5: 'Camberwell',
  SE6: 'Catford', SE8: 'Deptford', SE10: 'Greenwich', SE11: 'Kennington', SE13: 'Lewisham', SE15: 'Peckham',
  SE16: 'Rotherhithe', SE17: 'Walworth', SE18: 'Woolwich', SE22: 'East Dulwich', SE25: 'South Norwood', SW2: 'Brixton',
  SW4: 'Clapham', SW8: 'Vauxhall', SW9: 'Stockwell', SW11: 'Battersea', SW12: 'Balham', SW16: 'Streatham',
  SW17: 'Tooting', SW18: 'Wandsworth', SW19: 'Wimbledon', W2: 'Paddington', W3: 'Acton', W6: 'Hammersmith',
  W10: 'North Kensington', W12: "Shepherd's Bush", W13: 'West Ealing',
};

/** The letters of a postcode district's area: "SE5" → "SE", "B33" → "B". */
export function areaOf(district: string): string {
  return /^[A-Z]+/.exec(district)?.[0] ?? district;
}
