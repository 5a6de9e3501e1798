// `npm run user:create -- --username alice --role admin [--areas 1,2] [--person 12] [--password-stdin]`
// `npm run user:create -- --admin --username alice --password-stdin` makes an admin over every district (the first admin).
// The password comes from stdin (--password-stdin) or the GRIDPULSE_PASSWORD variable, never argv.
// Uses DATABASE_URL when set, else the embedded database in DATA_DIR (stop the server first: the
// embedded database is single-process).
import { parseArgs } from 'node:util'
import { loadConfig } from '../api/config.ts'
import { createUser, ROLES, UserInputError, type Role } from '../api/auth/service.ts'
import { openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'

const USAGE = `usage: npm run user:create -- --username NAME (--admin | --role ${ROLES.join('|')}) [--areas ID,ID…] [--person ID] [--password-stdin]
  --admin is --role admin with every district as its areas unless --areas is given
  the password is read from stdin with --password-stdin, else from GRIDPULSE_PASSWORD`

function fail(message: string): never {
  console.error(message)
  process.exit(1)
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  // One trailing newline (from `echo` or a file) is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

let values: { username?: string; role?: string; admin?: boolean; areas?: string; person?: string; 'password-stdin'?: boolean; password?: string }
try {
  ;({ values } = parseArgs({
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      admin: { type: 'boolean', default: false },
      areas: { type: 'string' },
      person: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      // Declared only to refuse it with a clear message.
      password: { type: 'string' },
    },
  }))
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`)
}
if (values.password !== undefined) fail('refusing --password: a password on the command line leaks into shell history and ps; use --password-stdin or GRIDPULSE_PASSWORD')
if (!values.username) fail(`--username is required\n${USAGE}`)
if (values.admin) {
  if (values.role && values.role !== 'admin') fail('--admin and --role disagree')
  values.role = 'admin'
}
if (!values.role) fail(`--role is required\n${USAGE}`)
if (!(ROLES as readonly string[]).includes(values.role)) fail(`--role must be one of ${ROLES.join(', ')}`)
const areaIds = (values.areas ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s) => (/^\d+$/.test(s) ? Number(s) : NaN))
if (areaIds.some((n) => !Number.isSafeInteger(n) || n <= 0)) fail('--areas must be comma-separated positive area ids, e.g. --areas 1,2')
if (values.role !== 'admin' && areaIds.length === 0) fail(`--areas is required for role ${values.role}`)
const personId = values.person === undefined ? null : /^\d+$/.test(values.person) ? Number(values.person) : fail('--person must be a positive people id')

let password: string
if (values['password-stdin']) password = await readStdin()
else if (process.env.GRIDPULSE_PASSWORD) password = process.env.GRIDPULSE_PASSWORD
else fail('no password: pass --password-stdin and pipe it in, or set GRIDPULSE_PASSWORD')

let cfg: ReturnType<typeof loadConfig>
try {
  cfg = loadConfig()
} catch (err) {
  fail((err as Error).message)
}
const db = await openDatabase({ databaseUrl: cfg.DATABASE_URL, dataDir: cfg.DATA_DIR })
try {
  await migrate(db.pool)
  if (values.admin && areaIds.length === 0) {
    areaIds.push(...(await db.pool.query<{ id: number }>(`select id from areas where level = 'district' order by id`)).rows.map((r) => r.id))
  }
  const user = await createUser(db.pool, { username: values.username, password, role: values.role as Role, areaIds, personId })
  console.log(`created user ${user.username} (id ${user.id}, ${user.role}, areas ${user.areaIds.join(',') || '–'})`)
} catch (err) {
  console.error(err instanceof UserInputError ? err.message : `failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await db.close()
}
