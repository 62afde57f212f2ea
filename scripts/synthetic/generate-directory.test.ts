import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DirectoryService, STALE_AFTER_DAYS } from '../../shared/domain/directory';
import { SERVICE_TYPES, type ServiceType } from '../../shared/domain/service-types';
import { englandAndWalesCalendar } from '../../shared/lib/bank-holidays';
import { compileSchedule, isOpen, openContextAt } from '../../shared/lib/opening-hours';
import { daysBetween } from './dates';
import { generateDirectory, loadEnglandSectors, type SectorCentroid } from './generate-directory';
import { ENGLAND_BOUNDS } from './geography';
import { TYPE_PROFILES } from './profiles';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
const AS_OF = '2026-11-01';
const N = 3000;

let sectors: SectorCentroid[];
let services: DirectoryService[];

beforeAll(() => {
  sectors = loadEnglandSectors(GEO_DIR);
  services = generateDirectory({ seed: 1, count: N, sectors, asOf: AS_OF });
});

const share = (pred: (s: DirectoryService) => boolean) => services.filter(pred).length / services.length;
const isOvernight = (s: DirectoryService) => s.schedule.weekly.some((w) => w.closes <= w.opens && !(w.opens === '00:00' && w.closes === '24:00'));

describe('generateDirectory: determinism', () => {
  it('gives identical output for the same seed and different output for another seed', () => {
    const a = generateDirectory({ seed: 9, count: 400, sectors });
    const b = generateDirectory({ seed: 9, count: 400, sectors });
    const c = generateDirectory({ seed: 10, count: 400, sectors });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.map((s) => s.name)).not.toEqual(a.map((s) => s.name));
    expect(c.filter((s, i) => JSON.stringify(s) === JSON.stringify(a[i])).length).toBeLessThan(5);
  });

  it('makes a smaller directory the start of a larger one with the same seed', () => {
    const small = generateDirectory({ seed: 1, count: 600, sectors, asOf: AS_OF });
    expect(small).toEqual(services.slice(0, 600));
  });

  it('numbers services svc-000001… and gives each organisation one id, name and address', () => {
    expect(services[0]!.id).toBe('svc-000001');
    expect(services[N - 1]!.id).toBe(`svc-${String(N).padStart(6, '0')}`);
    expect(new Set(services.map((s) => s.id)).size).toBe(N);
    const orgs = new Map<string, string>();
    for (const s of services) {
      expect(s.organisation.id).toMatch(/^org-\d{5}$/);
      const seen = orgs.get(s.organisation.id);
      const key = JSON.stringify(s.organisation);
      if (seen) expect(key).toBe(seen);
      else orgs.set(s.organisation.id, key);
    }
    expect(new Set([...orgs.values()].map((o) => JSON.parse(o).name)).size).toBe(orgs.size);
  });

  it('rejects a count or seed that is not a whole number, and a date that is not one', () => {
    expect(() => generateDirectory({ seed: 1, count: -1, sectors })).toThrow(/count/);
    expect(() => generateDirectory({ seed: 1.5, count: 1, sectors })).toThrow(/seed/);
    expect(() => generateDirectory({ seed: 1, count: 1, sectors, asOf: '2027-13-01' })).toThrow(/asOf/);
  });
});

describe('generateDirectory: every service is valid', () => {
  it('passes DirectoryService.parse unchanged', () => {
    for (const s of services) expect(DirectoryService.parse(s)).toEqual(s);
  });

  it('has no undefined values, so NDJSON and directory.db round-trip exactly', () => {
    for (const s of services) expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
  });

  it('can be found by place: a site, a coverage area or national coverage', () => {
    for (const s of services) expect(s.locations.length > 0 || s.coverage.postcodes.length > 0 || s.coverage.national).toBe(true);
  });

  it('lists coverage districts sorted and without repeats', () => {
    for (const s of services) {
      const codes = s.coverage.postcodes;
      expect(codes).toEqual([...new Set(codes)].sort());
    }
  });

  it('places every site inside England', () => {
    for (const s of services) {
      for (const l of s.locations) {
        expect(l.lat).toBeGreaterThan(ENGLAND_BOUNDS.minLat);
        expect(l.lat).toBeLessThan(ENGLAND_BOUNDS.maxLat);
        expect(l.lon).toBeGreaterThan(ENGLAND_BOUNDS.minLon);
        expect(l.lon).toBeLessThan(ENGLAND_BOUNDS.maxLon);
        expect(l.postcode).toMatch(/^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/);
      }
    }
  });

  it('uses only Ofcom drama-range numbers, so no real line is ever rung', () => {
    const drama = /^(020 7946 0\d{3}|01\d{2} 49[68] 0\d{3}|01632 960\d{3}|07700 900\d{3}|0808 157 0\d{3}|0306 999 0\d{3})$/;
    for (const s of services) {
      expect(s.phones.length).toBeGreaterThan(0);
      for (const p of s.phones) expect(p.number).toMatch(drama);
    }
  });

  it('uses only .example web and email addresses', () => {
    for (const s of services) {
      for (const address of [s.url, s.email, s.organisation.url]) if (address) expect(address).toMatch(/\.example(\/|$)/);
    }
  });
});

describe('generateDirectory: a realistic mix', () => {
  it('has every type, each near its intended share', () => {
    const counts = new Map<ServiceType, number>();
    for (const s of services) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...SERVICE_TYPES].sort());
    for (const p of TYPE_PROFILES) {
      const expected = (p.share / 100) * N;
      expect(counts.get(p.type), p.type).toBeGreaterThan(expected * 0.6);
      expect(counts.get(p.type), p.type).toBeLessThan(expected * 1.4 + 15);
    }
  });

  it('has a few national services, and local ones cover districts', () => {
    const national = services.filter((s) => s.coverage.national);
    expect(national.length).toBeGreaterThanOrEqual(3);
    expect(national.length).toBeLessThan(20);
    expect(national.some((s) => s.type === 'text_support')).toBe(true);
    expect(share((s) => s.type === 'crisis_helpline' && s.coverage.postcodes.length >= 5)).toBeGreaterThan(0.05);
  });

  it('has 24/7 services, overnight hours, split sessions and evening-only cafés', () => {
    expect(share((s) => s.schedule.alwaysOpen)).toBeGreaterThan(0.15);
    expect(share(isOvernight)).toBeGreaterThan(0.03);
    for (const s of services.filter((x) => x.type === 'sanctuary')) expect(isOvernight(s) || s.schedule.weekly.every((w) => w.opens >= '18:00')).toBe(true);
    const lunchBreak = (s: DirectoryService) => s.schedule.weekly.some((w) => w.closes === '12:30') && s.schedule.weekly.some((w) => w.opens === '13:30');
    expect(share((s) => s.type === 'talking_therapies' && lunchBreak(s))).toBeGreaterThan(0.03);
    for (const s of services.filter((x) => x.type === 'crisis_cafe')) for (const w of s.schedule.weekly) expect(w.opens >= '12:00').toBe(true);
  });

  it('is open at different times: cafés in the evening, sanctuaries at night, therapies in office hours', () => {
    const calendar = englandAndWalesCalendar();
    const openAt = (iso: string, type: ServiceType) => {
      const ctx = openContextAt(new Date(iso), calendar);
      const ofType = services.filter((s) => s.type === type && s.status === 'active');
      return ofType.filter((s) => isOpen(compileSchedule(s.schedule), ctx)).length / ofType.length;
    };
    const wednesdayEvening = '2026-11-25T20:30:00Z';
    const wednesdayNight = '2026-11-26T01:00:00Z';
    const wednesdayMorning = '2026-11-25T10:00:00Z';
    expect(openAt(wednesdayEvening, 'crisis_cafe')).toBeGreaterThan(0.4);
    expect(openAt(wednesdayMorning, 'crisis_cafe')).toBe(0);
    expect(openAt(wednesdayNight, 'sanctuary')).toBeGreaterThan(0.4);
    expect(openAt(wednesdayMorning, 'talking_therapies')).toBeGreaterThan(0.9);
    expect(openAt(wednesdayNight, 'talking_therapies')).toBe(0);
    expect(openAt(wednesdayNight, 'crisis_resolution_home_treatment')).toBe(1);
  });

  it('has bank-holiday rules and dated exceptions', () => {
    expect(share((s) => s.schedule.bankHolidays === 'closed')).toBeGreaterThan(0.1);
    expect(share((s) => Array.isArray(s.schedule.bankHolidays))).toBeGreaterThan(0.01);
    expect(share((s) => s.schedule.exceptions.some((e) => /Christmas/.test(e.note ?? '')))).toBeGreaterThan(0.03);
    expect(share((s) => s.schedule.exceptions.some((e) => /refurbishment|training|premises|building/.test(e.note ?? '')))).toBeGreaterThan(0.005);
  });

  it('has some services temporarily closed (with an alert) and a few defunct', () => {
    const closed = services.filter((s) => s.status === 'temporarily_closed');
    expect(closed.length / N).toBeGreaterThan(0.015);
    expect(closed.length / N).toBeLessThan(0.05);
    for (const s of closed) expect(s.alert).toMatch(/\S/);
    expect(share((s) => s.status === 'defunct')).toBeGreaterThan(0.003);
    expect(share((s) => s.status === 'defunct')).toBeLessThan(0.02);
  });

  it('has about 10% not verified for over a year and a few never verified', () => {
    const stale = share((s) => s.lastVerified !== null && daysBetween(s.lastVerified, AS_OF) > STALE_AFTER_DAYS);
    expect(stale).toBeGreaterThan(0.07);
    expect(stale).toBeLessThan(0.14);
    const never = share((s) => s.lastVerified === null);
    expect(never).toBeGreaterThan(0.005);
    expect(never).toBeLessThan(0.04);
    for (const s of services) if (s.lastVerified) expect(s.lastVerified <= AS_OF).toBe(true);
  });

  it('sets age limits by type', () => {
    for (const s of services.filter((x) => x.type === 'cyp_crisis')) expect([17, 18]).toContain(s.ageMax);
    for (const s of services.filter((x) => x.type === 'talking_therapies')) expect([16, 18]).toContain(s.ageMin);
    expect(share((s) => s.ageMin === null && s.ageMax === null)).toBeGreaterThan(0.1);
  });

  it('gives professional-only services no self-referral and several phones to many services', () => {
    for (const s of services.filter((x) => ['crisis_house', 'street_triage', 'liaison_psychiatry'].includes(x.type))) {
      expect(s.referral.routes).not.toContain('self');
      expect(s.phones.some((p) => p.type === 'professionals')).toBe(true);
    }
    expect(share((s) => s.phones.length >= 2)).toBeGreaterThan(0.25);
    for (const type of ['public', 'professionals', 'text', 'out_of_hours'] as const) expect(share((s) => s.phones.some((p) => p.type === type))).toBeGreaterThan(0.01);
    for (const s of services) expect(s.referral.how.length).toBeGreaterThan(10);
  });

  it('names services after real places, with words clinicians search for', () => {
    const names = services.map((s) => s.name).join('\n');
    for (const word of ['Crisis Café', 'Safe Haven', 'Sanctuary', 'Crisis House', 'Home Treatment', 'Talking Therapies', 'Leeds', 'Birmingham', 'Manchester']) {
      expect(names).toContain(word);
    }
    expect(services.some((s) => / NHS (Foundation )?Trust$/.test(s.organisation.name))).toBe(true);
    expect(services.some((s) => /Minds?\b/.test(s.organisation.name))).toBe(true);
    for (const s of services) expect(s.keywords.length).toBeGreaterThan(1);
  });
});
