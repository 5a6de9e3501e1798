import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { configQuery } from '../app/queries.ts'
import { useAdminAction } from './useAdminAction.ts'
import { createIncidentType, incidentTypesQuery, updateIncidentType, type IncidentTypeChanges, type NewIncidentType } from './queries.ts'

const EMPTY: NewIncidentType = { code: '', name_zh: '', name_en: '', deadline_hours: 48 }

/** The incident-type catalogue: add a type, rename it, change its time limit, retire or reinstate it. */
export function IncidentTypes() {
  const { t } = useTranslation()
  const types = useQuery(incidentTypesQuery())
  const [draft, setDraft] = useState<NewIncidentType>(EMPTY)
  // The map, report form and filters read the catalogue from the config.
  const { error, run } = useAdminAction([incidentTypesQuery().queryKey, configQuery().queryKey])
  const change = (code: string, changes: IncidentTypeChanges) => void run(() => updateIncidentType(code, changes))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(() => createIncidentType({ ...draft, code: draft.code.trim() })).then((ok) => ok && setDraft(EMPTY))
  }

  return (
    <section className="panel admin-section" data-testid="admin-types">
      <h2>{t('admin.types')}</h2>
      <p className="hint">{t('admin.typesHint')}</p>
      {error && <p className="form-error" role="alert">{error}</p>}
      <form className="row" onSubmit={submit} data-testid="type-form">
        <input placeholder={t('admin.typeCode')} data-testid="type-code" value={draft.code} pattern="[a-z][a-z0-9_]{1,39}" onChange={(e) => setDraft({ ...draft, code: e.target.value })} required />
        <input placeholder={t('admin.nameZh')} data-testid="type-name-zh" value={draft.name_zh} maxLength={40} onChange={(e) => setDraft({ ...draft, name_zh: e.target.value })} required />
        <input placeholder={t('admin.nameEn')} data-testid="type-name-en" value={draft.name_en} maxLength={60} onChange={(e) => setDraft({ ...draft, name_en: e.target.value })} required />
        <label className="field inline">
          {t('admin.deadlineHours')}
          <input type="number" min={1} max={8760} value={draft.deadline_hours} onChange={(e) => setDraft({ ...draft, deadline_hours: Number(e.target.value) })} required />
        </label>
        <button type="submit" className="button primary" data-testid="type-submit">
          {t('admin.addType')}
        </button>
      </form>
      {types.isPending && <p className="hint">{t('app.loading')}</p>}
      <table className="table" data-testid="types-table">
        <thead>
          <tr>
            <th>{t('admin.typeCode')}</th>
            <th>{t('admin.nameZh')}</th>
            <th>{t('admin.nameEn')}</th>
            <th>{t('admin.deadlineHours')}</th>
            <th>{t('admin.incidents')}</th>
            <th>{t('admin.status')}</th>
          </tr>
        </thead>
        <tbody>
          {(types.data ?? []).map((ty) => (
            // Keyed by content too, so a refused edit resets the uncontrolled inputs to the stored value.
            <tr key={`${ty.code}:${ty.name_zh}:${ty.name_en}:${ty.deadline_hours}`} className={ty.active ? '' : 'dim'} data-code={ty.code}>
              <td>
                <code>{ty.code}</code>
              </td>
              <td>
                <input defaultValue={ty.name_zh} maxLength={40} onBlur={(e) => e.target.value.trim() !== ty.name_zh && change(ty.code, { name_zh: e.target.value })} />
              </td>
              <td>
                <input defaultValue={ty.name_en} maxLength={60} onBlur={(e) => e.target.value.trim() !== ty.name_en && change(ty.code, { name_en: e.target.value })} />
              </td>
              <td>
                <input
                  type="number"
                  min={1}
                  max={8760}
                  defaultValue={ty.deadline_hours}
                  onBlur={(e) => Number(e.target.value) !== ty.deadline_hours && change(ty.code, { deadline_hours: Number(e.target.value) })}
                />
              </td>
              <td>{ty.incidents.toLocaleString()}</td>
              <td>
                <label className="check">
                  <input type="checkbox" data-testid="type-active" checked={ty.active} onChange={(e) => change(ty.code, { active: e.target.checked })} />
                  {ty.active ? t('admin.typeActive') : t('admin.typeRetired')}
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
