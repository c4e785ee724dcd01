// The LIGAT part of the properties panel: everything LIGAT reads from a diagram
// (workflows/parsing.py, workflows/cases.py, workflows/script_checks.py), edited as fields and
// written in the exact XML form LIGAT's parser reads, so nobody types XML.

import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { useService } from 'bpmn-js-properties-panel';
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';

import { toExpression, toPlain, validateExpression } from './expressions';
import { t } from './i18n';

const HUMAN_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];
const TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

function isHumanTask(element) {
  // SpiffWorkflow runs a plain bpmn:task as a manual task: LIGAT gives it a form and a role too.
  return element.type === 'bpmn:Task' || HUMAN_TASKS.some((type) => is(element, type));
}

function timerDefinition(element) {
  const bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:Event')) return null;
  return (bo.get('eventDefinitions') || []).find((def) => is(def, 'bpmn:TimerEventDefinition')) || null;
}

function processOf(element) {
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:Process')) return bo;
  if (is(bo, 'bpmn:Participant')) return bo.get('processRef') || null;
  return null;
}

function hasConditionChoice(element) {
  if (!is(element, 'bpmn:SequenceFlow')) return false;
  const bo = getBusinessObject(element);
  const source = bo.get('sourceRef');
  return Boolean(bo.get('conditionExpression'))
    || is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway');
}

// --- extension properties ------------------------------------------------------------------
// Spiff dialect: spiffworkflow:properties/spiffworkflow:property; Camunda dialect (a diagram from
// Camunda Modeler): camunda:properties/camunda:property. LIGAT reads both (parsing.py `_properties`).

const CONTAINERS = {
  spiff: { type: 'spiffworkflow:Properties', list: 'properties', item: 'spiffworkflow:Property' },
  camunda: { type: 'camunda:Properties', list: 'values', item: 'camunda:Property' },
};

function containerOf(bo, dialect) {
  const ext = bo.get('extensionElements');
  if (!ext) return null;
  return (ext.get('values') || []).find((value) => is(value, CONTAINERS[dialect].type)) || null;
}

function findProperty(bo, name) {
  for (const dialect of Object.keys(CONTAINERS)) {
    const container = containerOf(bo, dialect);
    const prop = container && container.get(CONTAINERS[dialect].list).find((p) => p.name === name);
    if (prop) return { dialect, container, prop };
  }
  return null;
}

export function getProperty(bo, name) {
  const found = findProperty(bo, name);
  return found ? found.prop.value : undefined;
}

/** Set (or remove, with an empty value) one LIGAT property, as one undoable command. It stays
 * where it is; a new one goes into the diagram's dialect. */
export function setProperty(element, bo, name, value, dialect, bpmnFactory, commandStack) {
  const commands = [];
  const update = (moddleElement, properties) => commands.push({
    cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties },
  });
  const empty = value === undefined || value === null || value === '';
  const found = findProperty(bo, name);
  if (found) {
    const list = found.container.get(CONTAINERS[found.dialect].list);
    if (empty) update(found.container, { [CONTAINERS[found.dialect].list]: list.filter((p) => p !== found.prop) });
    else update(found.prop, { value });
  } else if (!empty) {
    const kind = CONTAINERS[dialect];
    let ext = bo.get('extensionElements');
    let container = containerOf(bo, dialect);
    if (!ext) {
      ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      update(bo, { extensionElements: ext });
    }
    if (!container) {
      container = bpmnFactory.create(kind.type, { [kind.list]: [] });
      container.$parent = ext;
      update(ext, { values: [...ext.get('values'), container] });
    }
    const created = bpmnFactory.create(kind.item, { name, value });
    created.$parent = container;
    update(container, { [kind.list]: [...container.get(kind.list), created] });
  }
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

/** One Spiff element with a text body in extensionElements (preScript, postScript, calledDecisionId). */
function getExtensionBody(bo, type) {
  const ext = bo.get('extensionElements');
  const found = ext && (ext.get('values') || []).find((value) => is(value, type));
  return found ? found.value : undefined;
}

function setExtensionBody(element, bo, type, value, bpmnFactory, commandStack) {
  const commands = [];
  const update = (moddleElement, properties) => commands.push({
    cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties },
  });
  let ext = bo.get('extensionElements');
  const found = ext && (ext.get('values') || []).find((v) => is(v, type));
  if (!value) {
    if (found) update(ext, { values: ext.get('values').filter((v) => v !== found) });
  } else if (found) {
    update(found, { value });
  } else {
    if (!ext) {
      ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      update(bo, { extensionElements: ext });
    }
    const created = bpmnFactory.create(type, { value });
    created.$parent = ext;
    update(ext, { values: [...ext.get('values'), created] });
  }
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

// The panel re-validates the stored value whenever `validate` is a new function, which would wipe
// the message about what was just typed (and not written): one function per kind and language.
const VALIDATORS = new Map();

function validator(kind, lang) {
  const key = `${kind}/${lang}`;
  if (!VALIDATORS.has(key)) VALIDATORS.set(key, (value) => validateExpression(value, kind, lang));
  return VALIDATORS.get(key);
}

// --- entries --------------------------------------------------------------------------------

function useLigat() {
  const config = useService('config.ligat', false) || {};
  return { roles: config.roles || [], forms: config.forms || [], lang: config.lang === 'en' ? 'en' : 'id',
    dialect: config.dialect === 'camunda' ? 'camunda' : 'spiff' };
}

function PropertyField(props) {
  const { element, id, name, labelKey, hintKey, target } = props;
  const { lang, dialect } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const bo = target || getBusinessObject(element);
  return TextFieldEntry({
    element, id, debounce,
    label: t(labelKey, lang),
    description: hintKey ? t(hintKey, lang) : undefined,
    getValue: () => getProperty(bo, name) || '',
    setValue: (value) => setProperty(element, bo, name, (value || '').trim() || undefined, dialect, bpmnFactory, commandStack),
  });
}

function DueIn(props) {
  const { element, id } = props;
  const { lang, dialect } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const stored = getProperty(bo, 'dueIn');
  return TextFieldEntry({
    element, id, debounce,
    label: t('dueIn', lang),
    description: t('dueInHint', lang) + (stored && stored !== toPlain(stored) ? ` ${t('writtenAs', lang)} ${stored}` : ''),
    getValue: () => toPlain(getProperty(bo, 'dueIn')),
    validate: validator('dueIn', lang),
    setValue: (value, error) => {
      if (!error) setProperty(element, bo, 'dueIn', toExpression(value, 'dueIn'), dialect, bpmnFactory, commandStack);
    },
  });
}

function FormSelect(props) {
  const { element, id, name, labelKey, uiSchema } = props;
  const { forms, lang, dialect } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const formKey = !uiSchema && dialect === 'camunda' && getProperty(bo, name) === undefined;
  const read = () => (formKey ? bo.get('camunda:formKey') : getProperty(bo, name));
  const getOptions = () => {
    const current = read();
    const wanted = forms.filter((file) => file.endsWith('.uischema.json') === uiSchema);
    const names = wanted.length ? wanted : forms;
    const options = [{ value: '', label: t('formNone', lang) }, ...names.map((file) => ({ value: file, label: file }))];
    if (current && !names.includes(current)) {
      options.push({ value: current, label: `${current} (${t('formMissing', lang)})` });
    }
    return options;
  };
  return SelectEntry({
    element, id, getOptions,
    label: t(labelKey, lang),
    getValue: () => read() || '',
    setValue: (value) => (formKey
      ? modeling.updateProperties(element, { 'camunda:formKey': value || undefined })
      : setProperty(element, bo, name, value || undefined, dialect, bpmnFactory, commandStack)),
  });
}

function laneName(bo, lang) {
  const lanes = bo.get('lanes') || [];
  return lanes[0] ? lanes[0].name || lanes[0].id : t('laneRoleNone', lang);
}

function TaskLane(props) {
  const { element, id } = props;
  const { lang } = useLigat();
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return TextFieldEntry({
    element, id, debounce, disabled: true,
    label: t('laneRole', lang),
    description: t('roleHint', lang),
    getValue: () => laneName(bo, lang),
    setValue: () => {},
  });
}

function CandidateGroup(props) {
  const { element, id } = props;
  const { roles, lang } = useLigat();
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const current = () => ((bo.get('camunda:candidateGroups') || '').split(',')[0] || '').trim();
  return SelectEntry({
    element, id,
    label: t('candidateGroup', lang),
    description: t('candidateGroupHint', lang),
    getOptions: () => {
      const options = [{ value: '', label: `(${t('laneRole', lang)}: ${laneName(bo, lang)})` },
        ...roles.map((role) => ({ value: role, label: role }))];
      if (current() && !roles.includes(current())) {
        options.push({ value: current(), label: `${current()} (${t('roleUnknown', lang)})` });
      }
      return options;
    },
    getValue: current,
    setValue: (value) => modeling.updateProperties(element, { 'camunda:candidateGroups': value || undefined }),
  });
}

function LaneRole(props) {
  const { element, id } = props;
  const { roles, lang } = useLigat();
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  const getOptions = () => {
    const options = [{ value: '', label: t('roleNone', lang) }, ...roles.map((role) => ({ value: role, label: role }))];
    if (bo.name && !roles.includes(bo.name)) {
      options.push({ value: bo.name, label: `${bo.name} (${t('roleUnknown', lang)})` });
    }
    return options;
  };
  return SelectEntry({
    element, id, getOptions,
    label: t('role', lang),
    description: t('roleHint', lang),
    getValue: () => bo.name || '',
    setValue: (value) => { if (value) modeling.updateProperties(element, { name: value }); },
  });
}

function timerKind(definition) {
  return TIMER_KINDS.find((kind) => definition.get(kind)) || '';
}

function TimerType(props) {
  const { element, id } = props;
  const { lang } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const definition = timerDefinition(element);
  return SelectEntry({
    element, id,
    label: t('timerType', lang),
    getOptions: () => [{ value: '', label: t('timerNone', lang) },
      ...TIMER_KINDS.map((kind) => ({ value: kind, label: t(kind, lang) }))],
    getValue: () => timerKind(definition),
    setValue: (kind) => {
      const old = timerKind(definition);
      const properties = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      if (kind) {
        // The expression moves to the new kind: switching the type keeps what was typed.
        const body = old ? definition.get(old).body : '';
        properties[kind] = bpmnFactory.create('bpmn:FormalExpression', { body });
      }
      modeling.updateModdleProperties(element, definition, properties);
    },
  });
}

function TimerValue(props) {
  const { element, id } = props;
  const { lang } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const definition = timerDefinition(element);
  const kind = timerKind(definition) || 'timeDuration';
  const stored = definition.get(kind) ? definition.get(kind).body : '';
  return TextFieldEntry({
    element, id, debounce,
    label: t('timerValue', lang),
    description: t('timerHint', lang) + (stored && stored !== toPlain(stored) ? ` ${t('writtenAs', lang)} ${stored}` : ''),
    getValue: () => toPlain(definition.get(kind) ? definition.get(kind).body : ''),
    validate: validator(kind, lang),
    setValue: (value, error) => {
      if (error) return;
      const body = toExpression(value, kind);
      const properties = { [kind]: body === undefined ? undefined : bpmnFactory.create('bpmn:FormalExpression', { body }) };
      modeling.updateModdleProperties(element, definition, properties);
    },
  });
}

function ScriptText(props) {
  const { element, id } = props;
  const { lang } = useLigat();
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return TextAreaEntry({
    element, id, debounce, rows: 8, monospace: true,
    label: t('script', lang),
    description: t('scriptHint', lang),
    getValue: () => bo.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, { script: value || undefined }),
  });
}

function TaskScript(props) {
  const { element, id, type, labelKey } = props;
  const { lang } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return TextAreaEntry({
    element, id, debounce, rows: 4, monospace: true,
    label: t(labelKey, lang),
    getValue: () => getExtensionBody(bo, type) || '',
    setValue: (value) => setExtensionBody(element, bo, type, value || undefined, bpmnFactory, commandStack),
  });
}

function CalledDecision(props) {
  const { element, id } = props;
  const { lang, dialect } = useLigat();
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const type = 'spiffworkflow:CalledDecisionId';
  const camunda = dialect === 'camunda';
  return TextFieldEntry({
    element, id, debounce,
    label: t(camunda ? 'decisionRef' : 'calledDecision', lang),
    description: t('calledDecisionHint', lang),
    getValue: () => (camunda ? bo.get('camunda:decisionRef') : getExtensionBody(bo, type)) || '',
    setValue: (value) => {
      const text = (value || '').trim() || undefined;
      if (camunda) modeling.updateProperties(element, { 'camunda:decisionRef': text });
      else setExtensionBody(element, bo, type, text, bpmnFactory, commandStack);
    },
  });
}

function Condition(props) {
  const { element, id } = props;
  const { lang } = useLigat();
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return TextAreaEntry({
    element, id, debounce, rows: 2, monospace: true,
    label: t('condition', lang),
    description: t('conditionHint', lang),
    getValue: () => (bo.get('conditionExpression') ? bo.get('conditionExpression').body || '' : ''),
    setValue: (value) => {
      const body = (value || '').trim();
      modeling.updateProperties(element, {
        conditionExpression: body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined,
      });
    },
  });
}

// --- groups ---------------------------------------------------------------------------------

function entry(id, component, isEdited, extra = {}) {
  return { id, component, isEdited, ...extra };
}

function ligatEntries(element, dialect) {
  const entries = [];
  if (is(element, 'bpmn:Lane')) {
    entries.push(entry('ligat-lane-role', LaneRole, isSelectEntryEdited));
  }
  if (isHumanTask(element)) {
    entries.push(
      dialect === 'camunda'
        ? entry('ligat-candidate-group', CandidateGroup, isSelectEntryEdited)
        : entry('ligat-task-lane', TaskLane, () => false),
      entry('ligat-form', FormSelect, isSelectEntryEdited, { name: 'formJsonSchemaFilename', labelKey: 'form', uiSchema: false }),
      entry('ligat-ui-form', FormSelect, isSelectEntryEdited, { name: 'formUiSchemaFilename', labelKey: 'uiForm', uiSchema: true }),
      entry('ligat-case-status', PropertyField, isTextFieldEntryEdited, { name: 'caseStatus', labelKey: 'caseStatus', hintKey: 'caseStatusHint' }),
      entry('ligat-due-in', DueIn, isTextFieldEntryEdited),
      entry('ligat-assignee', PropertyField, isTextFieldEntryEdited, { name: 'assigneeVariable', labelKey: 'assignee', hintKey: 'assigneeHint' }),
      entry('ligat-bidang', PropertyField, isTextFieldEntryEdited, { name: 'bidangVariable', labelKey: 'bidang', hintKey: 'bidangHint' }),
    );
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    entries.push(entry('ligat-called-decision', CalledDecision, isTextFieldEntryEdited));
  }
  const process = processOf(element);
  if (process) {
    entries.push(entry('ligat-reference-prefix', PropertyField, isTextFieldEntryEdited,
      { name: 'referencePrefix', labelKey: 'referencePrefix', target: process }));
  }
  return entries;
}

function dialectOf(config) {
  return config && config.dialect === 'camunda' ? 'camunda' : 'spiff';
}

export default function LigatPropertiesProvider(propertiesPanel, config) {
  const lang = config && config.lang === 'en' ? 'en' : 'id';
  this.getGroups = (element) => (groups) => {
    const added = [];
    const entries = ligatEntries(element, dialectOf(config));
    if (entries.length) added.push({ id: 'ligat', label: t('ligatGroup', lang), component: Group, entries });
    if (timerDefinition(element)) {
      // Replaces bpmn-js's own timer group, which writes the value without LIGAT's quoting rule.
      const index = groups.findIndex((group) => group.id === 'timer');
      if (index >= 0) groups.splice(index, 1);
      const timerEntries = [entry('ligat-timer-type', TimerType, isSelectEntryEdited)];
      if (timerKind(timerDefinition(element))) timerEntries.push(entry('ligat-timer-value', TimerValue, isTextFieldEntryEdited));
      added.push({ id: 'ligat-timer', label: t('timerGroup', lang), component: Group, entries: timerEntries });
    }
    const scripts = [];
    if (is(element, 'bpmn:ScriptTask')) scripts.push(entry('ligat-script-text', ScriptText, isTextAreaEntryEdited));
    if (is(element, 'bpmn:Activity') && dialectOf(config) === 'spiff') {
      // SpiffWorkflow runs these around any task; LIGAT checks them like script task bodies.
      scripts.push(
        entry('ligat-pre-script', TaskScript, isTextAreaEntryEdited, { type: 'spiffworkflow:PreScript', labelKey: 'preScript' }),
        entry('ligat-post-script', TaskScript, isTextAreaEntryEdited, { type: 'spiffworkflow:PostScript', labelKey: 'postScript' }),
      );
    }
    if (scripts.length) added.push({ id: 'ligat-script', label: t('scriptGroup', lang), component: Group, entries: scripts });
    if (hasConditionChoice(element)) {
      added.push({ id: 'ligat-condition', label: t('conditionGroup', lang), component: Group,
        entries: [entry('ligat-condition-expression', Condition, isTextAreaEntryEdited)] });
    }
    const general = groups.findIndex((group) => group.id === 'general');
    groups.splice(general + 1, 0, ...added);
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}

LigatPropertiesProvider.$inject = ['propertiesPanel', 'config.ligat'];
