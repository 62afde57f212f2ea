import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'crisis/layers').map((m) => m.message);
}

describe('layer rule (DESIGN.md §2)', () => {
  const cases: [string, string, string, boolean][] = [
    ['shared may not import node:', 'shared/lib/x.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;", false],
    ['shared may not import a Node-only package', 'shared/lib/x.ts', "import Database from 'better-sqlite3-multiple-ciphers';\nvoid Database;", false],
    ['shared may not import the core', 'shared/lib/x.ts', "import { Core } from '../../electron/core/core';\nvoid Core;", false],
    ['shared may use zod', 'shared/lib/x.ts', "import { z } from 'zod';\nvoid z;", true],
    ['shared unit tests may use vitest and fast-check', 'shared/lib/x.test.ts', "import { it } from 'vitest';\nimport fc from 'fast-check';\nvoid it; void fc;", true],
    ['shared code may not use test tooling', 'shared/lib/x.ts', "import fc from 'fast-check';\nvoid fc;", false],
    ['shared unit tests may use Node (9ddc8b0), shared code still may not', 'shared/lib/x.test.ts', "import fs from 'node:fs';\nvoid fs;", true],
    ['renderer may not import the core', 'renderer/src/app/x.ts', "import { Core } from '../../../electron/core/core';\nvoid Core;", false],
    ['renderer may not import node built-ins', 'renderer/src/app/x.ts', "import fs from 'fs';\nvoid fs;", false],
    ['renderer may not import electron', 'renderer/src/app/x.ts', "import { ipcRenderer } from 'electron';\nvoid ipcRenderer;", false],
    ['renderer may import shared', 'renderer/src/app/x.ts', "import { METHODS } from '../../../shared/contract';\nvoid METHODS;", true],
    ['core may not import electron', 'electron/core/x.ts', "import { app } from 'electron';\nvoid app;", false],
    ['core may use SQLite and node:', 'electron/core/x.ts', "import Database from 'better-sqlite3-multiple-ciphers';\nimport fs from 'node:fs';\nvoid Database; void fs;", true],
    ['main may not import core modules', 'electron/main/x.ts', "import { Core } from '../core/core';\nvoid Core;", false],
    ['main may not run SQL', 'electron/main/x.ts', "import Database from 'better-sqlite3-multiple-ciphers';\nvoid Database;", false],
    ['main may import electron', 'electron/main/x.ts', "import { app } from 'electron';\nvoid app;", true],
    ['preload may use contextBridge', 'electron/preload/x.ts', "import { contextBridge, ipcRenderer } from 'electron';\nvoid contextBridge; void ipcRenderer;", true],
    ['preload may not use main APIs', 'electron/preload/x.ts', "import { shell } from 'electron';\nvoid shell;", false],
    ['preload may not import node:', 'electron/preload/x.ts', "import fs from 'node:fs';\nvoid fs;", false],
    ['host may import the core', 'electron/host/x.ts', "import { Core } from '../core/core';\nvoid Core;", true],
    ['host may not import electron', 'electron/host/x.ts', "import { app } from 'electron';\nvoid app;", false],
    ['server may not import the core', 'server/src/x.ts', "import { Core } from '../../electron/core/core';\nvoid Core;", false],
    ['server may not import the renderer', 'server/src/x.ts', "import x from '../../renderer/src/x';\nvoid x;", false],
    ['the core may use the export layer', 'electron/core/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", true],
    ['the server may use the export layer', 'server/src/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", true],
    ['the host may use the export layer', 'electron/host/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", true],
    ['export may use shared, node: and the file libraries', 'export/x.ts', "import { z } from 'zod';\nimport fs from 'node:fs';\nimport PDFDocument from 'pdfkit';\nimport ExcelJS from 'exceljs';\nvoid z; void fs; void PDFDocument; void ExcelJS;", true],
    ['export may not import the core', 'export/x.ts', "import { Core } from '../electron/core/core';\nvoid Core;", false],
    ['export may not import the server', 'export/x.ts', "import { buildServer } from '../server/src/app';\nvoid buildServer;", false],
    ['export may not query a database', 'export/x.ts', "import pg from 'pg';\nvoid pg;", false],
    ['the renderer may not import the export layer', 'renderer/src/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", false],
    ['shared may not import the export layer', 'shared/lib/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", false],
    ['main may not import the export layer', 'electron/main/x.ts', "import { writeShiftExport } from '../../export/shift-export';\nvoid writeShiftExport;", false],
    ['a dynamic import is checked too', 'renderer/src/x.ts', "void import('node:fs');", false],
    ['re-exports are checked too', 'shared/x.ts', "export * from '../electron/core/core';", false],
    ['main may use the shared Node code', 'electron/main/x.ts', "import { writeFileDurably } from '../node/durable-file';\nvoid writeFileDurably;", true],
    ['the core may use the shared Node code', 'electron/core/x.ts', "import { writeFileDurably } from '../node/durable-file';\nvoid writeFileDurably;", true],
    ['the host may use the shared Node code', 'electron/host/x.ts', "import { resolveInside } from '../node/resolve-inside';\nvoid resolveInside;", true],
    ['the server may use the shared Node code', 'server/src/auth/x.ts', "import { hashSecret } from '../../../electron/node/scrypt-hash';\nvoid hashSecret;", true],
    ['the server may not import main', 'server/src/auth/x.ts', "import { PasscodeFile } from '../../../electron/main/passcode';\nvoid PasscodeFile;", false],
    ['the shared Node code may use shared and node:', 'electron/node/x.ts', "import { z } from 'zod';\nimport fs from 'node:fs';\nimport { METHODS } from '../../shared/contract';\nvoid z; void fs; void METHODS;", true],
    ['the shared Node code may not import main', 'electron/node/x.ts', "import { main } from '../main/main';\nvoid main;", false],
    ['the shared Node code may not import the core', 'electron/node/x.ts', "import { Core } from '../core/core';\nvoid Core;", false],
    ['the shared Node code may not import the host', 'electron/node/x.ts', "import { serveFile } from '../host/static-files';\nvoid serveFile;", false],
    ['the shared Node code may not import electron', 'electron/node/x.ts', "import { app } from 'electron';\nvoid app;", false],
    ['the shared Node code may not run SQL (main uses it)', 'electron/node/x.ts', "import Database from 'better-sqlite3-multiple-ciphers';\nvoid Database;", false],
    ['the renderer may not import the shared Node code', 'renderer/src/x.ts', "import { resolveInside } from '../../electron/node/resolve-inside';\nvoid resolveInside;", false],
    ['preload may not import the shared Node code', 'electron/preload/x.ts', "import { resolveInside } from '../node/resolve-inside';\nvoid resolveInside;", false],
    ['shared may not import the shared Node code', 'shared/lib/x.ts', "import { resolveInside } from '../../electron/node/resolve-inside';\nvoid resolveInside;", false],
    ['shared may not use a package off its list (@noble/hashes is unused)', 'shared/lib/x.ts', "import { sha256 } from '@noble/hashes/sha256';\nvoid sha256;", false],
  ];

  it.each(cases)('%s', async (_name, file, code, allowed) => {
    const errors = await layerErrors(file, code);
    if (allowed) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
  });

});
