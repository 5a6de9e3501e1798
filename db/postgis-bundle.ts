import { postgis } from '@electric-sql/pglite-postgis'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as tar from 'tar'

type Extension = typeof postgis

/*
 * The embedded PostGIS is a 20 MB gzip (95 MB, 546 files) that PGlite unpacks into its in-memory
 * file system at every start, compiling each WebAssembly library in it. We use the core library
 * only: raster and topology (31 MB of WebAssembly), the tiger geocoder and the upgrade scripts from
 * PostGIS 2.x are dead weight. A copy without them is made once, next to the installed packages,
 * and opening the database then takes about a second less (docs/data-model.md).
 */

/** Files of the bundle the app does not load (paths inside the tarball). */
function unused(path: string): boolean {
  const file = path.replace(/^\.\//, '')
  return (
    /^lib\/postgresql\/postgis_(raster|topology)-3\.so$/.test(file) ||
    /^share\/postgresql\/extension\/postgis_(raster|topology|tiger_geocoder|sfcgal)/.test(file) ||
    /^share\/postgresql\/extension\/postgis--.*--.*\.sql$/.test(file) // upgrade scripts (ALTER EXTENSION … UPDATE)
  )
}

const require = createRequire(import.meta.url)

/** Where the slim bundle is cached: node_modules/.cache, rebuilt when the package version changes. */
function cachePath(): { source: string; target: string } {
  // The package exports no package.json: find its folder from its entry point (dist/index.*).
  const pkgDir = dirname(dirname(require.resolve('@electric-sql/pglite-postgis')))
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }
  const source = join(pkgDir, 'dist', 'postgis.tar.gz')
  const nodeModules = dirname(dirname(pkgDir))
  return { source, target: join(nodeModules, '.cache', 'gridpulse', `postgis-${version}-core.tar.gz`) }
}

async function buildSlimBundle(source: string, target: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true })
  const work = mkdtempSync(join(dirname(target), 'build-'))
  try {
    const unpacked = join(work, 'files')
    mkdirSync(unpacked)
    await tar.x({ file: source, cwd: unpacked, filter: (path) => !unused(path) })
    const partial = join(work, 'bundle.tar.gz')
    await tar.c({ file: partial, cwd: unpacked, gzip: { level: 1 }, portable: true }, ['lib', 'share'])
    renameSync(partial, target) // atomic: a concurrent start sees the whole file or none
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/**
 * The PostGIS extension for PGlite with only the core library. Falls back to the full bundle when
 * the slim copy cannot be written (read-only node_modules).
 */
export async function corePostgis(): Promise<Extension> {
  const { source, target } = cachePath()
  if (!existsSync(target)) {
    try {
      await buildSlimBundle(source, target)
    } catch {
      return postgis
    }
  }
  const bundlePath = pathToFileURL(target)
  return {
    name: postgis.name,
    setup: async (...args: Parameters<Extension['setup']>) => ({ ...(await postgis.setup(...args)), bundlePath }),
  }
}
