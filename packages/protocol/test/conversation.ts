import type { ChatMessage } from '../src/index.js'

// Words roughly as frequent as in English prose (Zipf's law over a 600-word vocabulary), so the
// compression measured on it is neither flattered by repetition nor hurt by random bytes.
const vocabulary = (
  'the of and to a in is that it for you with as on was be this are or by not at from have an ' +
  'but can your which all will one more we if has their there would what about so they when ' +
  'model token host session data can use how time each other its also these only some first ' +
  'new into may any like then them than most well very just because should through over need ' +
  'example function value return error request response stream context message network price ' +
  'user system memory cache server client contract proof hash key signature chain node peer ' +
  'build test deploy config option default limit buffer queue retry timeout signal abort event ' +
  'question answer explain describe summary detail reason result step part case point way ' +
  'number string object array list table field type schema format version update change ' +
  'write read send receive open close start stop begin end run call check verify compute ' +
  'large small fast slow good better best simple complex clear short long early late high low ' +
  'first second third next last previous current final initial main local remote public ' +
  'people world life work day year part place problem fact group company system program ' +
  'history science music water energy light color space earth city country market story ' +
  'because although however therefore instead while during before after since until unless ' +
  'important different possible available common specific similar certain likely necessary ' +
  'python javascript typescript rust code library package module import export class method ' +
  'could might must shall does did done made make makes making take takes took give gives ' +
  'here where why who whom whose something nothing everything anything someone everyone'
).split(' ')

function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A deterministic conversation of `turns` messages: short user questions, longer answers. */
export function makeConversation(turns: number, seed = 42): ChatMessage[] {
  const random = mulberry32(seed)
  const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 2.2)] ?? 'the'
  const sentence = () => {
    const words = Array.from({ length: 6 + Math.floor(random() * 14) }, word)
    const text = words.join(' ')
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${random() < 0.15 ? '?' : '.'}`
  }
  const paragraph = (sentences: number) => Array.from({ length: sentences }, sentence).join(' ')
  return Array.from({ length: turns }, (_, index): ChatMessage => {
    if (index === 0) return { role: 'system', content: paragraph(2) }
    return index % 2 === 1
      ? { role: 'user', content: paragraph(1 + Math.floor(random() * 2)) }
      : { role: 'assistant', content: paragraph(3 + Math.floor(random() * 6)) }
  })
}
