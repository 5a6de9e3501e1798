import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import type { AreaDetail } from '../app/client.ts'
import { inScope, type User } from '../auth/queries.ts'
import { COVERAGE_COLORS, COVERAGE_KIND_ORDER, css } from '../map/colors.ts'
import type { CoverageCheck, CoverageKind, CoverageProblem } from './coverage.ts'

/** A district with depth=all can answer thousands of pieces when boundaries are badly broken; the map draws all, the list the largest first few. */
const MAX_LISTED = 200

interface Props {
  detail: AreaDetail
  user: User
  check: CoverageCheck
  /** Frame a problem on the map. */
  onFocus(problem: CoverageProblem): void
}

/**
 * "Validate coverage" for the area in the panel (issue 7): runs GET /api/areas/:id/coverage,
 * summarises the answer and lists each problem; the map draws them (layers/coverage.ts).
 * Offered for every area in the user's scope that has children: the API answers 404 for the
 * ancestors a user only sees for orientation, and reading the check changes nothing.
 */
export function CoveragePanel({ detail: d, user, check, onFocus }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const [depthAll, setDepthAll] = useState(false)
  const path = d.ancestors.map((a) => a.id)
  if (d.children.length === 0 || !inScope(user, path, d.id)) return null
  // Below a grid there are only micro-grids: "all levels" would check the same thing.
  const deeper = d.level !== 'grid'
  const depth = deeper && depthAll ? 'all' : '1'
  const names = new Map<number, string>([[d.id, d.name], ...d.children.map((c) => [c.id, c.name] as [number, string])])
  const nameOf = (id: number) => names.get(id) ?? `#${id}`
  const result = check.result
  const problems = result?.features ?? []
  const counts = new Map<CoverageKind, number>()
  for (const p of problems) counts.set(p.properties.kind, (counts.get(p.properties.kind) ?? 0) + 1)

  return (
    <section className="coverage" data-testid="coverage">
      <div className="row coverage-actions">
        <button type="button" className="button" disabled={check.loading} onClick={() => check.run(d.id, depth)} data-testid="coverage-validate">
          {check.loading ? t('coverage.running') : t('coverage.validate')}
        </button>
        {deeper && (
          <label className="check">
            <input type="checkbox" checked={depthAll} onChange={(e) => setDepthAll(e.target.checked)} data-testid="coverage-depth-all" />
            {t('coverage.allLevels')}
          </label>
        )}
        {check.request && (
          <button type="button" className="link" onClick={check.clear} data-testid="coverage-clear">
            {t('coverage.clear')}
          </button>
        )}
      </div>
      {check.error && <p className="hint error">{t('app.error')}: {check.error.message}</p>}
      {result && (
        <>
          <p className={`coverage-summary ${problems.length ? 'bad' : 'good'}`} data-testid="coverage-summary" data-count={problems.length} data-parents={result.validated.parents}>
            {problems.length === 0
              ? t('coverage.full')
              : COVERAGE_KIND_ORDER.filter((k) => counts.has(k)).map((k) => (
                  <span key={k} className="coverage-count" data-kind={k} data-count={counts.get(k)}>
                    <span className="swatch dot" style={{ background: css(COVERAGE_COLORS[k]) }} />
                    {t(`coverage.kind.${k}`)} {formatNumber(counts.get(k)!, lang)}
                  </span>
                ))}
          </p>
          <p className="hint">
            {t('coverage.checked', {
              parents: formatNumber(result.validated.parents, lang),
              children: formatNumber(result.validated.children, lang),
              m2: formatNumber(result.validated.sliver_m2, lang),
              width: formatNumber(result.validated.sliver_width_m, lang),
            })}
          </p>
          {problems.length > 0 && (
            <ul className="coverage-problems" data-testid="coverage-problems">
              {problems.slice(0, MAX_LISTED).map((p) => {
                const q = p.properties
                return (
                  <li key={p.id}>
                    <button
                      type="button"
                      className={`coverage-problem ${check.selectedProblem === p.id ? 'selected' : ''}`}
                      onClick={() => {
                        check.select(p.id)
                        onFocus(p)
                      }}
                      data-problem-id={p.id}
                      data-kind={q.kind}
                      data-area-m2={q.area_m2}
                    >
                      <span className="swatch dot" style={{ background: css(COVERAGE_COLORS[q.kind]) }} />
                      <span className="coverage-kind">
                        {t(`coverage.kind.${q.kind}`)}
                        {q.sliver_of && <span className="muted"> ({t(`coverage.kind.${q.sliver_of}`)})</span>}
                      </span>
                      <span className="coverage-m2">{formatNumber(q.area_m2, lang, q.area_m2 < 10 ? 2 : 0)} m²</span>
                      <span className="coverage-detail">
                        {q.parent !== d.id && <>{t('coverage.in', { name: nameOf(q.parent) })} · </>}
                        {q.children.length > 0 ? q.children.map(nameOf).join(' / ') : t('coverage.noChild')}
                        {q.reason && <span className="coverage-reason"> · {q.reason}</span>}
                      </span>
                    </button>
                  </li>
                )
              })}
            </ul>
          )}
          {problems.length > MAX_LISTED && <p className="hint">{t('coverage.more', { n: formatNumber(problems.length - MAX_LISTED, lang) })}</p>}
        </>
      )}
    </section>
  )
}
