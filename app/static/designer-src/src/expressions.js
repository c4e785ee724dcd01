// Due times and timer values are Python expressions in LIGAT (a process variable such as
// `sla_lapangan`, or a literal `"PT72H"` with its quotes). The panel shows a literal without
// its quotes and writes it back quoted, so a designer types PT72H and never the quotes.

const ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/i;
const WORKING_DAYS = /^\d+\s*(hari\s+kerja|working\s+days?)$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const ISO_CYCLE = /^R\d*\/.+$/i;
const QUOTED = /^(["'])(.*)\1$/s;

/** A value a designer types that LIGAT must receive as a quoted string literal. */
export function isLiteral(text, kind) {
  const value = (text || '').trim();
  if (kind === 'timeDate') return ISO_DATE.test(value);
  if (kind === 'timeCycle') return ISO_CYCLE.test(value) || ISO_DURATION.test(value);
  return ISO_DURATION.test(value) || WORKING_DAYS.test(value);
}

/** The expression stored in the diagram → the text shown in the panel. */
export function toPlain(expression) {
  const value = (expression || '').trim();
  const match = QUOTED.exec(value);
  if (match && !match[2].includes(match[1])) return match[2];
  return value;
}

/** The text typed in the panel → the expression LIGAT evaluates (undefined when empty). */
export function toExpression(text, kind) {
  const value = (text || '').trim();
  if (!value) return undefined;
  if (QUOTED.test(value)) return value;
  return isLiteral(value, kind) ? `"${value}"` : value;
}

// A plain name, a dotted name or a call (sla_lapangan, time_after(sla)), or anything with an
// operator or a bracket: passed to LIGAT as Python, which the draft check compiles.
const EXPRESSION = /^[A-Za-z_][\w.]*(\(.*\))?$|[-+*/%<>=()[\]]/s;

const MESSAGES = {
  unknown: ['Tidak dikenali: tulis durasi ISO-8601 (PT72H, P3D), "3 hari kerja", atau nama variabel proses.',
    'Not recognised: write an ISO-8601 duration (PT72H, P3D), "3 hari kerja" (working days), or a process variable.'],
  timeDate: ['Tidak dikenali: tulis tanggal ISO-8601 (2026-12-31T09:00:00) atau ekspresi (time_after(sla)).',
    'Not recognised: write an ISO-8601 date (2026-12-31T09:00:00) or an expression (time_after(sla)).'],
  timeCycle: ['Tidak dikenali: tulis siklus ISO-8601 (R3/P1D) atau nama variabel proses.',
    'Not recognised: write an ISO-8601 cycle (R3/P1D) or a process variable.'],
  workingDaysTimer: ['Timer durasi hanya menerima ISO-8601. Untuk hari kerja pilih jenis Tanggal/waktu dan tulis time_after("3 hari kerja").',
    'A duration timer takes ISO-8601 only. For working days choose the Date/time type and write time_after("3 hari kerja").'],
};

/** Why the typed text cannot be written (in `lang`), or null when it can. */
export function validateExpression(text, kind, lang) {
  const value = (text || '').trim();
  const say = (key) => MESSAGES[key][lang === 'en' ? 1 : 0];
  if (!value) return null;
  const quoted = QUOTED.exec(value);
  const literal = quoted ? quoted[2] : value;
  if (kind === 'timeDuration' && WORKING_DAYS.test(literal.trim())) return say('workingDaysTimer');
  if (isLiteral(literal, kind)) return null;
  if (!quoted && EXPRESSION.test(value)) return null;
  return say(kind === 'timeDate' || kind === 'timeCycle' ? kind : 'unknown');
}
