import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, redactText } from '../../api/lib/log.ts'

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: string[] = []
  const dest = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { log: createLogger('info', dest), lines }
}

describe('application logs', () => {
  it('redact phone numbers and ID-card numbers in messages, fields, nested objects and errors', () => {
    const { log, lines } = capture()
    log.info({ reporter: { phone: '13812345678', note: 'call +86 139-1234-5678 back' }, ids: ['11010519900307123X'] }, 'resident 110105199003071234 called from 15900001111')
    log.error({ err: new Error('duplicate phone 13700001111') }, 'failed')
    const text = lines.join('\n')
    for (const secret of ['13812345678', '139-1234-5678', '11010519900307123X', '110105199003071234', '15900001111', '13700001111']) expect(text).not.toContain(secret)
    expect(text).toContain('[phone]')
    expect(text).toContain('[id-card]')
    const first = JSON.parse(lines[0])
    expect(first.msg).toBe('resident [id-card] called from [phone]')
    expect(first.reporter.phone).toBe('[phone]')
  })

  it('drop passwords and cookies by key', () => {
    const { log, lines } = capture()
    log.info({ password: 'hunter2-long', headers: { cookie: 'gp_session=abc' } }, 'login')
    expect(lines[0]).not.toContain('hunter2')
    expect(lines[0]).not.toContain('abc')
  })

  it('leave ordinary numbers alone', () => {
    expect(redactText('area 510112-001-001-01 has 1234 households, 12345678901234 bytes')).toBe('area 510112-001-001-01 has 1234 households, 12345678901234 bytes')
    expect(redactText('incident 123456 at 2026-11-23')).toBe('incident 123456 at 2026-11-23')
  })
})
