import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/contract';
import { saveExport, withExtension, type SaveExportRequest } from './export-save';

const REQUEST: SaveExportRequest = {
  exportId: '0190f0f0-0000-7000-8000-000000000001',
  teamId: 'demo-south-night',
  from: '2026-10-24T19:00:00.000Z',
  to: '2026-10-25T08:00:00.000Z',
  format: 'pdf',
  audience: 'handover',
};

function deps(chosen: string | null | Error) {
  const asked: { suggested: string; format: string }[] = [];
  const written: unknown[] = [];
  return {
    asked,
    written,
    chooseFile: async (suggested: string, format: string) => {
      asked.push({ suggested, format });
      if (chosen instanceof Error) throw chosen;
      return chosen;
    },
    exportToPath: async (p: unknown): Promise<Envelope<unknown>> => {
      written.push(p);
      return { ok: true, value: { exportId: REQUEST.exportId, path: (p as { path: string }).path, format: 'pdf', bytes: 10, contacts: 1, desksBehind: 0 } };
    },
  };
}

describe('saving a shift summary file from the desktop app', () => {
  it('suggests the file’s name, and has the core write where the person chose, with the format’s extension', async () => {
    const d = deps('/home/lead/Handover tonight');
    const r = await saveExport(REQUEST, d);
    expect(d.asked).toEqual([{ suggested: 'shift-summary_demo-south-night_2026-10-24T2000_handover.pdf', format: 'pdf' }]);
    expect(d.written).toEqual([{ ...REQUEST, path: '/home/lead/Handover tonight.pdf' }]);
    expect(r).toMatchObject({ ok: true, value: { path: '/home/lead/Handover tonight.pdf' } });
  });

  it('writes nothing when the dialog is cancelled, and says so when it cannot open', async () => {
    const cancelled = deps(null);
    expect(await saveExport(REQUEST, cancelled)).toEqual({ ok: true, value: null });
    expect(cancelled.written).toEqual([]);
    const broken = deps(new Error('no display'));
    expect(await saveExport(REQUEST, broken)).toMatchObject({ ok: false, error: { code: 'export_failed' } });
    expect(broken.written).toEqual([]);
  });

  it('keeps an extension already given, in any case', () => {
    expect(withExtension('/tmp/a.PDF', 'pdf')).toBe('/tmp/a.PDF');
    expect(withExtension('/tmp/a.csv', 'xlsx')).toBe('/tmp/a.csv.xlsx');
  });
});
