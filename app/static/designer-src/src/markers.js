// Markers (check findings, lint findings), the path a scenario took, and colours, drawn on a
// bpmn-js canvas with CSS classes and overlays. Messages are set as text, never as HTML.

const LEVELS = ['error', 'warning'];

/** The diagram element of an id: a process is drawn as its participant (pool). */
function resolve(registry, id) {
  const element = registry.get(id);
  if (element && element.parent) return element;
  const pool = registry.filter((el) => el.type === 'bpmn:Participant'
    && el.businessObject.processRef && el.businessObject.processRef.id === id)[0];
  return pool || null;
}

function badge(level, messages, lang) {
  const box = document.createElement('div');
  box.className = `ligat-marker-badge ligat-marker-badge-${level}`;
  box.tabIndex = 0;
  box.setAttribute('role', 'button');
  box.setAttribute('aria-label', messages.map((m) => m.text).join(' / '));
  const sign = document.createElement('span');
  sign.className = 'ligat-marker-sign';
  sign.textContent = level === 'error' ? '!' : '?';
  const popup = document.createElement('div');
  popup.className = 'ligat-marker-popup';
  const list = document.createElement('ul');
  messages.forEach((message) => {
    const item = document.createElement('li');
    item.className = `ligat-marker-message-${message.level}`;
    item.textContent = message.text;
    list.appendChild(item);
  });
  popup.appendChild(list);
  box.append(sign, popup);
  // A click (or a tap on a phone, which has no hover) keeps the messages open.
  box.addEventListener('click', (event) => { event.stopPropagation(); box.classList.toggle('ligat-open'); });
  return box;
}

export class MarkerLayer {
  constructor(injector, type, lang) {
    this.canvas = injector.get('canvas');
    this.overlays = injector.get('overlays');
    this.registry = injector.get('elementRegistry');
    this.type = type;
    this.lang = lang;
    this.marked = [];
  }

  /** A new diagram replaces the old one: forget what was marked on it. */
  reset() {
    this.marked = [];
  }

  clear() {
    this.overlays.remove({ type: this.type });
    this.marked.forEach(([element, cls]) => this.canvas.removeMarker(element, cls));
    this.marked = [];
  }

  /** Draw `markers`; returns those whose element is not on the diagram (to be listed instead). */
  set(markers) {
    this.clear();
    const byElement = new Map();
    const unplaced = [];
    (markers || []).forEach((marker) => {
      const element = resolve(this.registry, marker.element_id);
      if (!element) { unplaced.push(marker); return; }
      if (!byElement.has(element)) byElement.set(element, []);
      const level = LEVELS.includes(marker.level) ? marker.level : 'warning';
      const text = marker.message !== undefined ? marker.message
        : (this.lang === 'en' ? marker.message_en : marker.message_id) || '';
      byElement.get(element).push({ level, text });
    });
    byElement.forEach((messages, element) => {
      const level = messages.some((m) => m.level === 'error') ? 'error' : 'warning';
      const cls = `ligat-marker-${level}`;
      this.canvas.addMarker(element, cls);
      this.marked.push([element, cls]);
      const position = element.waypoints ? { top: -10, left: -10 } : { top: -12, right: 12 };
      this.overlays.add(element, this.type, { position, html: badge(level, messages, this.lang) });
    });
    return unplaced;
  }
}

export class PathLayer {
  constructor(injector) {
    this.canvas = injector.get('canvas');
    this.registry = injector.get('elementRegistry');
    this.marked = [];
  }

  reset() {
    this.marked = [];
  }

  clear() {
    this.marked.forEach(([element, cls]) => this.canvas.removeMarker(element, cls));
    this.marked = [];
  }

  mark(element, cls) {
    this.canvas.addMarker(element, cls);
    this.marked.push([element, cls]);
  }

  /** Highlight the elements a scenario took (and the flows between them); the failing one red. */
  show(elementIds, failedElementId) {
    this.clear();
    const ids = new Set(elementIds || []);
    ids.forEach((id) => {
      const element = this.registry.get(id);
      if (element) this.mark(element, 'ligat-path');
    });
    this.registry.filter((el) => el.type === 'bpmn:SequenceFlow' && !ids.has(el.id)).forEach((flow) => {
      const bo = flow.businessObject;
      if (ids.has(bo.sourceRef.id) && ids.has(bo.targetRef.id)) this.mark(flow, 'ligat-path');
    });
    const failed = failedElementId && this.registry.get(failedElementId);
    if (failed) this.mark(failed, 'ligat-path-failed');
  }
}

/** Colour one element of a read-only viewer (heatmap, diff): fill, stroke, label text colour. */
export function colourElement(injector, elementId, colours) {
  const registry = injector.get('elementRegistry');
  const element = registry.get(elementId);
  if (!element) return false;
  const { fill, stroke, label } = colours || {};
  const gfx = registry.getGraphics(element);
  const shape = gfx.querySelector('.djs-visual > :first-child');
  if (shape && fill && !element.waypoints) shape.style.fill = fill;
  if (shape && stroke) shape.style.stroke = stroke;
  const texts = [...gfx.querySelectorAll('.djs-visual text')];
  const external = registry.get(`${elementId}_label`) || element.label;
  if (external) texts.push(...registry.getGraphics(external).querySelectorAll('.djs-visual text'));
  if (label) texts.forEach((text) => { text.style.fill = label; });
  return true;
}
