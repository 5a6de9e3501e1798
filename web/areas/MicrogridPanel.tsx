import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import type { AreaDetail } from '../app/client.ts'
import { inScope, type User } from '../auth/queries.ts'
import { canGenerateMicrogrids, type MicrogridGeneration, type MicrogridPiece } from './microgrids.ts'

/** The API's bounds of `target` (api/areas/microgrids.ts MICROGRID_HOUSEHOLDS). */
const TARGET = { min: 30, max: 150, default: 100 }

interface Props {
  detail: AreaDetail
  user: User
  generation: MicrogridGeneration
  selectedFid?: number
  /** Frame a piece on the map (and outline it). */
  onFocus(piece: MicrogridPiece): void
}

/**
 * "Generate micro-grids" for a grid (issue 7; docs/microgrids.md): a target household count, the
 * preview's summary and pieces (drawn by map/layers/microgrids.ts), accept (the import commit:
 * the grid's micro-grids are replaced) or discard. Admins and commanders in scope only.
 */
export function MicrogridPanel({ detail: d, user, generation: g, selectedFid, onFocus }: Props) {
  const { t, i18n } = useTranslation()
  const n = (v: number) => formatNumber(v, i18n.language)
  const [target, setTarget] = useState(TARGET.default)
  if (d.level !== 'grid' || !canGenerateMicrogrids(user) || !inScope(user, d.ancestors.map((a) => a.id), d.id)) return null
  const valid = Number.isInteger(target) && target >= TARGET.min && target <= TARGET.max
  const p = g.preview
  return (
    <section className="microgen" data-testid="microgen">
      <div className="row microgen-actions">
        <label className="microgen-target">
          {t('microgen.target')}
          <input
            type="number"
            min={TARGET.min}
            max={TARGET.max}
            step={1}
            value={Number.isFinite(target) ? target : ''}
            onChange={(e) => setTarget(e.target.valueAsNumber)}
            data-testid="microgen-target"
          />
        </label>
        <button type="button" className="button" disabled={!valid || g.generating || g.committing} onClick={() => g.generate(d.id, target)} data-testid="microgen-generate">
          {g.generating ? t('microgen.running') : t('microgen.generate')}
        </button>
      </div>
      {!valid && <p className="hint error">{t('microgen.bounds', { min: TARGET.min, max: TARGET.max })}</p>}
      {g.error && <p className="hint error" data-testid="microgen-error">{t('app.error')}: {g.error.message}</p>}
      {g.accepted !== undefined && !p && <p className="coverage-summary good" data-testid="microgen-accepted">{t('microgen.accepted', { count: g.accepted })}</p>}
      {p && (
        <>
          <p className={`coverage-summary ${p.summary.committable ? 'good' : 'bad'}`} data-testid="microgen-summary" data-count={p.summary.count}>
            {t('microgen.summary', { count: p.summary.count, min: n(p.summary.min), max: n(p.summary.max), mean: n(p.summary.mean) })}
          </p>
          <p className="hint">
            {p.summary.committable ? t('microgen.valid') : t('microgen.problems', { n: p.summary.problems })}{' '}
            {t('microgen.changes', { update: p.summary.update, insert: p.summary.insert, remove: p.summary.remove.length })}
          </p>
          <ul className="microgen-pieces" data-testid="microgen-pieces">
            {p.features.features.map((f) => (
              <li key={f.id}>
                <button type="button" className={`coverage-problem${f.properties.fid === selectedFid ? ' selected' : ''}`} onClick={() => onFocus(f)}>
                  <span className="microgen-no">{f.properties.fid}</span>
                  <span>{f.properties.name}</span>
                  <span className="coverage-m2">{t('microgen.households', { n: n(f.properties.households) })}</span>
                  <span className="coverage-detail">
                    {t('microgen.buildings', { n: f.properties.buildings })} · {n(Math.round(f.properties.area_m2))} m² · {f.properties.code}
                    {f.properties.action === 'update' ? ` · ${t('microgen.keeps')}` : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <div className="row">
            <button type="button" className="button primary" disabled={!p.summary.committable || g.committing} onClick={g.accept} data-testid="microgen-accept">
              {g.committing ? t('microgen.accepting') : t('microgen.accept')}
            </button>
            <button type="button" className="button" disabled={g.committing} onClick={g.discard} data-testid="microgen-discard">
              {t('microgen.discard')}
            </button>
          </div>
        </>
      )}
    </section>
  )
}
