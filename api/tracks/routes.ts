/** Patrol tracks (issue 5): ingest (JSON batches, GPX files), sessions and playback. Not for planners. */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql } from 'drizzle-orm'
import { areaInScope } from '../areas/queries.ts'
import { ApiFailure } from '../lib/errors.ts'
import { jsonText } from '../lib/geojson.ts'
import { errorResponses, forbidden, newRouter, notFound, type Env } from '../lib/router.ts'
import { checkPoint, MAX_BATCH_POINTS, MAX_SPEED_MPS, SESSION_GAP_MINUTES, TRACK_FUTURE_SKEW_MS, type Candidate, type Rejected } from './checks.ts'
import { MAX_GPX_POINTS, parseGpx } from './gpx.ts'
import { ingestTrackPoints } from './ingest.ts'
import { localDay, packPlayback, playbackSql, sessionsSql, trackReadSettings, type PlaybackRow } from './queries.ts'

const gzipAsync = promisify(gzip)

/** Track points are personal: planners get aggregates (coverage, compliance) only. */
function requireTrackReader(c: Context<Env>) {
  if (c.get('user').role === 'planner') throw new ApiFailure(403, 'aggregates_only', 'planners see patrol aggregates, not individual tracks')
}

const Id = z.coerce.number().int().positive().max(2_147_483_647)
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (Asia/Shanghai)')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`)
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d
  }, 'not a calendar date')
  .openapi({ example: '2026-11-22', description: 'local day in Asia/Shanghai' })

const TrackQuery = z
  .object({
    person: Id.optional().openapi({ description: 'one person (people.id)' }),
    grid: Id.optional().openapi({ description: 'an area (usually a grid): every person attached to it or to an area inside it' }),
    day: Day,
  })
  .refine((q) => (q.person === undefined) !== (q.grid === undefined), { message: 'give exactly one of person and grid', path: ['person'] })

const IngestResultSchema = z
  .object({
    accepted: z.number().openapi({ description: 'points stored now' }),
    duplicates: z.number().openapi({ description: 'points whose (person, t) was stored already or came earlier in the batch; the first write wins' }),
    rejected: z.array(z.object({ index: z.number(), reason: z.string() })),
  })
  .openapi('TrackIngestResult')

const postPoints = createRoute({
  method: 'post',
  path: '/points',
  tags: ['tracks'],
  summary: `Ingest GPS fixes (≤ ${MAX_BATCH_POINTS.toLocaleString('en')} per batch): idempotent on (person, t), any order; each refused point with its reason`,
  description: `Each point is checked on its own and refused with a reason (by its index in \`points\`): person not an id, t not
ISO-8601 with a zone, more than ${TRACK_FUTURE_SKEW_MS / 60_000} min in the future or before 2000, lon/lat not numbers, out of range or (0, 0),
outside the district, a person the user may not see ("does not exist"; grid members may send only their own track),
and an impossible speed (over ${MAX_SPEED_MPS} m/s plus 30 m of GPS noise) against the nearest earlier and later fix of the same
person, stored or accepted from this batch. A (person, t) already stored — or earlier in the batch — is a duplicate, not
stored again, whatever its position (first write wins). The valid points are stored whatever the others are.`,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ points: z.array(z.unknown()).openapi({ description: 'fixes `{ person, t, lon, lat, accuracy? }`: person = people.id, t = ISO-8601 with a zone, lon/lat WGS84, accuracy in metres' }) }) } } } },
  responses: {
    200: { description: 'Result', content: { 'application/json': { schema: IngestResultSchema } } },
    413: { description: 'Too many points', content: { 'application/json': { schema: z.object({ error: z.string(), message: z.string() }) } } },
    ...forbidden,
    ...errorResponses,
  },
})

const GpxForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: 'GPX 1.0/1.1 (UTF-8); track points <trkpt> with <time>' }),
    person: z.string().openapi({ description: 'people.id the track belongs to' }),
  })
  .openapi('TrackGpxForm')

const postGpx = createRoute({
  method: 'post',
  path: '/gpx',
  tags: ['tracks'],
  summary: `Ingest a GPX file (multipart: file, person; ≤ ${MAX_GPX_POINTS.toLocaleString('en')} track points): the same checks and answer, index = order of the <trkpt> in the file`,
  request: { body: { required: true, content: { 'multipart/form-data': { schema: GpxForm } } } },
  responses: {
    200: { description: 'Result', content: { 'application/json': { schema: IngestResultSchema } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const SessionSchema = z
  .object({
    person: z.number(),
    start: z.string(),
    end: z.string(),
    points: z.number(),
    distance_m: z.number(),
    line: z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
  })
  .openapi('TrackSession')

const getSessions = createRoute({
  method: 'get',
  path: '/sessions',
  tags: ['tracks'],
  summary: `A day's track sessions of a person or of an area's people (a pause > ${SESSION_GAP_MINUTES} min starts a new one), as GeoJSON lines`,
  request: { query: TrackQuery },
  responses: {
    200: {
      description: 'Sessions ordered by person and start',
      content: {
        'application/json': {
          schema: z.object({
            day: z.string(),
            gap_minutes: z.number(),
            sessions: z.array(SessionSchema),
            people: z.array(z.object({ id: z.number(), name: z.string(), role: z.string() })).openapi({ description: 'the people the sessions belong to, by id' }),
          }),
        },
      },
    },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const PLAYBACK_FORMAT = `Body (gzip when accepted), little-endian, n = X-Count tracks, m = X-Points fixes, 4-byte aligned:
Uint32 person[n], Uint32 start[n + 1] (track i = fixes start[i] … start[i+1]−1), Float32 xy[2m] (lon, lat interleaved, in
degrees from X-Origin "lon,lat": deck.gl COORDINATE_SYSTEM.LNGLAT_OFFSETS with coordinateOrigin), Uint32 time[m] (seconds since
the local day's start, X-Day-Start). A track is one session of one person (a pause > ${SESSION_GAP_MINUTES} min starts the next).
For a TripsLayer: data = { length: n, startIndices: start, attributes: { getPath: { value: xy, size: 2 }, getTimestamps: { value: time } } }.`

const getPlayback = createRoute({
  method: 'get',
  path: '/playback',
  tags: ['tracks'],
  summary: "A day's tracks packed for animated playback (deck.gl TripsLayer); audited",
  description: PLAYBACK_FORMAT,
  request: { query: TrackQuery },
  responses: {
    200: {
      description: 'Packed tracks',
      headers: z.object({
        'X-Count': z.string().openapi({ description: 'tracks n' }),
        'X-Points': z.string().openapi({ description: 'fixes m' }),
        'X-Origin': z.string().openapi({ description: 'lon,lat the offsets are from' }),
        'X-Day-Start': z.string().openapi({ description: 'UTC instant of the local day start' }),
      }),
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

/** A read of a grid's or person's tracks for a day: role check, the persons in scope, the day's bounds, read settings. */
async function openTrackRead(c: Context<Env>, q: { person?: number; grid?: number; day: string }) {
  requireTrackReader(c)
  const persons = await personsOf(c, q)
  const { start, end } = localDay(q.day)
  const tx = c.get('tx')
  await tx.execute(trackReadSettings)
  return { persons, start, end, tx }
}

/** The people a track query is about: one visible person, or those attached to an area in scope (404 otherwise). */
async function personsOf(c: Context<Env>, q: { person?: number; grid?: number }): Promise<number[]> {
  const tx = c.get('tx')
  if (q.person !== undefined) {
    const { rows } = await tx.execute<{ id: number }>(sql`select id from people where id = ${q.person}`)
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `person ${q.person} does not exist`)
    return [q.person]
  }
  const { rows } = await tx.execute(areaInScope(q.grid!))
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.grid} does not exist`)
  const { rows: people } = await tx.execute<{ ids: number[] }>(sql`
    select array(select distinct pa.person_id from person_areas pa join areas a on a.id = pa.area_id
                 where a.path @> array[${q.grid}]::int[] order by 1) as ids`)
  return people[0].ids
}

export const tracksRoutes = newRouter()
  .openapi(postPoints, async (c) => {
    requireTrackReader(c)
    const { points } = c.req.valid('json')
    if (points.length === 0) throw new ApiFailure(400, 'invalid_request', 'points: send at least one point')
    if (points.length > MAX_BATCH_POINTS) throw new ApiFailure(413, 'too_many_points', `at most ${MAX_BATCH_POINTS.toLocaleString('en')} points per batch; split it`)
    const now = Date.now()
    const candidates: Candidate[] = []
    const rejected: Rejected[] = []
    points.forEach((value, index) => {
      const r = checkPoint({ index, value }, now)
      if ('reason' in r) rejected.push(r)
      else candidates.push(r)
    })
    return c.json(await ingestTrackPoints(c.get('tx'), c.get('user'), candidates, rejected), 200)
  })
  .openapi(postGpx, async (c) => {
    requireTrackReader(c)
    const form = c.req.valid('form')
    const file = form.file as unknown
    if (!(file instanceof File)) throw new ApiFailure(400, 'invalid_request', 'file: attach the GPX as the form field "file"')
    const person = /^\d{1,10}$/.test(form.person ?? '') ? Number(form.person) : NaN
    if (!(person > 0 && person <= 2_147_483_647)) throw new ApiFailure(400, 'invalid_request', 'person: a positive integer id')
    const user = c.get('user')
    if (user.role === 'grid_member' && person !== user.personId) throw new ApiFailure(403, 'forbidden', 'a grid member may upload only their own track')
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer())
    } catch {
      throw new ApiFailure(400, 'invalid_gpx', 'the file is not UTF-8 text')
    }
    // The file is about one person: unknown (or out of scope) refuses it whole, before parsing.
    await personsOf(c, { person })
    const { candidates, rejected } = parseGpx(text, person, Date.now())
    return c.json(await ingestTrackPoints(c.get('tx'), user, candidates, rejected), 200)
  })
  .openapi(getSessions, async (c) => {
    const q = c.req.valid('query')
    const { persons, start, end, tx } = await openTrackRead(c, q)
    const { rows } = await tx.execute<{ sessions: string }>(sessionsSql(persons, start, end))
    const sessions = rows[0].sessions
    const people = [...new Set((JSON.parse(sessions) as { person: number }[]).map((s) => s.person))]
    await tx.auditRead('track_points', people, { kind: 'sessions', day: q.day, ...(q.grid ? { area: q.grid } : { person: q.person }) })
    // Names for the list beside the map (a street's walkers are attached to its grids, not to it).
    const names = await tx.execute<{ people: string }>(sql`
      select coalesce(json_agg(json_build_object('id', id, 'name', name, 'role', role) order by id), '[]')::text as people
      from people where id = any(${sql.param(people)}::int[])`)
    return jsonText<{ day: string; gap_minutes: number; sessions: z.infer<typeof SessionSchema>[]; people: { id: number; name: string; role: string }[] }>(
      c,
      `{"day":${JSON.stringify(q.day)},"gap_minutes":${SESSION_GAP_MINUTES},"sessions":${sessions},"people":${names.rows[0].people}}`,
    )
  })
  .openapi(getPlayback, async (c) => {
    const q = c.req.valid('query')
    const { persons, start, end, tx } = await openTrackRead(c, q)
    const { rows } = await tx.execute<PlaybackRow>(playbackSql(persons, start, end))
    const { body, tracks, points, origin } = packPlayback(rows)
    await tx.auditRead('track_points', [...new Set(rows.map((r) => r.person))], {
      kind: 'playback', day: q.day, tracks, points, ...(q.grid ? { area: q.grid } : { person: q.person }),
    })
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'X-Count': String(tracks),
      'X-Points': String(points),
      'X-Origin': `${origin[0]},${origin[1]}`,
      'X-Day-Start': start.toISOString(),
      Vary: 'Accept-Encoding',
    }
    // Compressed here, not by the compress() middleware (it skips octet-stream): the times and
    // offsets shrink to ~60 %; level 1 costs a few ms per MB, level 6 several times that for ~5 % less.
    if (/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '') && body.length > 1024) {
      return c.body(new Uint8Array(await gzipAsync(body, { level: 1 })), 200, { ...headers, 'Content-Encoding': 'gzip' }) as never
    }
    return c.body(new Uint8Array(body), 200, headers) as never
  })
