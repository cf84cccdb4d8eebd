// The admin UI's build: `npx vite build --config service/ui/vite.config.ts` writes service/ui/dist,
// which the service serves at /ui under a CSP without inline scripts or styles.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev:ui`: the page from Vite, the API from a running service (`make start`).
  server: { proxy: { '/api': process.env.FLAGSTONE_URL ?? 'http://127.0.0.1:3000' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP refuses; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs, so the CSP needs no data: source.
    assetsInlineLimit: 0,
  },
});
