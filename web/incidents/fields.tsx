import { useTranslation } from 'react-i18next'

/** The incident type and description inputs shared by the report and edit forms. */
export function TypeAndDescription(props: {
  types: readonly string[]
  type: string
  description: string
  onType(type: string): void
  onDescription(description: string): void
  placeholder?: string
  /** Prefix of the inputs' test ids: `<prefix>-type`, `<prefix>-description`. */
  testId: string
}) {
  const { t } = useTranslation()
  return (
    <>
      <label className="field">
        <span>{t('incident.field.type')}</span>
        <select value={props.type} onChange={(e) => props.onType(e.target.value)} required data-testid={`${props.testId}-type`}>
          {props.types.map((ty) => (
            <option key={ty} value={ty}>
              {t(`incidentType.${ty}`, { defaultValue: ty })}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('incident.field.description')}</span>
        <textarea
          rows={3}
          maxLength={2000}
          value={props.description}
          placeholder={props.placeholder}
          onChange={(e) => props.onDescription(e.target.value)}
          data-testid={`${props.testId}-description`}
        />
      </label>
    </>
  )
}
