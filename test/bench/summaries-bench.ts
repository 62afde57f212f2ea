import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundle } from '../support/bundle';
import { runChild } from './fork-child';
import { median, mib, round } from './stats';

/*
 * Shift summaries on a team lead's desk (DESIGN.md §10): a 12-hour night shift of 500 contacts
 * summarised from a desk.db holding the team's last 30 days (about 15,000 records); and a month of
 * a whole trust, 20,000 contacts in a 31-day range, exported as CSV, XLSX and PDF, each in a fresh
 * process with its memory sampled every 2 ms from just before the export to its end.
 */

interface ChildFigures {
  filled: number;
  fillMs: number;
  records: number;
  ms: number[];
  cpuMs: number[];
  contacts: number;
  bytes: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
  baselineRssBytes: number;
}

const here = import.meta.dirname;
const GEO_DIR = path.resolve(here, '../../data/geo');
const NOW = '2026-10-25T08:10:00.000Z';
// The night the clocks go back: 20:00 BST to 08:00 GMT, 13 hours on the wall clock 12 h → 13 h.
const NIGHT = { from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z' };
const MONTH = { from: '2026-09-24T08:00:00.000Z', to: '2026-10-25T08:00:00.000Z' };

export async function runSummariesBench(opts: { workDir: string; runs: number }) {
  const child = await bundle(path.join(here, 'summaries-child.ts'));
  const keyHex = randomBytes(32).toString('hex');
  const shiftDir = path.join(opts.workDir, 'summaries-shift');
  const trustDir = path.join(opts.workDir, 'summaries-trust');
  const outDir = path.join(opts.workDir, 'summaries-out');
  for (const d of [shiftDir, trustDir, outDir]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  const base = { geoDir: GEO_DIR, keyHex, nowIso: NOW, teamId: 'bench-team' };

  console.log('summaries: a lead’s desk with 30 days of the team (500 contacts in the night measured)…');
  const shiftRuns: ChildFigures[] = [];
  for (let i = 0; i < opts.runs; i++) {
    shiftRuns.push(
      await runChild<ChildFigures>(child, {
        ...base,
        dataDir: shiftDir,
        fill: i === 0 ? [{ ...NIGHT, count: 520, seed: 1 }, { from: '2026-09-25T08:00:00.000Z', to: NIGHT.from, count: 14_500, seed: 2 }] : [],
        task: { kind: 'summary', ...NIGHT, repeats: 20 },
      }),
    );
  }
  console.log('summaries: a month of a trust, 20,000 contacts…');
  const exports: Record<string, ChildFigures[]> = { csv: [], xlsx: [], pdf: [] };
  let first = true;
  for (let i = 0; i < opts.runs; i++) {
    for (const format of ['csv', 'xlsx', 'pdf'] as const) {
      exports[format]!.push(
        await runChild<ChildFigures>(child, {
          ...base,
          dataDir: trustDir,
          fill: first ? [{ ...MONTH, count: 21_000, seed: 3 }] : [],
          task: { kind: 'export', ...MONTH, format, outDir },
        }),
      );
      first = false;
    }
  }
  const firstShift = shiftRuns[0]!;
  const warm = shiftRuns.flatMap((r) => r.ms.slice(1));
  const warmCpu = shiftRuns.flatMap((r) => r.cpuMs.slice(1));
  const exportFigures = (format: string, target: string) => {
    const runs = exports[format]!;
    return {
      contacts: runs[0]!.contacts,
      fileMiB: mib(runs[0]!.bytes),
      runsMs: runs.map((r) => round(r.ms[0]!)),
      medianMs: round(median(runs.map((r) => r.ms[0]!))),
      medianCpuMs: round(median(runs.map((r) => r.cpuMs[0]!))),
      memoryGrowthMiB: { rssPeak: mib(Math.max(...runs.map((r) => r.rssGrowthBytes))), heapPeak: mib(Math.max(...runs.map((r) => r.heapGrowthBytes))) },
      target,
    };
  };
  return {
    evaluatedAt: NOW,
    /** The machine is shared: its 1-minute load average when the part ended (2 cores). */
    loadAverage: round(loadavg()[0]!),
    shift: {
      deskRecords: firstShift.records,
      contacts: firstShift.contacts,
      firstCallMs: shiftRuns.map((r) => round(r.ms[0]!)),
      warmMedianMs: round(median(warm)),
      warmMaxMs: round(Math.max(...warm)),
      warmMedianCpuMs: round(median(warmCpu)),
      target: '≤ 50 ms',
    },
    trustMonth: {
      deskRecords: exports.csv![0]!.records,
      csv: exportFigures('csv', '≤ 1 s'),
      xlsx: exportFigures('xlsx', '≤ 5 s'),
      pdf: exportFigures('pdf', '≤ 3 s'),
      memoryTarget: '≤ 50 MiB growth',
    },
  };
}

export function printSummariesFigures(f: Awaited<ReturnType<typeof runSummariesBench>>): void {
  console.log(`\nShift summaries on a lead's desk (desk.db with ${f.shift.deskRecords.toLocaleString()} team records)`);
  console.log(`  night shift, ${f.shift.contacts} contacts: first call ${f.shift.firstCallMs.join(' / ')} ms, then median ${f.shift.warmMedianMs} ms (max ${f.shift.warmMaxMs}; CPU ${f.shift.warmMedianCpuMs} ms)   target ${f.shift.target}`);
  console.log(`(load average ${f.loadAverage} on 2 cores)`);
  console.log(`Month of a trust (${f.trustMonth.csv.contacts.toLocaleString()} contacts), each export in a fresh process:`);
  for (const k of ['csv', 'xlsx', 'pdf'] as const) {
    const e = f.trustMonth[k];
    console.log(`  ${k.toUpperCase().padEnd(5)} ${String(e.medianMs).padStart(8)} ms median (${e.runsMs.join(' / ')}; CPU ${e.medianCpuMs} ms), ${e.fileMiB} MiB, memory +${e.memoryGrowthMiB.rssPeak} MiB RSS peak (+${e.memoryGrowthMiB.heapPeak} MiB heap)   target ${e.target}, ${f.trustMonth.memoryTarget}`);
  }
}
