import { BarChart, HeatmapChart, LineChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import { init, use, type EChartsCoreOption, type EChartsType } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { useCallback, useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type { Charts as ChartData } from './types.ts'

use([LineChart, BarChart, HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

const FONT = "'Noto Sans SC', system-ui, sans-serif"

/**
 * Disposes a chart without the zrender 6.1 crash: a paint that overran its frame budget (a busy
 * machine) continues in the next animation frame, and after dispose() that continuation reads
 * the painter's freed layers ("Cannot read properties of null (reading 'layerStack')"). The
 * continuation checks the painter's redraw id first, so a new id cancels it.
 */
function disposeChart(c: EChartsType) {
  const painter = c.getZr().painter as unknown as { _redrawId?: number }
  painter._redrawId = Number.NaN
  c.dispose()
}

/** One ECharts canvas; re-created when the language changes (ECharts' locale is fixed at init). */
function EChart({ option, height, testId, onClick }: { option: EChartsCoreOption; height: number; testId: string; onClick?(data: unknown): void }) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | null>(null)
  const { i18n } = useTranslation()
  useEffect(() => {
    if (!el.current) return
    const c = init(el.current, undefined, { locale: i18n.language === 'en' ? 'EN' : 'ZH', renderer: 'canvas' })
    chart.current = c
    const onResize = () => c.resize()
    window.addEventListener('resize', onResize)
    return () => {
      window.removeEventListener('resize', onResize)
      disposeChart(c)
      chart.current = null
    }
  }, [i18n.language])
  useEffect(() => {
    const c = chart.current
    if (!c || !onClick) return
    const handler = (e: { data?: unknown }) => onClick(e.data)
    c.on('click', handler)
    return () => void c.off('click', handler)
  }, [onClick, i18n.language])
  useEffect(() => {
    chart.current?.setOption({ textStyle: { fontFamily: FONT }, animation: false, ...option }, true)
  }, [option, i18n.language])
  return <div ref={el} style={{ height }} data-testid={testId} />
}

const WEEKDAYS = { 'zh-CN': ['周一', '周二', '周三', '周四', '周五', '周六', '周日'], en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] }

/** The commander's charts: weekly trend, weekday × hour matrix, types, and the child areas with most incidents. */
export function CommanderCharts({ data, onArea }: { data: ChartData; onArea(id: number): void }) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN'
  const grid = { left: 44, right: 12, top: 16, bottom: 28 }

  const trend: EChartsCoreOption = {
    grid,
    tooltip: { trigger: 'axis' },
    // Weeks as categories labelled by their Monday (M/D); the first and last may be partial weeks.
    xAxis: { type: 'category', data: data.weekly.map((w) => `${Number(w.week.slice(5, 7))}/${Number(w.week.slice(8, 10))}`), axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'line', name: t('commander.kpi.new'), showSymbol: data.weekly.length < 30, areaStyle: { opacity: 0.15 }, data: data.weekly.map((w) => w.count) }],
  }

  const maxCell = Math.max(1, ...data.hour_weekday.map((c) => c.count))
  const matrix: EChartsCoreOption = {
    grid: { ...grid, left: 40, bottom: 48 },
    tooltip: { position: 'top' },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h)), splitArea: { show: true } },
    yAxis: { type: 'category', data: WEEKDAYS[lang], inverse: true },
    visualMap: { min: 0, max: maxCell, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 80, itemWidth: 10, inRange: { color: ['#fff7ec', '#fdbb84', '#d7301f', '#7f0000'] } },
    series: [{ type: 'heatmap', data: data.hour_weekday.map((c) => [c.hour, c.weekday - 1, c.count]) }],
  }

  const types = [...data.types].reverse()
  const typeBars: EChartsCoreOption = {
    grid: { ...grid, left: 110 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: types.map((x) => t(`incidentType.${x.type}`)) },
    series: [{ type: 'bar', data: types.map((x) => x.count), itemStyle: { color: '#e6550d' } }],
  }

  const top = data.areas.slice(0, 10).reverse()
  // A click on a bar drills down to that area.
  const onBar = useCallback((d: unknown) => {
    const id = (d as { id?: number } | undefined)?.id
    if (id !== undefined) onArea(id)
  }, [onArea])
  const areaBars: EChartsCoreOption = {
    grid: { ...grid, left: 110 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: top.map((a) => a.name) },
    series: [{ type: 'bar', data: top.map((a) => ({ value: a.count, id: a.id })), itemStyle: { color: '#3182bd' }, cursor: 'pointer' }],
  }

  return (
    <div className="charts">
      <h3>{t('commander.charts.trend')}</h3>
      <EChart option={trend} height={150} testId="chart-trend" />
      <h3>{t('commander.charts.hourWeekday')}</h3>
      <EChart option={matrix} height={210} testId="chart-matrix" />
      <h3>{t('commander.charts.types')}</h3>
      <EChart option={typeBars} height={Math.max(120, 22 * types.length + 44)} testId="chart-types" />
      {top.length > 0 && (
        <>
          <h3>{t('commander.charts.topAreas')}</h3>
          <EChart option={areaBars} height={Math.max(120, 22 * top.length + 44)} testId="chart-areas" onClick={onBar} />
        </>
      )}
    </div>
  )
}
