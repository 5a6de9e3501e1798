import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../api/config.ts'

describe('configuration from the environment', () => {
  it('has defaults for a fresh machine', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 8787, HOST: '127.0.0.1', DATA_DIR: '.data', SEED_SCALE: 'district' })
    expect(loadConfig({}).DATABASE_URL).toBeUndefined()
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(8787)
  })

  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'abc', SEED_SCALE: 'huge', DATABASE_URL: 'not a url' })).toThrow(/PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/)
    expect(() => loadConfig({ SEED_SCALE: 'huge' })).toThrow(/SEED_SCALE/)
  })
})
