import type { IncidentStatus } from '../../geo-data/generate/types.ts'

/**
 * Allowed transitions of the incident workflow: reported 上报 → accepted 受理 → dispatched 派遣 →
 * handled 处置 → verified 核查 → closed 结案. Any open stage may be sent back (returned 退回): the
 * command centre then re-accepts it (accepted) or closes it (e.g. a duplicate or an invalid report).
 */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  reported: ['accepted', 'returned'],
  accepted: ['dispatched', 'returned'],
  dispatched: ['handled', 'returned'],
  handled: ['verified', 'returned'],
  verified: ['closed', 'returned'],
  returned: ['accepted', 'closed'],
  closed: [],
}

/** Partner units an incident can be dispatched to instead of a grid member (居民点单、社区下单、共建单位接单). */
export const PARTNER_UNITS = ['property_company', 'police_post', 'legal_aid', 'psych_service'] as const
export type PartnerUnit = (typeof PARTNER_UNITS)[number]

/** Null when `from → to` is allowed, else the reason it is not. */
export function transitionError(from: IncidentStatus, to: IncidentStatus): string | null {
  if (TRANSITIONS[from].includes(to)) return null
  const allowed = TRANSITIONS[from]
  return allowed.length
    ? `an incident that is ${from} can go to ${allowed.join(' or ')}, not ${to}`
    : `a ${from} incident cannot change status`
}
