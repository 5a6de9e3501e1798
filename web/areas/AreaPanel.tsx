import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import { colorOf, css, INCIDENT_COLORS } from '../map/colors.ts'
import { inScope, type User } from '../auth/queries.ts'
import { AreaExport } from './AreaExport.tsx'
import { AreaImportDialog } from './AreaImportDialog.tsx'
import { canExport, canImportInto, type AreaImport, type ImportProblem } from './areaImport.ts'
import type { CoverageCheck, CoverageProblem } from './coverage.ts'
import { CoveragePanel } from './CoveragePanel.tsx'
import type { BoundaryEdit, EditProblemListed } from './boundaryEdit.ts'
import { EditSection } from './EditPanel.tsx'
import type { AsOf } from './history.ts'
import { HistoryPanel } from './HistoryPanel.tsx'
import type { MicrogridGeneration, MicrogridPiece } from './microgrids.ts'
import { MicrogridPanel } from './MicrogridPanel.tsx'
import type { DrillState } from './useDrill.ts'
import { WorkersPanel } from './WorkersPanel.tsx'

interface Props {
  drill: DrillState
  user: User
  width: number
  coverage: CoverageCheck
  asOf: AsOf
  areaImport: AreaImport
  boundaryEdit: BoundaryEdit
  microgrids: MicrogridGeneration
  selectedPiece?: number
  onFocusPiece(piece: MicrogridPiece): void
  onSelect(id: number): void
  onFocusProblem(problem: CoverageProblem | ImportProblem | EditProblemListed): void
  onClose(): void
}

/** Side panel for the selected area: breadcrumb, coverage check, boundary history, import/export, boundary editing, micro-grid generation, figures, workers, incident counts, sub-areas. */
export function AreaPanel({ drill, user, width, coverage, asOf, areaImport, boundaryEdit, microgrids, selectedPiece, onFocusPiece, onSelect, onFocusProblem, onClose }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const d = drill.detail
  const n = (v: number) => formatNumber(v, lang)

  if (!d) {
    return (
      <aside className="panel area-panel" style={{ width }} data-testid="area-panel">
        <p className="hint">{drill.detailError ? `${t('app.error')}: ${drill.detailError.message}` : t('app.loading')}</p>
      </aside>
    )
  }
  const byType = Object.entries(d.incidents.by_type).sort((a, b) => b[1] - a[1])
  const maxType = Math.max(1, ...byType.map(([, c]) => c))
  // Ancestors above the user's scope are shown for orientation but cannot be opened.
  const path = d.ancestors.map((a) => a.id)
  const open = (i: number) => inScope(user, path.slice(0, i), path[i])
  const parent = d.ancestors.length && open(d.ancestors.length - 1) ? d.ancestors.at(-1) : undefined

  return (
    <aside className="panel area-panel" style={{ width }} data-testid="area-panel" data-area-id={d.id} data-level={d.level}>
      <nav className="breadcrumb" aria-label="breadcrumb">
        {d.ancestors.map((a, i) => (
          <span key={a.id}>
            {open(i) ? (
              <button type="button" className="link" onClick={() => onSelect(a.id)}>
                {a.name}
              </button>
            ) : (
              <span>{a.name}</span>
            )}
            <span className="sep">›</span>
          </span>
        ))}
        <span className="current">{d.name}</span>
      </nav>
      <div className="panel-title">
        <h2 data-testid="area-name">{d.name}</h2>
        <span className={`badge level-${d.level}`}>{t(`level.${d.level}`)}</span>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('panel.close')} title={t('panel.close')}>
          ×
        </button>
      </div>
      <div className="row">
        <button type="button" className="button" onClick={() => onSelect(d.id)}>
          {t('panel.fit')}
        </button>
        {parent && (
          <button type="button" className="button" onClick={() => onSelect(parent.id)}>
            ↑ {t('panel.back')}
          </button>
        )}
      </div>
      <CoveragePanel detail={d} user={user} check={coverage} onFocus={onFocusProblem} />
      <HistoryPanel detail={d} asOf={asOf} />
      {(canImportInto(user, d) || canExport(user, d)) && (
        <section className="area-tools" data-testid="area-tools">
          {canExport(user, d) && <AreaExport detail={d} />}
          {canImportInto(user, d) && areaImport.areaId !== d.id && (
            <div className="row">
              <button type="button" className="button" onClick={() => areaImport.open(d.id, d.level)} data-testid="area-import-open">
                {t('areaImport.open')}
              </button>
            </div>
          )}
          {canImportInto(user, d) && areaImport.areaId === d.id && <AreaImportDialog detail={d} state={areaImport} onFocus={onFocusProblem} />}
        </section>
      )}
      <EditSection detail={d} user={user} edit={boundaryEdit} onFocus={onFocusProblem} />
      <MicrogridPanel detail={d} user={user} generation={microgrids} selectedFid={selectedPiece} onFocus={onFocusPiece} />
      <dl className="facts">
        <dt>{t('panel.code')}</dt>
        <dd>{d.code}</dd>
        <dt>{t('panel.households')}</dt>
        <dd data-testid="area-households">{n(d.households)}</dd>
        <dt>{t('panel.population')}</dt>
        <dd>{n(d.population)}</dd>
      </dl>
      <WorkersPanel detail={d} user={user} />
      <h3>{t('panel.incidents')}</h3>
      <div className="kpis">
        <div><span>{n(d.incidents.total)}</span>{t('panel.total')}</div>
        <div><span>{n(d.incidents.open)}</span>{t('panel.open')}</div>
        <div><span>{n(d.incidents.last30d)}</span>{t('panel.last30d')}</div>
      </div>
      <ul className="bars" data-testid="area-incidents-by-type">
        {byType.map(([ty, c]) => (
          <li key={ty}>
            <span className="bar-label">{t(`incidentType.${ty}`, { defaultValue: ty })}</span>
            <span className="bar">
              <span style={{ width: `${(100 * c) / maxType}%`, background: css(colorOf(INCIDENT_COLORS, ty)) }} />
            </span>
            <span className="bar-value">{n(c)}</span>
          </li>
        ))}
      </ul>
      {d.children.length > 0 && (
        <>
          <h3>
            {t('panel.children')} · {t(`level.${d.children[0].level}`)} ({d.children.length})
          </h3>
          <ul className="children">
            {d.children.map((c) => (
              <li key={c.id}>
                <button type="button" className="link" onClick={() => onSelect(c.id)}>
                  {c.name}
                </button>
                <span className="muted">{n(c.households)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  )
}
