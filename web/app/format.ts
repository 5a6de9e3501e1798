/** Display time zone: data is stored in UTC and shown as in the street office. */
export const TIME_ZONE = 'Asia/Shanghai'

/** The local day (Asia/Shanghai) of an instant, as YYYY-MM-DD. */
export const localDay = (at: Date | string = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(at))

/** A date (YYYY-MM-DD style, localised) in Asia/Shanghai. */
export function formatDate(iso: string | Date, lang: string): string {
  return new Intl.DateTimeFormat(lang, { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso))
}

/** A date and time in Asia/Shanghai. */
export function formatDateTime(iso: string | Date, lang: string): string {
  return new Intl.DateTimeFormat(lang, {
    timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(iso))
}

/** Thousands separators per language; at most `digits` decimals. */
export function formatNumber(n: number, lang: string, digits?: number): string {
  return new Intl.NumberFormat(lang, digits === undefined ? undefined : { maximumFractionDigits: digits }).format(n)
}
