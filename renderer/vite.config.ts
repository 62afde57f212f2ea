import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/*
 * The clinician's screen, built to dist/renderer. The browser host and Electron serve it under a
 * strict CSP (script-src 'self'; style-src 'self'): the build must emit no inline script or style,
 * so every stylesheet is a bundled CSS file and the module-preload polyfill (an inline helper) is off.
 *   npm run build:renderer
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: 'public',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
