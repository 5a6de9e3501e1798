import pino, { type DestinationStream, type Logger } from 'pino'

export type { Logger }

/** Mainland mobile numbers (optionally +86), and 18-character resident ID-card numbers. */
const PHONE = /(?<![\dA-Za-z])(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)/g
const ID_CARD = /(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])/g

/** A string with phone numbers and ID-card numbers replaced by placeholders. */
export function redactText(s: string): string {
  return s.replace(ID_CARD, '[id-card]').replace(PHONE, '[phone]')
}

/** Deep copy of a log value with every string redacted (objects, arrays and errors walked). */
export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactText(v)
  if (v === null || typeof v !== 'object' || depth > 6) return v
  if (v instanceof Error) return { type: v.name, message: redactText(v.message), stack: v.stack && redactText(v.stack) }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1))
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, depth + 1)]))
}

export type LogLevel = 'silent' | 'error' | 'info' | 'debug'

/**
 * The application's logger (pino, JSON lines). Residents' phone numbers and ID-card numbers are
 * redacted from every message and field, wherever they appear; cookies and passwords by key.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['password', '*.password', 'cookie', '*.cookie', 'headers.cookie', 'req.headers.cookie'], censor: '[redacted]' },
      formatters: { log: (obj) => redactValue(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>)
        },
      },
    },
    destination,
  )
}
