import { z } from 'zod'

/** A comma-separated list, each item checked by `item`. */
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item))

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  SEED_SCALE: z.enum(['small', 'district', 'large']).default('district'),
  SEED: z.coerce.number().int().optional(),
  BASEMAP_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['silent', 'error', 'info', 'debug']).default('info'),
  /** Password of the demo accounts created when the demo district is first seeded. */
  DEMO_PASSWORD: z.string().min(10, 'must be at least 10 characters').default('gridpulse-demo'),
  /** Addresses of reverse proxies whose X-Forwarded-* headers are believed. */
  TRUST_PROXY: list(z.union([z.ipv4(), z.ipv6()], { error: 'must be IP addresses' })),
  /** Browser origins allowed to call the API cross-origin; none by default. */
  CORS_ORIGINS: list(z.string().url().refine((u) => new URL(u).origin === u, 'must be origins like https://host:port')),
  /** Extra origins the Content-Security-Policy allows for map data (the BASEMAP_URL origin is added). */
  CSP_ORIGINS: list(z.string().url().refine((u) => new URL(u).origin === u, 'must be origins like https://host:port')),
})

export type Config = z.infer<typeof schema>

/** Read the environment once at start-up; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const parsed = schema.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
