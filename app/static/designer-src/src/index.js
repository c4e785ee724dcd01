// window.LigatDesigner: the process designer's editors (BPMN with the LIGAT properties panel and
// bpmnlint, DMN, a read-only viewer) behind one small API the workbench pages call.

import BpmnModeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import camunda from 'camunda-bpmn-moddle/resources/camunda.json';

import spiffworkflow from './spiffworkflow.json';
import LigatPropertiesProvider from './ligat-properties';
import { translateModule } from './i18n';
import { lintDefinitions } from './lint';
import { MarkerLayer, PathLayer, colourElement } from './markers';
import { toExpression, toPlain, validateExpression } from './expressions';

const moddleExtensions = { spiffworkflow, camunda };
// As parsing.detect_dialect: a diagram using any camunda attribute or element is Camunda's.
const CAMUNDA_USE = /\scamunda:[\w-]+\s*=|<camunda:/;

function language(options) {
  return options && options.lang === 'en' ? 'en' : 'id';
}

function importError(error, what) {
  const reason = (error && error.message) || String(error);
  const wrapped = new Error(`${what[0]} tidak dapat dibuka: ${reason} (${what[1]} cannot be opened: ${reason})`);
  wrapped.cause = error;
  return wrapped;
}

/** Zoom to the whole diagram, beside the palette (which would otherwise hide the pool's left edge). */
function fit(canvas, container) {
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height || !outer.width || !outer.height) return;
  const palette = container.querySelector('.djs-palette');
  const left = (palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left : 0) + 12;
  const scale = Math.min((outer.width - left - 12) / inner.width, (outer.height - 24) / inner.height, 1);
  canvas.viewbox({
    x: inner.x - left / scale, y: inner.y - 12 / scale, width: outer.width / scale, height: outer.height / scale,
  });
}

function bpmnApi(diagram, lang) {
  const markers = new MarkerLayer(diagram.get('injector'), 'ligat-markers', lang);
  const path = new PathLayer(diagram.get('injector'));
  return {
    diagram,
    async importXML(xml) {
      markers.reset();
      path.reset();
      let result;
      try {
        result = await diagram.importXML(xml);
      } catch (error) {
        throw importError(error, ['Diagram BPMN', 'The BPMN diagram']);
      }
      fit(diagram.get('canvas'), diagram.get('canvas').getContainer());
      return { warnings: (result.warnings || []).map((w) => w.message) };
    },
    async saveXML() {
      const { xml } = await diagram.saveXML({ format: true });
      return xml;
    },
    setMarkers(list) {
      return markers.set(list);
    },
    showPath(elementIds, failedElementId = null) {
      path.show(elementIds, failedElementId);
    },
    destroy() {
      diagram.destroy();
    },
  };
}

/** The BPMN editor with the LIGAT properties panel in `options.propertiesParent`. */
async function createBpmnEditor(canvasEl, options = {}) {
  const lang = language(options);
  const ligat = { roles: options.roles || [], forms: options.forms || [], lang };
  const modeler = new BpmnModeler({
    container: canvasEl,
    propertiesPanel: options.propertiesParent ? { parent: options.propertiesParent } : undefined,
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      { __init__: ['ligatPropertiesProvider'], ligatPropertiesProvider: ['type', LigatPropertiesProvider] },
      translateModule(lang),
    ],
    moddleExtensions,
    ligat,
  });
  const api = bpmnApi(modeler, lang);
  const lintLayer = new MarkerLayer(modeler.get('injector'), 'ligat-lint', lang);
  const importXML = api.importXML;
  return Object.assign(api, {
    modeler,
    async importXML(xml) {
      lintLayer.reset();
      ligat.dialect = CAMUNDA_USE.test(xml) ? 'camunda' : 'spiff';
      return importXML(xml);
    },
    /** 'spiff' or 'camunda': where the panel writes LIGAT's properties. */
    dialect() {
      return ligat.dialect;
    },
    onChange(callback) {
      const listener = () => callback();
      modeler.on('commandStack.changed', listener);
      return () => modeler.off('commandStack.changed', listener);
    },
    /** bpmnlint findings, also drawn as markers (a layer of their own, apart from setMarkers). */
    async lint() {
      const findings = await lintDefinitions(modeler.getDefinitions());
      lintLayer.set(findings);
      return findings;
    },
    clearLint() {
      lintLayer.clear();
    },
  });
}

/** A read-only, navigable viewer (heatmap, diff): importXML, showPath, colour, setMarkers. */
async function createViewer(containerEl, options = {}) {
  const viewer = new NavigatedViewer({ container: containerEl, moddleExtensions });
  const api = bpmnApi(viewer, language(options));
  return Object.assign(api, {
    viewer,
    colour(elementId, colours) {
      return colourElement(viewer.get('injector'), elementId, colours);
    },
  });
}

/** The DMN editor (decision tables, DRD, literal expressions). */
async function createDmnEditor(containerEl, options = {}) {
  // dmn-js gives each view only its own additionalModules (not `common`'s): translation per view.
  const translation = { additionalModules: [translateModule(language(options))] };
  const modeler = new DmnModeler({
    container: containerEl,
    drd: translation,
    decisionTable: translation,
    literalExpression: translation,
    boxedExpression: translation,
  });
  const callbacks = new Set();
  const watched = new WeakSet();
  const watchActive = () => {
    const viewer = modeler.getActiveViewer();
    if (!viewer || watched.has(viewer)) return;
    watched.add(viewer);
    viewer.get('eventBus').on('elements.changed', () => callbacks.forEach((cb) => cb()));
  };
  modeler.on('views.changed', watchActive);
  return {
    modeler,
    lang: language(options),
    async importXML(xml) {
      let result;
      try {
        result = await modeler.importXML(xml);
      } catch (error) {
        throw importError(error, ['Tabel keputusan DMN', 'The DMN decision table']);
      }
      watchActive();
      return { warnings: (result.warnings || []).map((w) => w.message) };
    },
    async saveXML() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    onChange(callback) {
      callbacks.add(callback);
      return () => callbacks.delete(callback);
    },
    destroy() {
      modeler.destroy();
    },
  };
}

window.LigatDesigner = {
  createBpmnEditor,
  createDmnEditor,
  createViewer,
  expressions: { toPlain, toExpression, validateExpression },
};
