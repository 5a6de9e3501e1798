// `npm run bench -- [areas|startup|seed|scope|login|analytics|interactive|coverage|siting|tracks|stcoverage|roadnet|patrols|microgen] …`: each benchmark prints a table against its baseline.
import { benchAnalytics } from './analytics.ts'
import { benchAreas } from './areas.ts'
import { benchCoverage } from './coverage.ts'
import { benchEdit } from './edit.ts'
import { benchInteractive } from './interactive.ts'
import { benchLogin } from './login.ts'
import { benchMicrogen } from './microgen.ts'
import { benchScope } from './scope.ts'
import { benchSeed } from './seed.ts'
import { benchSiting } from './siting.ts'
import { benchSitingDemand } from './siting-demand.ts'
import { benchStartup } from './startup.ts'
import { benchTracks } from './tracks.ts'
import { benchStationCoverage } from './stcoverage.ts'
import { benchPatrols } from './patrols.ts'
import { benchRoadnet } from './roadnet.ts'

const which = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const url = process.env.DATABASE_URL
const all = which.length === 0
const runsArg = process.argv.find((a) => a.startsWith('--runs='))?.slice(7)
const runs = runsArg ? Number(runsArg) : undefined
if (all || which.includes('startup')) await benchStartup()
if (all || which.includes('areas')) {
  if (!url) console.log('\nareas: skipped (set DATABASE_URL to a seeded PostGIS, e.g. after `npm run bench -- seed`)')
  else await benchAreas(url)
}
if (all || which.includes('login')) await benchLogin(url)
if (all || which.includes('analytics')) {
  if (!url) console.log('\nanalytics: skipped (set DATABASE_URL to a PostGIS seeded with `--scale large`)')
  else await benchAnalytics(url, runs)
}
if (all || which.includes('interactive')) {
  if (!url) console.log('\ninteractive: skipped (set DATABASE_URL to a PostGIS seeded with `--scale large`)')
  else await benchInteractive(url, runs)
}
if (all || which.includes('coverage')) {
  if (!url) console.log('\ncoverage: skipped (set DATABASE_URL to a seeded PostGIS, e.g. the `district` demo)')
  else await benchCoverage(url, runs)
}
if (all || which.includes('microgen')) {
  if (!url) console.log('\nmicrogen: skipped (set DATABASE_URL to a PostGIS seeded at district scale)')
  else await benchMicrogen(url, runs)
}
if (all || which.includes('edit')) await (url ? benchEdit(url, runs) : console.log('\nedit: skipped (set DATABASE_URL to a PostGIS seeded at district scale)'))
if (all || which.includes('siting')) {
  if (!url) console.log('\nsiting: skipped (set DATABASE_URL to a PostGIS seeded at district scale)')
  else {
    // --demand=100000: tops the district up with synthetic buildings (deleted again): a bench database only.
    const demand = process.argv.find((a) => a.startsWith('--demand='))?.slice(9)
    const seeds = process.argv.find((a) => a.startsWith('--seeds='))?.slice(8)
    const exactLimit = process.argv.find((a) => a.startsWith('--exact-limit='))?.slice(14)
    if (demand) await benchSitingDemand(url, { demand: Number(demand), runs, seeds: seeds?.split(',').map(Number), exactLimit: exactLimit ? Number(exactLimit) : undefined })
    else await benchSiting(url)
  }
}
if (all || which.includes('tracks')) {
  // Writes bench days of track points into DATABASE_URL and deletes them again: a bench database only.
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  if (!url) console.log('\ntracks: skipped (set DATABASE_URL to a seeded bench PostGIS, e.g. the `district` demo)')
  else await benchTracks(url, { points: arg('points') ? Number(arg('points')) : undefined, clients: arg('clients') ? Number(arg('clients')) : undefined })
}
if (all || which.includes('stcoverage')) {
  if (!url) console.log('\nstcoverage: skipped (set DATABASE_URL to a PostGIS seeded at district scale)')
  else await benchStationCoverage(url, runs)
}
if (all || which.includes('roadnet')) {
  if (!url) console.log('\nroadnet: skipped (set DATABASE_URL to a PostGIS seeded at district scale)')
  else await benchRoadnet(url, runs)
}
if (all || which.includes('patrols')) {
  if (!url) console.log('\npatrols: skipped (set DATABASE_URL to a PostGIS seeded at district scale)')
  else await benchPatrols(url, runs)
}
if (all || which.includes('scope')) {
  // Switches row-level security off and on in DATABASE_URL (like seed, which wipes it): a bench database only.
  if (!url) console.log('\nscope: skipped (set DATABASE_URL to a seeded bench database whose RLS may be switched off and on)')
  else await benchScope(url, runs)
}
if (all || which.includes('seed')) {
  if (!url) console.log('\nseed: skipped (set DATABASE_URL to a PostgreSQL server whose database may be wiped)')
  else await benchSeed(url, (process.argv.find((a) => a.startsWith('--scale='))?.slice(8) ?? 'large') as 'small' | 'district' | 'large')
}
