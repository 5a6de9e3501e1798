import type { PickingInfo } from '@deck.gl/core'
import { useQuery } from '@tanstack/react-query'
import { useCallback, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { StationFeature } from '../app/client.ts'
import { pickSurfaceLayer } from '../map/layers/incidents.ts'
import { stationRegistryLayers } from '../map/layers/stations.ts'
import { StationForm } from './StationForm.tsx'
import { StationImportDialog } from './StationImportDialog.tsx'
import { StationPanel } from './StationPanel.tsx'
import { stationDetailQuery, stationsQuery } from './queries.ts'
import { usePickLocation } from '../app/usePickLocation.ts'

/** While set, a map click picks a place: for a new station, or the new place of the open one. */
type PickMode = 'add' | 'move'

/**
 * The station registry's state on a map page: the open station, a place being picked (add or
 * move), the import dialog, the layers that draw them and the click handler that feeds them.
 * `bbox` (the district's) bounds the surface that catches clicks while a place is picked.
 */
export function useStationRegistry(bbox: readonly number[] | undefined) {
  const [openId, setOpenId] = useState<number | undefined>()
  const { mode: pickMode, setMode: setPickMode, picked, setPicked, end: endPick } = usePickLocation<PickMode>()
  const [importOpen, setImportOpen] = useState(false)
  const list = useQuery(stationsQuery({ includeClosed: true }))
  const open = useQuery(stationDetailQuery(openId))

  const o = open.data
  const layers = useMemo(
    () => [
      ...stationRegistryLayers(list.data?.features ?? [], {
        focus: o && pickMode !== 'add' ? { position: [o.lon, o.lat], radiusM: o.service_radius_m, open: o.closed_on === null } : undefined,
        draft: picked,
      }),
      // Last, so that while picking every click lands on it.
      ...(bbox ? [pickSurfaceLayer(bbox, { active: !!pickMode })] : []),
    ],
    [list.data, o, picked, pickMode, bbox],
  )

  /** Handles a map click; false when it was not the registry's (no pick under way, no station hit). */
  const onClick = useCallback(
    (picks: PickingInfo[]): boolean => {
      if (pickMode) {
        const c = picks[0]?.coordinate
        if (c) setPicked([c[0], c[1]])
        return true
      }
      const hit = picks.find((p) => p.layer?.id === 'registry-stations' && p.object)
      if (!hit) return false
      setOpenId((hit.object as StationFeature).properties.id)
      return true
    },
    [pickMode],
  )

  return {
    openId, setOpenId, pickMode, setPickMode, picked, setPicked, endPick, importOpen, setImportOpen, layers, onClick,
    ready: !!list.data,
    stationCount: list.data?.features.length,
  }
}

export type StationRegistryState = ReturnType<typeof useStationRegistry>

/** The registry's panel: add and import buttons, the register form while adding, the open station's panel. */
export function StationRegistryPanel({ reg, canManage }: { reg: StationRegistryState; canManage: boolean }) {
  const { t } = useTranslation()
  return (
    <aside className="panel station-registry" data-testid="station-registry">
      <h2>{t('stations.title')}</h2>
      {canManage && reg.pickMode !== 'add' && (
        <div className="row">
          <button
            type="button"
            className="button"
            onClick={() => {
              reg.setOpenId(undefined)
              reg.setPicked(null)
              reg.setPickMode('add')
            }}
            data-testid="station-add"
          >
            {t('stations.add')}
          </button>
          <button type="button" className="button" onClick={() => reg.setImportOpen(true)} data-testid="station-import">{t('stations.importButton')}</button>
        </div>
      )}
      {reg.pickMode === 'add' ? (
        <StationForm
          point={reg.picked}
          onCancel={reg.endPick}
          onCreated={(s) => {
            reg.endPick()
            reg.setOpenId(s.id)
          }}
        />
      ) : reg.openId !== undefined ? (
        <StationPanel
          id={reg.openId}
          canManage={canManage}
          moving={reg.pickMode === 'move'}
          moveTarget={reg.pickMode === 'move' ? reg.picked : null}
          onMoveStart={() => {
            reg.setPicked(null)
            reg.setPickMode('move')
          }}
          onMoveEnd={reg.endPick}
          onClose={() => {
            reg.endPick()
            reg.setOpenId(undefined)
          }}
        />
      ) : (
        <p className="hint">{t('stations.clickHint', { n: reg.stationCount ?? '…' })}</p>
      )}
      {reg.importOpen && <StationImportDialog onClose={() => reg.setImportOpen(false)} />}
    </aside>
  )
}
