/**
 * Patrol tasks (巡查任务) and GPS tracks (轨迹).
 *
 * For each past local day: one 'day' task per patrolled grid (district: ~55% of grids each day, so the
 * point budget covers whole routes; large: plus an 'evening' task for half the grids),
 * assigned to a grid member, 4-8 checkpoints at building centroids (hotspot cells preferred).
 * Tracks walk the grid's mesh lines (its cell edges = the road mesh) from a grid corner to each
 * checkpoint (short detour into the cell, dwell 1-3 min) and back, ~1.2 m/s, one point every
 * 10-20 s, with correlated ~5 m GPS noise. Positions are computed in mesh parameter space and clamped
 * inside the district, so every point lies inside the district. ~6% of tasks are 'missed' (no
 * track); tasks for the current local day are 'planned'. The total number of track points is exact.
 */
import type { DemoPatrolTask, DemoTracks, LonLat } from './types.ts'
import { apportion, Rng } from './rng.ts'
import { cellUvToLonLat, type Mesh, paramToXY, toLonLat } from './mesh.ts'
import type { Hierarchy } from './hierarchy.ts'
import type { BuildingLayer } from './buildings.ts'
import type { Hotspots } from './incidents.ts'
import type { ScaleConfig } from './scales.ts'

const DAY = 86_400_000
const LOCAL_OFFSET = 8 * 3_600_000

interface Route {
  s: Float64Array
  t: Float64Array
  time: Float64Array // seconds from start at each waypoint
  duration: number
}

export interface PatrolLayer {
  patrolTasks: DemoPatrolTask[]
  tracks: DemoTracks
}

export function buildPatrols(
  mesh: Mesh,
  hier: Hierarchy,
  bl: BuildingLayer,
  hot: Hotspots,
  gridStaff: [number, number, number][],
  cfg: ScaleConfig,
  end: Date,
  seed: number,
): PatrolLayer {
  const rng = Rng.derive(seed, 'patrols')
  const { W, H } = mesh
  const xy = new Float64Array(2)
  const endLocalDay = Math.floor((end.getTime() + LOCAL_OFFSET) / DAY)
  const patrolTasks: DemoPatrolTask[] = []
  const routes: (Route | null)[] = []
  const starts: number[] = []

  const metric = (s: number, t: number): [number, number] => {
    paramToXY(mesh, s, t, xy)
    return [xy[0], xy[1]]
  }

  const planRoute = (gi: number, cps: [number, number][], speed: number): Route => {
    const r = hier.grids[gi].rect
    const S: number[] = []
    const T: number[] = []
    const time: number[] = []
    let cur: [number, number] = [rng.chance(0.5) ? r.i0 : r.i1, rng.chance(0.5) ? r.j0 : r.j1]
    const start = cur
    let clock = 0
    let last = metric(cur[0], cur[1])
    const push = (s: number, t: number, dwell = 0) => {
      const m = metric(s, t)
      clock += Math.hypot(m[0] - last[0], m[1] - last[1]) / speed + dwell
      last = m
      S.push(s)
      T.push(t)
      time.push(clock)
    }
    push(cur[0], cur[1])
    /** Walk along mesh lines (i first or j first) to vertex (a, b), one waypoint per vertex. */
    const walkTo = (a: number, b: number) => {
      const iFirst = rng.chance(0.5)
      const stepI = () => {
        while (cur[0] !== a) {
          cur = [cur[0] + Math.sign(a - cur[0]), cur[1]]
          push(cur[0], cur[1])
        }
      }
      const stepJ = () => {
        while (cur[1] !== b) {
          cur = [cur[0], cur[1] + Math.sign(b - cur[1])]
          push(cur[0], cur[1])
        }
      }
      if (iFirst) {
        stepI()
        stepJ()
      } else {
        stepJ()
        stepI()
      }
    }
    // greedy nearest-neighbour order
    const left = cps.slice()
    while (left.length) {
      let best = 0
      let bd = Infinity
      for (let k = 0; k < left.length; k++) {
        const d = Math.abs(left[k][0] - cur[0]) + Math.abs(left[k][1] - cur[1])
        if (d < bd) {
          bd = d
          best = k
        }
      }
      const [cs, ct] = left.splice(best, 1)[0]
      const corner: [number, number] = [Math.round(cs), Math.round(ct)]
      walkTo(corner[0], corner[1])
      push(cs, ct)
      push(cs, ct, rng.range(60, 180)) // dwell at the checkpoint
      push(corner[0], corner[1])
    }
    walkTo(start[0], start[1])
    return { s: Float64Array.from(S), t: Float64Array.from(T), time: Float64Array.from(time), duration: clock }
  }

  const gridCount = hier.grids.length
  for (let d = cfg.patrolDays; d >= 0; d--) {
    const localDay = endLocalDay - d
    const dayStr = new Date(localDay * DAY).toISOString().slice(0, 10)
    for (let gi = 0; gi < gridCount; gi++) {
      if (cfg.patrolShare < 1 && rng.next() >= cfg.patrolShare) continue
      const evening = cfg.eveningShare > 0 && rng.next() < cfg.eveningShare
      const shifts: ('day' | 'evening')[] = evening ? ['day', 'evening'] : ['day']
      for (const shift of shifts) {
        const g = hier.grids[gi]
        const member = gridStaff[gi][1 + ((localDay + gi + (shift === 'evening' ? 1 : 0)) % 2)]
        // checkpoints: building centroids, cells weighted by hotspot intensity
        const nCp = Math.min(rng.int(4, 8), g.cells.length * 2)
        const chosen = new Set<number>()
        const cps: [number, number][] = []
        const cpLL: LonLat[] = []
        let wsum = 0
        for (const c of g.cells) wsum += hot.cellMult[c]
        let guard = 0
        while (cps.length < nCp && guard++ < 200) {
          let x = rng.next() * wsum
          let cell = g.cells[g.cells.length - 1]
          for (const c of g.cells) {
            x -= hot.cellMult[c]
            if (x < 0) {
              cell = c
              break
            }
          }
          const b0 = bl.cellB0[cell]
          const b = b0 + rng.int(0, bl.cellB1[cell] - b0 - 1)
          if (chosen.has(b)) continue
          chosen.add(b)
          const ci = cell % W
          const cj = (cell - ci) / W
          cps.push([ci + bl.uc[b], cj + bl.vc[b]])
          cpLL.push(cellUvToLonLat(mesh, ci, cj, bl.uc[b], bl.vc[b]))
        }
        const past = d > 0
        const missed = past && rng.next() < 0.06
        const status: DemoPatrolTask['status'] = !past ? 'planned' : missed ? 'missed' : 'done'
        patrolTasks.push({
          id: patrolTasks.length + 1,
          gridId: g.areaId,
          personId: member,
          day: dayStr,
          shift,
          status,
          checkpoints: cpLL,
        })
        const speed = rng.range(1.05, 1.35)
        routes.push(status === 'done' ? planRoute(gi, cps, speed) : null)
        // shift start, local → UTC ms (whole seconds)
        const localStartS = shift === 'day' ? 8.5 * 3600 + rng.int(0, 5400) : 19 * 3600 + rng.int(0, 3600)
        starts.push(localDay * DAY - LOCAL_OFFSET + localStartS * 1000)
      }
    }
  }

  // exact point budget, proportional to route duration
  const tracked: number[] = []
  for (let k = 0; k < routes.length; k++) if (routes[k]) tracked.push(k)
  const N = cfg.trackPoints
  const counts = tracked.length ? apportion(tracked.map((k) => routes[k]!.duration), N, 0) : []
  let totalDur = 0
  for (const k of tracked) totalDur += routes[k]!.duration
  const dtNom = Math.min(20, Math.max(10, totalDur / N))
  const personId = new Int32Array(N)
  const tArr = new Float64Array(N)
  const lon = new Float64Array(N)
  const lat = new Float64Array(N)
  const accuracy = new Float32Array(N)
  const sigma = 5 / mesh.cell // GPS noise in parameter units
  let p = 0
  tracked.forEach((k, idx) => {
    const route = routes[k]!
    const task = patrolTasks[k]
    const n = counts[idx]
    let elapsed = 0
    let seg = 0
    let ex = 0
    let ey = 0
    const startMs = starts[k]
    for (let q = 0; q < n; q++) {
      if (q > 0) elapsed += Math.round(Math.min(20, Math.max(10, dtNom * rng.range(0.75, 1.25))))
      let tau = route.duration > 0 ? elapsed % route.duration : 0
      if (tau < route.time[seg]) seg = 0 // next lap
      while (seg < route.time.length - 2 && route.time[seg + 1] <= tau) seg++
      const t0 = route.time[seg]
      const t1 = route.time[seg + 1] ?? t0
      const f = t1 > t0 ? Math.min(1, (tau - t0) / (t1 - t0)) : 0
      let s = route.s[seg] + (route.s[seg + 1] - route.s[seg]) * f
      let t = route.t[seg] + (route.t[seg + 1] - route.t[seg]) * f
      // correlated GPS error (AR(1)), ~5 m
      ex = 0.7 * ex + 0.714 * sigma * rng.gauss()
      ey = 0.7 * ey + 0.714 * sigma * rng.gauss()
      s = Math.min(W - 0.01, Math.max(0.01, s + ex))
      t = Math.min(H - 0.01, Math.max(0.01, t + ey))
      paramToXY(mesh, s, t, xy)
      const ll = toLonLat(xy[0], xy[1])
      personId[p] = task.personId
      tArr[p] = startMs + elapsed * 1000
      lon[p] = ll[0]
      lat[p] = ll[1]
      accuracy[p] = Math.min(20, Math.max(3, 4 + Math.abs(rng.gauss()) * 4 + Math.hypot(ex, ey) * mesh.cell * 0.3))
      p++
    }
  })
  return { patrolTasks, tracks: { personId, t: tArr, lon, lat, accuracy, length: N } }
}
