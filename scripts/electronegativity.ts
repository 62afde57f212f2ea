/*
 * Electronegativity (Doyensec's Electron security scanner) over electron/, failing on any finding
 * of medium severity or above, and on any file it could not parse (a file it cannot read is a file
 * it did not check). The tool itself always exits 0, so this runs it through its API and judges
 * the findings. Unit tests are left out: they hold deliberately weak settings as fixtures.
 *   tsx scripts/electronegativity.ts [--json]
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string; value: number };
  confidence: { name: string; value: number };
  description: string;
  manualReview?: boolean;
}

type Run = (options: Record<string, unknown>) => Promise<{ globalChecks: number; atomicChecks: number; errors: { file: string; message: string; tolerable: boolean }[]; issues: Finding[] }>;

function sourcesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourcesOf(p);
    return /\.(ts|js|mjs|cjs|html)$/.test(name) && !/\.test\.ts$/.test(name) ? [p] : [];
  });
}

export interface ScanResult {
  checks: number;
  files: number;
  findings: Finding[];
  /** Findings of medium or high severity: each one fails the check. */
  failures: Finding[];
  parseErrors: string[];
  /** Findings reviewed and suppressed in the code with the tool's own `eng-disable` comment, with the reason given there. */
  exceptions: string[];
}

/** Scans the given files (electron/ by default, tests left out) as they sit in the repository. */
export async function scanElectron(files: string[] = sourcesOf(path.join(root, 'electron')), base = root): Promise<ScanResult> {
  const stage = mkdtempSync(path.join(tmpdir(), 'crisis-desk-electronegativity-'));
  try {
    const exceptions: string[] = [];
    for (const f of files) {
      cpSync(f, path.join(stage, path.relative(base, f)));
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/eng-disable/.test(line)) exceptions.push(`${path.relative(base, f)}:${i + 1}: ${line.trim()}`);
        });
    }
    // The tool reads the Electron version from a package.json beside the sources.
    cpSync(path.join(root, 'package.json'), path.join(stage, 'package.json'));
    const quiet = console.log;
    console.log = () => {}; // it prints a note when it cannot fetch translations (there is no network here)
    let result: Awaited<ReturnType<Run>>;
    try {
      const run = require('@doyensec/electronegativity') as Run;
      result = await run({ input: stage, isRelative: true, electronVersionOverride: ELECTRON_VERSION, customScan: [], excludeFromScan: [], parserPlugins: [] });
    } finally {
      console.log = quiet;
    }
    const findings = result.issues.map((i) => ({ ...i, file: i.file.replace(/^[\\/]+/, '') }));
    const MEDIUM = 2; // INFORMATIONAL 0, LOW 1, MEDIUM 2, HIGH 3
    return {
      checks: result.globalChecks + result.atomicChecks,
      files: files.length,
      findings,
      failures: findings.filter((f) => f.severity.value >= MEDIUM),
      parseErrors: result.errors.filter((e) => !e.tolerable).map((e) => `${path.relative(stage, e.file)}: ${e.message}`),
      exceptions,
    };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const r = await scanElectron();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  for (const f of r.findings) {
    console.log(`${f.severity.name.padEnd(13)} ${f.confidence.name.padEnd(9)} ${f.id}  ${f.file}:${f.location.line}:${f.location.column}${f.manualReview ? '  (review)' : ''}`);
  }
  for (const e of r.parseErrors) console.log(`PARSE ERROR   ${e}`);
  for (const e of r.exceptions) console.log(`reviewed exception  ${e}`);
  const ok = r.failures.length === 0 && r.parseErrors.length === 0;
  console.log(`electronegativity: ${r.checks} checks over ${r.files} files; ${r.findings.length} findings, ${r.failures.length} of medium or high severity, ${r.parseErrors.length} files unparsed — ${ok ? 'pass' : 'FAIL'}`);
  process.exit(ok ? 0 : 1);
}
