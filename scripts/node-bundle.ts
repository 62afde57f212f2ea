/*
 * How a Node program of the desk is bundled: the core (dist/desktop/core.mjs, scripts/build-desktop.ts)
 * and, the same way, the browser host and the benchmark and fault-test children (test/support/bundle.ts),
 * so that what is measured is what ships. One ESM file, the native SQLite module left outside.
 */
import { isBuiltin } from 'node:module';
import type { BuildOptions, Plugin } from 'esbuild';

/** Aliased: a bundled package (pdfkit) imports createRequire itself, and two imports of one name do not link. */
export const REQUIRE_BANNER = { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" };

/**
 * Node's built-in modules reached through `require` instead of `import`. An ESM import of a built-in
 * makes Node build a facade of every export, reading each lazy getter: `node:http`'s WebSocket,
 * CloseEvent and MessageEvent load the whole of undici (fetch) to do so, 50–60 ms of a desk's start
 * (measured, Node 22.23) for a fetch the browser host never makes. `require` hands back the module
 * as it is and leaves the getters unread.
 */
export const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) =>
      (args.kind === 'import-statement' || args.kind === 'dynamic-import') && isBuiltin(args.path) ? { path: args.path, namespace: 'node-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

export const NODE_BUNDLE: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['better-sqlite3-multiple-ciphers'],
  banner: REQUIRE_BANNER,
  plugins: [builtinsThroughRequire],
  // V8 keeps a script's whole source in memory for as long as the process runs. Unminified, the
  // core's was 5.8 MB, and a single "—" in a package's comment made V8 hold all of it as two-byte
  // text: 10.6 MiB of the core's heap. Without whitespace and comments it is 3.4 MB of ASCII
  // (3.3 MiB held), parsed sooner. Names are kept, so that a logged stack still says where.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
};
