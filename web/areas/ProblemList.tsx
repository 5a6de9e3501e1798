import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import { COVERAGE_COLORS, css, UNKNOWN_COLOR } from '../map/colors.ts'
import { polygonOf } from './areaImport.ts'

/** A badly broken file or edit can answer many pieces; the map draws all, the list the first few. */
const MAX_LISTED = 200

/** What the list reads of a problem of an import preview or a boundary edit. */
interface ListedProblem {
  id: number
  geometry: unknown
  properties: { kind: string; blocking: boolean; area_m2: number | null; reason: string | null }
}

interface Props<P extends ListedProblem> {
  problems: P[]
  selected: number | undefined
  onSelect(id: number): void
  /** Frame a problem on the map (only those with a polygon to frame). */
  onFocus(problem: P): void
  /** What the detail line says before the reason (e.g. the areas involved). */
  lead?(problem: P): ReactNode
  testId: string
}

/** The problems of an import preview or a boundary edit, blocking ones tagged; a click selects and frames one. */
export function ProblemList<P extends ListedProblem>({ problems, selected, onSelect, onFocus, lead, testId }: Props<P>) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  return (
    <ul className="coverage-problems" data-testid={testId}>
      {problems.slice(0, MAX_LISTED).map((p) => {
        const q = p.properties
        const placed = polygonOf(p.geometry) !== null
        return (
          <li key={p.id}>
            <button
              type="button"
              className={`coverage-problem ${selected === p.id ? 'selected' : ''}`}
              onClick={() => {
                onSelect(p.id)
                if (placed) onFocus(p)
              }}
              data-problem-id={p.id}
              data-kind={q.kind}
              data-blocking={q.blocking}
              data-area-m2={q.area_m2 ?? undefined}
            >
              <span className="swatch dot" style={{ background: css(COVERAGE_COLORS[q.kind as keyof typeof COVERAGE_COLORS] ?? UNKNOWN_COLOR) }} />
              <span className="coverage-kind">
                {t(`areaImport.kind.${q.kind}`, { defaultValue: q.kind })}
                <span className={q.blocking ? 'tag bad' : 'tag'}> {q.blocking ? t('areaImport.blockingTag') : t('areaImport.warningTag')}</span>
              </span>
              <span className="coverage-m2">{q.area_m2 === null ? '' : `${formatNumber(q.area_m2, lang, q.area_m2 < 10 ? 2 : 0)} m²`}</span>
              <span className="coverage-detail">
                {lead?.(p)}
                {q.reason}
              </span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
