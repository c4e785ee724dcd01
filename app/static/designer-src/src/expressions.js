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
