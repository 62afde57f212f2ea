// ESLint rule enforcing the layer table of DESIGN.md §2: which folder may import what.
import { builtinModules } from 'node:module';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Folders that are layers, most specific first. */
const LAYERS = [
  ['electron/preload/', 'preload'],
  ['electron/main/', 'main'],
  ['electron/core/', 'core'],
  ['electron/host/', 'host'],
  ['electron/node/', 'node'],
  ['shared/', 'shared'],
  ['export/', 'export'],
  ['renderer/', 'renderer'],
  ['server/', 'server'],
];

/** Pure libraries that shared/ may use: they run unchanged in Node, the browser and Electron. */
const SHARED_PACKAGES = new Set(['zod', 'luxon', 'canonicalize', 'postcode', 'uuid', 'csv-parse']);

/** Test tooling that unit tests beside the code (`x.test.ts`) may use in any layer; never the code itself. */
const TEST_PACKAGES = new Set(['vitest', 'fast-check']);

/** Packages that only make sense in a Node process; the renderer and preload must never see them. */
const NODE_ONLY_PACKAGES = new Set([
  'better-sqlite3-multiple-ciphers', 'pg', 'fastify', '@electric-sql/pglite', 'ws', 'pino', 'undici',
]);

/** Electron APIs the preload script may touch (renderer side only). */
const PRELOAD_ELECTRON_NAMES = new Set(['contextBridge', 'ipcRenderer']);

const builtins = new Set(builtinModules);

export function layerOf(file) {
  const rel = path.relative(repoRoot, path.resolve(file)).split(path.sep).join('/');
  if (rel.startsWith('..')) return null;
  for (const [prefix, layer] of LAYERS) if (rel.startsWith(prefix)) return layer;
  return null;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What an import specifier points at: a layer, 'node', 'electron', 'outside' or a package. */
function targetOf(spec, fromFile) {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const resolved = path.resolve(path.dirname(fromFile), spec);
    return { kind: 'layer', layer: layerOf(resolved) ?? 'outside' };
  }
  if (spec.startsWith('node:') || builtins.has(packageName(spec))) return { kind: 'node' };
  const name = packageName(spec);
  if (name === 'electron') return { kind: 'electron' };
  return { kind: 'package', name };
}

const LAYER_IMPORTS = {
  shared: ['shared'],
  renderer: ['shared'],
  preload: ['shared'],
  main: ['shared', 'node'],
  core: ['shared', 'core', 'export', 'node'],
  host: ['shared', 'core', 'host', 'export', 'node'],
  // The server is a Node process too: it shares the one copy of the Node helpers (the scrypt hash).
  server: ['shared', 'server', 'export', 'node'],
  // The shift summary files (CSV, XLSX, PDF): Node code the desk's core and the server both run,
  // so the same data gives the same bytes from either. It knows neither of them.
  export: ['shared'],
  // Node code more than one Node process runs (main, host, core, the server; scripts too): one copy
  // of each thing, such as the durable file write, the served-path check, the scrypt hash and the
  // desk's OIDC client. It knows none of them.
  node: ['shared'],
};

/** Returns a message when `layer` may not import `target`, otherwise null. */
function violation(layer, target, importedNames) {
  switch (target.kind) {
    case 'layer': {
      const allowed = [...LAYER_IMPORTS[layer], layer];
      if (allowed.includes(target.layer)) return null;
      return target.layer === 'outside'
        ? `${layer}/ may not import files outside the product layers`
        : `${layer}/ may not import from ${target.layer}/ (DESIGN.md §2)`;
    }
    case 'node':
      return ['main', 'core', 'host', 'server', 'export', 'node'].includes(layer) ? null : `${layer}/ may not import Node built-ins`;
    case 'electron':
      if (layer === 'main') return null;
      if (layer === 'preload') {
        const bad = importedNames.filter((n) => !PRELOAD_ELECTRON_NAMES.has(n));
        if (importedNames.length === 0) return 'preload may only import named renderer APIs from electron';
        return bad.length ? `preload may only use ${[...PRELOAD_ELECTRON_NAMES].join(', ')} from electron, not ${bad.join(', ')}` : null;
      }
      return `${layer}/ may not import electron`;
    case 'package':
      if (layer === 'shared') return SHARED_PACKAGES.has(target.name) ? null : `shared/ may only use pure libraries (${[...SHARED_PACKAGES].join(', ')}), not ${target.name}`;
      if ((layer === 'renderer' || layer === 'preload') && NODE_ONLY_PACKAGES.has(target.name)) return `${layer}/ may not import the Node-only package ${target.name}`;
      if (layer === 'export' && NODE_ONLY_PACKAGES.has(target.name)) return `export/ writes files from what it is given: no database or server package (${target.name})`;
      if (layer === 'main' && target.name === 'better-sqlite3-multiple-ciphers') return 'main/ does no SQL: the core owns the databases';
      if (layer === 'node' && target.name === 'better-sqlite3-multiple-ciphers') return 'electron/node/ is shared with main/, which does no SQL: the core owns the databases';
      return null;
    default:
      return null;
  }
}

function importedNamesOf(node) {
  if (node.type !== 'ImportDeclaration') return [];
  return node.specifiers.map((s) => (s.type === 'ImportSpecifier' ? (s.imported.name ?? s.imported.value) : s.type === 'ImportDefaultSpecifier' ? 'default' : '*'));
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import rules between layers (DESIGN.md §2)' },
    schema: [],
    messages: { layer: '{{message}}' },
  },
  create(context) {
    const file = context.filename;
    const layer = layerOf(file);
    if (!layer) return {};
    const isTest = /\.test\.[cm]?[jt]sx?$/.test(file);
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = targetOf(source.value, file);
      // Tests beside the code may use test tooling, Node and the shared test support in test/.
      if (isTest && ((target.kind === 'package' && TEST_PACKAGES.has(target.name)) || target.kind === 'node' || (target.kind === 'layer' && target.layer === 'outside'))) return;
      const message = violation(layer, target, importedNamesOf(node));
      if (message) context.report({ node: source, messageId: 'layer', data: { message } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0]);
      },
    };
  },
};

export default { rules: { layers: layersRule } };
