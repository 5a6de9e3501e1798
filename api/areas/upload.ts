/**
 * Reading an uploaded boundary file (issue 7; docs/import.md): GeoJSON, or a zipped Shapefile
 * reprojected from its .prj to WGS84. Unzipping is guarded (paths, entry count, declared and
 * inflated sizes); parsing is left to fflate, shapefile and proj4. Answers the raw features
 * (properties as read, geometry in WGS84 lon/lat); api/areas/import.ts checks them.
 */
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate'
import gcoord from 'gcoord'
import proj4 from 'proj4'
import * as shapefile from 'shapefile'
import { ApiFailure } from '../lib/errors.ts'

export const UPLOAD_LIMITS = {
  /** Total bytes a zip may inflate to (declared in its headers, and counted while inflating). */
  maxInflatedBytes: 200 * 1024 * 1024,
  maxZipEntries: 1000,
  maxFeatures: 10_000,
}

export type SourceCrs = 'wgs84' | 'gcj02'

export interface RawFeature {
  /** 1-based position in the file: how problems name a feature. */
  fid: number
  properties: Record<string, unknown>
  geometry: { type: string; coordinates: unknown } | null
}

export interface ReadFile {
  format: 'geojson' | 'shapefile'
  /** What the coordinates were read as: the .prj's name, or the crs the request gave. */
  crs: string
  /** The dbf's text encoding (Shapefile only) and where it came from. */
  encoding: string | null
  features: RawFeature[]
}

const bad = (code: string, message: string) => new ApiFailure(400, code, message)

// ---------------------------------------------------------------------------------------------
// Zip

/** A zip entry name that could escape a directory when extracted: `..` segments, absolute or drive paths. */
export function unsafeEntryName(name: string): boolean {
  const n = name.replace(/\\/g, '/')
  return n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').some((s) => s === '..') || n.includes('\0')
}

const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04

/**
 * The entries of a zip whose names end in one of `wanted` (lower-case extensions), inflated under
 * the limits. Every entry name is checked, wanted or not; the declared sizes of all entries are
 * added up before anything is inflated, and inflating stops as soon as the real output passes the
 * cap (headers can lie, and streamed entries declare nothing).
 */
export function unzipEntries(bytes: Uint8Array, wanted: string[], limits = UPLOAD_LIMITS): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  const chunks = new Map<string, Uint8Array[]>()
  let failure: ApiFailure | null = null
  let entries = 0
  let declared = 0
  let inflated = 0
  const unzip = new Unzip((file: UnzipFile) => {
    if (failure) return
    entries++
    if (entries > limits.maxZipEntries) {
      failure = bad('zip_too_many_entries', `the zip has more than ${limits.maxZipEntries} entries`)
      return
    }
    if (unsafeEntryName(file.name)) {
      failure = bad('unsafe_zip_path', `zip entry "${file.name}" has an absolute path or a ".." segment: refused`)
      return
    }
    declared += file.originalSize ?? 0
    if (declared > limits.maxInflatedBytes) {
      failure = bad('zip_too_large', `the zip declares more than ${limits.maxInflatedBytes / 1024 / 1024} MB uncompressed: refused`)
      return
    }
    const lower = file.name.toLowerCase()
    const base = lower.split('/').pop() ?? ''
    if (lower.startsWith('__macosx/') || base.startsWith('.') || !wanted.some((ext) => lower.endsWith(ext))) return
    const parts: Uint8Array[] = []
    chunks.set(file.name, parts)
    file.ondata = (err, data, final) => {
      if (failure) return
      if (err) {
        failure = bad('invalid_zip', `zip entry "${file.name}" cannot be inflated: ${err.message}`)
        return
      }
      inflated += data.length
      if (inflated > limits.maxInflatedBytes) {
        failure = bad('zip_too_large', `the zip inflates to more than ${limits.maxInflatedBytes / 1024 / 1024} MB: refused`)
        file.terminate()
        return
      }
      parts.push(data)
      if (final) out.set(file.name, concat(parts))
    }
    file.start()
  })
  unzip.register(UnzipInflate)
  try {
    // In slices, so a bomb is stopped after the slice that passed the cap, not after inflating it all.
    const step = 64 * 1024
    for (let i = 0; i < bytes.length && !failure; i += step) unzip.push(bytes.subarray(i, i + step), i + step >= bytes.length)
  } catch (err) {
    failure ??= bad('invalid_zip', `the file is not a readable zip: ${(err as Error).message}`)
  }
  if (failure) throw failure
  for (const name of chunks.keys()) if (!out.has(name)) throw bad('invalid_zip', `zip entry "${name}" is truncated`)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0)
  const all = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    all.set(p, o)
    o += p.length
  }
  return all
}

// ---------------------------------------------------------------------------------------------
// Text encodings of .dbf files

const ENCODING_ALIASES: Record<string, string> = {
  'utf-8': 'utf-8', utf8: 'utf-8', '65001': 'utf-8',
  gbk: 'gbk', cp936: 'gbk', '936': 'gbk', gb2312: 'gbk', 'ansi 936': 'gbk', gb18030: 'gb18030', '54936': 'gb18030',
}

/**
 * The encoding of a .dbf: its .cpg if there is one; else the dBASE language driver byte (0x4D and
 * 0x7A: Chinese GBK); else UTF-8 when the records are valid UTF-8, GBK when not (files from
 * Chinese desktop GIS without a .cpg are GBK, and GBK text is almost never valid UTF-8).
 */
export function dbfEncoding(dbf: Uint8Array, cpg: string | null): { encoding: string; from: string } {
  if (cpg !== null) {
    const label = cpg.trim().toLowerCase()
    const known = ENCODING_ALIASES[label] ?? label
    try {
      new TextDecoder(known)
    } catch {
      throw bad('unsupported_encoding', `the .cpg names an encoding this server cannot read: "${cpg.trim().slice(0, 40)}"`)
    }
    return { encoding: known, from: '.cpg' }
  }
  if (dbf[29] === 0x4d || dbf[29] === 0x7a) return { encoding: 'gbk', from: 'dbf language driver' }
  const headerLength = dbf.length >= 10 ? dbf[8] | (dbf[9] << 8) : 0
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(dbf.subarray(headerLength))
    return { encoding: 'utf-8', from: 'detected' }
  } catch {
    return { encoding: 'gbk', from: 'detected' }
  }
}

// ---------------------------------------------------------------------------------------------
// Coordinates

type Position = number[]
type Transform = (p: Position) => Position

/** Apply `fn` to every position of a (possibly malformed) coordinates tree; non-arrays pass through. */
function mapPositions(coords: unknown, fn: Transform): unknown {
  if (!Array.isArray(coords)) return coords
  if (coords.length >= 2 && typeof coords[0] === 'number' && typeof coords[1] === 'number') return fn(coords as Position)
  return coords.map((c) => mapPositions(c, fn))
}

const fromGcj02: Transform = ([x, y]) => gcoord.transform([x, y], gcoord.GCJ02, gcoord.WGS84) as Position

function reproject(features: RawFeature[], fn: Transform | null): RawFeature[] {
  if (!fn) return features
  return features.map((f) => (f.geometry ? { ...f, geometry: { ...f.geometry, coordinates: mapPositions(f.geometry.coordinates, fn) } } : f))
}

/** A .prj (WKT) to a converter to WGS84 lon/lat, with the CRS name for the preview. */
export function prjToWgs84(prj: string): { name: string; forward: Transform | null } {
  const name = /^\s*(?:PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]*)"/i.exec(prj)?.[1] ?? 'unnamed'
  let converter: proj4.Converter
  try {
    converter = proj4(prj, 'EPSG:4326')
  } catch (err) {
    throw bad('unsupported_crs', `the .prj could not be read (${(err as Error)?.message ?? 'not WKT proj4 understands'}): "${prj.trim().slice(0, 80)}"`)
  }
  const geographic = /^\s*GEOG/i.test(prj)
  return { name, forward: geographic ? null : ([x, y]) => converter.forward([x, y]) }
}

// ---------------------------------------------------------------------------------------------
// Formats

/**
 * Read an upload: a zip (holding one Shapefile, or one .geojson) or GeoJSON text. `crs` is what
 * the request says the coordinates are: required for a Shapefile without .prj; gcj02 converts
 * (after the .prj, if any) from GCJ-02 to WGS84.
 */
export async function readBoundaryFile(bytes: Uint8Array, crs: SourceCrs | undefined, limits = UPLOAD_LIMITS): Promise<ReadFile> {
  if (isZip(bytes)) return readZip(bytes, crs, limits)
  const text = decodeUtf8(bytes)
  if (text === null || !/^\s*[{[]/.test(text)) {
    throw bad('unsupported_file', 'the file is neither a zip (zipped Shapefile) nor GeoJSON text')
  }
  return readGeoJson(text, crs, limits)
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return null
  }
}

const WGS84_NAMES = /^(urn:ogc:def:crs:OGC:1\.3:CRS84|urn:ogc:def:crs:EPSG::(4326|4490)|EPSG:(4326|4490))$/i

function readGeoJson(text: string, crs: SourceCrs | undefined, limits: typeof UPLOAD_LIMITS): ReadFile {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw bad('invalid_geojson', `the file is not valid JSON: ${(err as Error).message}`)
  }
  const fc = doc as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } }
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw bad('invalid_geojson', 'GeoJSON must be a FeatureCollection with a "features" array')
  }
  const named = fc.crs?.properties?.name
  if (named !== undefined && !(typeof named === 'string' && WGS84_NAMES.test(named))) {
    throw bad('unsupported_crs', `the GeoJSON names the CRS ${JSON.stringify(named)}: send WGS84 (or GCJ-02 with crs=gcj02) lon/lat, or a zipped Shapefile with its .prj`)
  }
  if (fc.features.length > limits.maxFeatures) throw bad('too_many_features', `the file has ${fc.features.length} features; at most ${limits.maxFeatures}`)
  const features: RawFeature[] = fc.features.map((f: unknown, i: number) => {
    const feat = (f ?? {}) as { properties?: unknown; geometry?: unknown }
    const props = feat.properties && typeof feat.properties === 'object' ? (feat.properties as Record<string, unknown>) : {}
    const g = feat.geometry as RawFeature['geometry']
    return { fid: i + 1, properties: props, geometry: g && typeof g === 'object' ? g : null }
  })
  return { format: 'geojson', crs: crs === 'gcj02' ? 'GCJ-02 (crs=gcj02)' : 'WGS84', encoding: null, features: reproject(features, crs === 'gcj02' ? fromGcj02 : null) }
}

async function readZip(bytes: Uint8Array, crs: SourceCrs | undefined, limits: typeof UPLOAD_LIMITS): Promise<ReadFile> {
  const entries = unzipEntries(bytes, ['.shp', '.dbf', '.prj', '.cpg', '.geojson', '.json'], limits)
  const names = [...entries.keys()]
  const shps = names.filter((n) => n.toLowerCase().endsWith('.shp'))
  if (shps.length === 0) {
    const json = names.filter((n) => /\.(geo)?json$/i.test(n))
    if (json.length === 1) {
      const text = decodeUtf8(entries.get(json[0])!)
      if (text === null) throw bad('invalid_geojson', `${json[0]} is not UTF-8 text`)
      return readGeoJson(text, crs, limits)
    }
    throw bad('no_shapefile', 'the zip holds no .shp (and not exactly one .geojson)')
  }
  if (shps.length > 1) throw bad('several_shapefiles', `the zip holds ${shps.length} shapefiles (${shps.join(', ')}): put one per zip`)
  const stem = shps[0].slice(0, -4)
  const sibling = (ext: string) => {
    const key = names.find((n) => n.toLowerCase() === `${stem.toLowerCase()}${ext}`)
    return key === undefined ? null : entries.get(key)!
  }
  const dbf = sibling('.dbf')
  if (!dbf) throw bad('missing_dbf', `${stem}.dbf is missing: the attributes (names, codes) are in it`)
  const prjBytes = sibling('.prj')
  if (!prjBytes && !crs) {
    throw bad('missing_prj', `${stem}.prj is missing, so the coordinate system is unknown: add the .prj, or say crs=wgs84 (or gcj02) if the coordinates are longitude/latitude`)
  }
  const cpgBytes = sibling('.cpg')
  const { encoding, from } = dbfEncoding(dbf, cpgBytes ? new TextDecoder('latin1').decode(cpgBytes) : null)

  const features: RawFeature[] = []
  try {
    const source = await shapefile.open(sibling('.shp')!, dbf, { encoding })
    for (let r = await source.read(); !r.done; r = await source.read()) {
      if (features.length >= limits.maxFeatures) throw bad('too_many_features', `the file has more than ${limits.maxFeatures} features`)
      features.push({ fid: features.length + 1, properties: { ...(r.value.properties ?? {}) }, geometry: r.value.geometry as RawFeature['geometry'] })
    }
  } catch (err) {
    if (err instanceof ApiFailure) throw err
    throw bad('invalid_shapefile', `${stem}.shp cannot be read: ${(err as Error).message}`)
  }

  let name = crs === 'gcj02' ? 'GCJ-02 (crs=gcj02)' : 'WGS84 (crs=wgs84)'
  let out = features
  if (prjBytes) {
    const p = prjToWgs84(new TextDecoder('latin1').decode(prjBytes))
    name = crs === 'gcj02' ? `${p.name}, then GCJ-02 (crs=gcj02)` : p.name
    out = reproject(out, p.forward)
  }
  if (crs === 'gcj02') out = reproject(out, fromGcj02)
  return { format: 'shapefile', crs: name, encoding: `${encoding} (${from})`, features: out }
}
