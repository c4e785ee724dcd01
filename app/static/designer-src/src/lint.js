// bpmnlint in the browser: the recommended rules (compiled from .bpmnlintrc at build time)
// plus LIGAT's own, each finding given a bilingual text (the rules' own texts are English only).

import { Linter } from 'bpmnlint';
import { is } from 'bpmnlint-utils';

import packed from '../.bpmnlintrc';
import { lintMessage } from './i18n';

const HUMAN_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];

function isHumanTask(node) {
  return node.$type === 'bpmn:Task' || HUMAN_TASKS.some((type) => is(node, type));
}

/** LIGAT: the lane names the role that works on a task (parsing.py `_lane_roles`). */
function humanTaskInLane() {
  function laneMembers(process) {
    const inLane = new Set();
    const walkLanes = (laneSet) => (laneSet ? laneSet.get('lanes') : []).forEach((lane) => {
      (lane.get('flowNodeRef') || []).forEach((node) => inLane.add(node.id));
      walkLanes(lane.get('childLaneSet'));
    });
    (process.get('laneSets') || []).forEach(walkLanes);
    return inLane;
  }
  function check(node, reporter) {
    if (!is(node, 'bpmn:Process')) return;
    const inLane = laneMembers(node);
    const visit = (container, inherited) => (container.get('flowElements') || []).forEach((element) => {
      const covered = inherited || inLane.has(element.id);
      if (isHumanTask(element) && !covered) reporter.report(element.id, 'Human task is in no lane');
      if (is(element, 'bpmn:SubProcess')) visit(element, covered);
    });
    visit(node, false);
  }
  return { check };
}

/** LIGAT: the engine reads a timeDuration itself, ISO only (README, Durations); working days need a
 * timeDate of time_after("N hari kerja"). */
function timerDurationIso() {
  const workingDays = /^\s*(["'])\s*\d+\s*(hari\s+kerja|working\s+days?)\s*\1\s*$/i;
  function check(node, reporter) {
    if (!is(node, 'bpmn:Event')) return;
    (node.get('eventDefinitions') || []).forEach((definition) => {
      const duration = is(definition, 'bpmn:TimerEventDefinition') && definition.get('timeDuration');
      if (duration && workingDays.test(duration.body || '')) reporter.report(node.id, 'Working days in a timeDuration');
    });
  }
  return { check };
}

const LIGAT_RULES = { 'human-task-in-lane': humanTaskInLane, 'timer-duration-iso': timerDurationIso };

const resolver = {
  resolveRule(pkg, ruleName) {
    if (pkg === 'bpmnlint-plugin-ligat') return LIGAT_RULES[ruleName];
    return packed.resolver.resolveRule(pkg, ruleName);
  },
  resolveConfig(pkg, configName) {
    return packed.resolver.resolveConfig(pkg, configName);
  },
};

const config = {
  rules: { ...packed.config.rules, 'ligat/human-task-in-lane': 'warn', 'ligat/timer-duration-iso': 'error' },
};

/** Lint a diagram's definitions → [{element_id, rule, level, message_id, message_en}]. */
export async function lintDefinitions(definitions) {
  const linter = new Linter({ config, resolver });
  const results = await linter.lint(definitions);
  const findings = [];
  Object.entries(results).forEach(([rule, reports]) => reports.forEach((report) => {
    const [messageId, messageEn] = lintMessage(rule, report.message);
    findings.push({
      element_id: report.id,
      rule,
      level: report.category === 'error' || report.category === 'rule-error' ? 'error' : 'warning',
      message_id: messageId,
      message_en: messageEn,
    });
  }));
  return findings;
}
