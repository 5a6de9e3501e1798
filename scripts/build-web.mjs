#!/usr/bin/env node
// Build the web app into dist/web unless the build there is newer than every file under web/.
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

const sources = ['web', 'geo-data/generate', 'api'].map((d) => join(root, d)).filter(existsSync)
const stale = !existsSync(marker) || Math.max(...sources.map(newest), statSync(join(root, 'package-lock.json')).mtimeMs) > statSync(marker).mtimeMs
if (stale || process.argv.includes('--force')) {
  const t0 = Date.now()
  console.log('building the web app (dist/web)…')
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (r.status !== 0) process.exit(r.status ?? 1)
  console.log(`web app built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}
