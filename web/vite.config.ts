import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
/** Where the dev server sends /api (npm start / api/server.ts listens on 8787 by default). */
const apiTarget = process.env.GRIDPULSE_API_URL ?? 'http://127.0.0.1:8787'

/** Vite root is web/; the build lands in dist/web, which api/server.ts serves. */
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // maplibre-gl and deck.gl are large by nature; a single map chunk is expected.
    chunkSizeWarningLimit: 3000,
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: { '/api': apiTarget },
  },
  preview: {
    proxy: { '/api': apiTarget },
  },
})
