#!/usr/bin/env node
// Build the web app into dist/web unless the build there is newer than every file under web/
// (and the API and generator code it takes types and lists from). `--force` always builds.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

const root = join(import.meta.dirname, '..')
const marker = join(root, 'dist', 'web', 'index.html')

function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/** Build dist/web when it is missing or older than its sources; returns false if the build failed. */
export function ensureWebBuild({ force = false } = {}) {
  const sources = ['web', 'geo-data/generate', 'api'].map((d) => join(root, d)).filter(existsSync)
  const stale =
    !existsSync(marker) ||
    Math.max(...sources.map(newest), statSync(join(root, 'package-lock.json')).mtimeMs) > statSync(marker).mtimeMs
  if (!stale && !force) return true
  const t0 = Date.now()
  console.log('building the web app (dist/web)…')
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (r.status !== 0) return false
  console.log(`web app built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return true
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!ensureWebBuild({ force: process.argv.includes('--force') })) process.exit(1)
}
