import type { TFunction } from 'i18next'
import { ApiError } from '../app/api.ts'

/**
 * A failed write as the user should read it: a localised headline for the API's error code (when
 * there is one) followed by the API's own message, which names the exact reason (e.g. the allowed
 * transitions, the offending field).
 */
export function errorText(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const headline = t(`incident.error.${err.code}`, { defaultValue: '' })
    return headline ? t('incident.errorFormat', { headline, message: err.message }) : err.message
  }
  return err instanceof Error ? err.message : String(err)
}
