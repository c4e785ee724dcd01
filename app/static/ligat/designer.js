// The designer's workbench in the browser: saves through /api/v1/designer/ (with the page's CSRF
// token), draws the form preview as the server renders it, shows check results and scenario paths.
// Hosts the editor bundle (window.LigatDesigner) when it is vendored; without it the XML textarea
// stays the editor. Without JavaScript the pages still post their forms.
(function () {
  'use strict';
  var root = document.getElementById('designer');
  if (!root) return;
  root.classList.add('js');
  var csrf = root.getAttribute('data-csrf');
  var base = root.getAttribute('data-api');
  var lang = root.getAttribute('data-lang') || 'id';
  var T = lang === 'en'
    ? {saving: 'Saving…', saved: 'Saved to the draft.', checking: 'Checking…', clean: 'No problems found.',
       problems: ' problem(s) found.', running: 'Running scenarios…', passed: 'passed', failed: 'failed',
       error: 'Error', warning: 'Warning', unavailable: 'Scenario tests are not available on this server.', line: 'line'}
    : {saving: 'Menyimpan…', saved: 'Tersimpan di draf.', checking: 'Memeriksa…', clean: 'Tidak ada masalah.',
       problems: ' masalah ditemukan.', running: 'Menjalankan skenario…', passed: 'lulus', failed: 'gagal',
       error: 'Galat', warning: 'Peringatan', unavailable: 'Uji skenario belum tersedia di server ini.', line: 'baris'};

  function call(method, path, body, type) {
    var headers = {'X-CSRFToken': csrf, 'Accept': 'application/json'};
    if (body !== undefined) headers['Content-Type'] = type || 'application/json';
    return fetch(base + path, {method: method, headers: headers, credentials: 'same-origin',
                               body: body === undefined ? undefined : body})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var message = data.message_id ? data.message_id + ' (' + data.message_en + ')' : (data.message || response.status);
            var error = new Error(message); error.data = data; throw error;
          }
          return data;
        });
      });
  }
  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  // --- publish page: the draft's diagrams with what changed coloured (added green, changed blue) ---
  if (window.LigatDesigner) {
    Array.prototype.forEach.call(document.querySelectorAll('.diff-diagram'), function (box) {
      var changed = JSON.parse(box.getAttribute('data-changes') || '[]');
      var added = JSON.parse(box.getAttribute('data-added') || '[]');
      var p = box.getAttribute('data-path');
      box.hidden = false;
      Promise.all([window.LigatDesigner.createViewer(box, {lang: lang}),
                   fetch(base + 'draft/files/' + p.split('/').map(encodeURIComponent).join('/'),
                         {credentials: 'same-origin'}).then(function (r) { return r.text(); })])
        .then(function (made) {
          var viewer = made[0];
          return viewer.importXML(made[1]).then(function () {
            changed.forEach(function (id) {
              var isNew = added.indexOf(id) >= 0;
              viewer.colour(id, isNew ? {fill: '#dff0d8', stroke: '#3c763d'} : {fill: '#d9edf7', stroke: '#31708f'});
            });
          });
        })
        .catch(function () { box.hidden = true; });  // the list below still says what changed
    });
  }

  var form = document.getElementById('editor-form');
  if (!form) return;
  var kind = form.getAttribute('data-kind');
  var path = form.getAttribute('data-path');
  var uiPath = form.getAttribute('data-ui-path');
  var status = document.getElementById('editor-status');
  var source = document.getElementById('xml-source') || document.getElementById('schema-source') ||
               document.getElementById('json-source');
  var uiSource = document.getElementById('ui-source');
  var editor = null;

  function say(message, bad) {
    status.textContent = message;
    status.className = 'editor-status ' + (bad ? 'text-danger' : 'text-success');
  }
  function fileUrl(p) { return 'draft/files/' + p.split('/').map(encodeURIComponent).join('/'); }
  function currentText() {
    return editor ? editor.saveXML() : Promise.resolve(source.value);
  }

  // --- the editor bundle, when present ---
  var Designer = window.LigatDesigner;
  if (Designer && (kind === 'bpmn' || kind === 'dmn')) {
    var canvas = document.getElementById(kind === 'bpmn' ? 'canvas' : 'dmn-container');
    var made = kind === 'bpmn'
      ? Designer.createBpmnEditor(canvas, {propertiesParent: document.getElementById('properties'),
          roles: JSON.parse(form.getAttribute('data-roles') || '[]'),
          forms: JSON.parse(form.getAttribute('data-forms') || '[]'), lang: lang})
      : Designer.createDmnEditor(canvas, {lang: lang});
    Promise.resolve(made).then(function (ed) {
      editor = ed;
      canvas.hidden = false;
      var panel = document.getElementById('properties');
      if (panel && kind === 'bpmn') panel.hidden = false;
      source.hidden = true;
      document.getElementById('fallback-note').hidden = true;
      return ed.importXML(source.value).then(function () {
        ed.onChange(function () { say(''); });
      });
    }).catch(function (err) { editor = null; say(String(err), true); });
  }

  // --- save ---
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    say(T.saving);
    currentText().then(function (xml) {
      if (editor) source.value = xml;
      var type = kind === 'bpmn' || kind === 'dmn' ? 'application/xml' : 'application/json';
      var saves = [call('PUT', fileUrl(path), xml, type)];
      if (uiSource && uiPath && uiSource.value.trim()) saves.push(call('PUT', fileUrl(uiPath), uiSource.value, type));
      return Promise.all(saves);
    }).then(function () { say(T.saved); }).catch(function (err) { say(err.message, true); });
  });

  // --- check: the server's list (and the editor's lint), markers on the diagram ---
  var checkBtn = document.getElementById('check-btn');
  function showFindings(items) {
    var panel = document.getElementById('findings-panel');
    var list = document.getElementById('findings');
    list.innerHTML = '';
    if (!items.length) list.appendChild(text('li', T.clean, 'list-group-item list-group-item-success'));
    items.forEach(function (f) {
      var li = text('li', '', 'list-group-item ' + (f.level === 'error' ? 'list-group-item-danger' : 'list-group-item-warning'));
      li.setAttribute('data-element', f.element_id || '');
      li.appendChild(text('strong', (f.level === 'error' ? T.error : T.warning) + ' '));
      li.appendChild(text('code', (f.file || '') + ' · ' + (f.element_id || '-') + (f.line ? ' · ' + T.line + ' ' + f.line : '')));
      li.appendChild(text('span', ' ' + (f.message_id || '')));
      li.appendChild(text('div', f.message_en || '', 'text-muted'));
      list.appendChild(li);
    });
    panel.hidden = false;
  }
  if (checkBtn) {
    checkBtn.addEventListener('click', function () {
      say(T.checking);
      call('POST', 'draft/check', '{}').then(function (data) {
        var items = data.result.slice();
        var lint = editor && editor.lint ? Promise.resolve(editor.lint()) : Promise.resolve([]);
        return lint.then(function (found) {
          (found || []).forEach(function (l) {
            items.push({level: l.level, file: path.split('/').pop(), element_id: l.element_id, element_name: null,
                        message_id: l.message_id + ' [' + l.rule + ']', message_en: l.message_en});
          });
          if (editor && editor.setMarkers) {
            // The deploy's checks (and the lint, above) name a diagram by its file name.
            var mine = function (f) { return f.file === path || path.slice(-(f.file || '').length - 1) === '/' + f.file; };
            editor.setMarkers(items.filter(function (f) { return mine(f) && f.element_id && f.element_id !== '-'; })
              .map(function (f) { return {element_id: f.element_id, level: f.level, message: f.message_id}; }));
          }
          showFindings(items);
          var errors = items.filter(function (f) { return f.level === 'error'; }).length;
          say(errors ? errors + T.problems : T.clean, errors > 0);
        });
      }).catch(function (err) { say(err.message, true); });
    });
  }

  // --- try: scenarios and their paths on the diagram ---
  var tryBtn = document.getElementById('try-btn');
  if (tryBtn) {
    tryBtn.addEventListener('click', function () {
      var list = document.getElementById('scenario-list');
      list.innerHTML = '';
      say(T.running);
      call('POST', 'draft/try', '{}').then(function (data) {
        say('');
        data.result.forEach(function (r) {
          var li = text('li', '');
          var button = text('button', (lang === 'en' && r.name_en ? r.name_en : r.name) + ' — ' + (r.passed ? T.passed : T.failed),
                            'btn btn-link ' + (r.passed ? 'text-success' : 'text-danger'));
          button.type = 'button';
          button.addEventListener('click', function () {
            if (editor && editor.showPath) editor.showPath(r.path || [], r.failed_element_id || null);
          });
          li.appendChild(button);
          if (!r.passed) li.appendChild(text('div', (r.failed_element_id ? r.failed_element_id + ': ' : '') +
                                                  r.message_id + ' (' + r.message_en + ')', 'text-danger'));
          list.appendChild(li);
        });
      }).catch(function (err) {
        say(err.data && err.data.available === false ? T.unavailable : err.message, true);
      });
    });
  }

  // --- live form preview, drawn by the server's form renderer ---
  var preview = document.getElementById('form-preview');
  if (preview && kind === 'form') {
    var timer = null;
    var previewError = document.getElementById('preview-error');
    var refresh = function () {
      var body = JSON.stringify({schema: source.value, ui: uiSource ? uiSource.value : ''});
      call('POST', 'draft/preview', body).then(function (data) {
        preview.innerHTML = data.html;  // server-rendered by the task-form template (escaped there)
        previewError.hidden = true;
        preview.classList.remove('stale');
      }).catch(function (err) {
        previewError.textContent = err.message;
        previewError.hidden = false;
        preview.classList.add('stale');
      });
    };
    [source, uiSource].forEach(function (area) {
      if (!area) return;
      area.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refresh, 350); });
    });
    preview.setAttribute('data-live', '');  // redrawn on edits from now on (the first drawing is the server's)
  }
})();
