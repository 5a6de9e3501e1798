import { useEffect, useState } from 'react'

/** The CJK font shipped with the app (@fontsource/noto-sans-sc); machines may have none. */
export const FONT_FAMILY = '"Noto Sans SC", sans-serif'

/**
 * True once the font pieces covering `text` are loaded. The font is split by unicode-range,
 * so the browser fetches only the pieces those characters need; deck.gl TextLayer draws its
 * glyph atlas once, so it must wait for them.
 */
export function useFontReady(text: string, weights: number[] = [500, 700]): boolean {
  const [readyFor, setReadyFor] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    const sample = text || '网格'
    Promise.all(weights.map((w) => document.fonts.load(`${w} 16px "Noto Sans SC"`, sample)))
      .catch(() => undefined)
      .then(() => live && setReadyFor(text))
    return () => {
      live = false
    }
  }, [text, weights.join()])
  return readyFor === text
}
