import { useSyncExternalStore } from 'react'
import { INCIDENT_TYPES } from '../../geo-data/generate/types.ts'

/** Which map layers are shown; stored with the other settings. */
export interface LayerVisibility {
  areas: boolean
  grids: boolean
  microGrids: boolean
  stations: boolean
  incidents: boolean
  roads: boolean
  buildings: boolean
  labels: boolean
}

/** User settings kept in localStorage. `basemapUrl` undefined means "use the server default". */
export interface Settings {
  basemapUrl?: string
  gcj02: boolean
  layers: LayerVisibility
  /** Types the user unticked; stored as hidden (not shown) so a type an admin adds appears for everyone. */
  hiddenIncidentTypes: string[]
  periodDays: number
}

const KEY = 'gridpulse.settings'
const DEFAULTS: Settings = {
  gcj02: false,
  layers: { areas: true, grids: true, microGrids: true, stations: true, incidents: true, roads: true, buildings: true, labels: true },
  hiddenIncidentTypes: [],
  periodDays: 30,
}

function load(): Settings {
  try {
    const raw = localStorage.getItem(KEY)
    if (!raw) return DEFAULTS
    const { incidentTypes: shown, ...saved } = JSON.parse(raw) as Partial<Settings> & { incidentTypes?: string[] }
    // Settings saved before types became extensible listed the shown types (all then built in).
    if (Array.isArray(shown) && !saved.hiddenIncidentTypes) saved.hiddenIncidentTypes = INCIDENT_TYPES.filter((ty) => !shown.includes(ty))
    return { ...DEFAULTS, ...saved, layers: { ...DEFAULTS.layers, ...saved.layers } }
  } catch {
    // A corrupt entry must not break the app: fall back to defaults.
    return DEFAULTS
  }
}

let current = load()
const listeners = new Set<() => void>()

/** Merges a change into the settings, persists it and notifies subscribers. */
export function updateSettings(change: Partial<Settings> | ((s: Settings) => Partial<Settings>)): void {
  const patch = typeof change === 'function' ? change(current) : change
  current = { ...current, ...patch }
  localStorage.setItem(KEY, JSON.stringify(current))
  for (const l of listeners) l()
}

/** Forgets the saved basemap so the server default applies again. */
export function resetBasemap(): void {
  const { basemapUrl: _drop, ...rest } = current
  current = { ...rest, gcj02: false }
  localStorage.setItem(KEY, JSON.stringify(current))
  for (const l of listeners) l()
}

function subscribe(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** React hook returning the current settings. */
export function useSettings(): Settings {
  return useSyncExternalStore(subscribe, () => current)
}
