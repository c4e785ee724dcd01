// Texts of the LIGAT panel, the markers and the lint findings, in Bahasa Indonesia and English.

export const TEXTS = {
  ligatGroup: ['LIGAT', 'LIGAT'],
  timerGroup: ['Timer', 'Timer'],
  scriptGroup: ['Skrip', 'Script'],
  conditionGroup: ['Kondisi', 'Condition'],
  role: ['Peran (lane)', 'Role (lane)'],
  roleHint: ['Nama lane adalah peran yang mengerjakan tugas di dalamnya. Nama lain dapat diketik di kolom Nama.',
    'The lane name is the role that works on the tasks in it. Another name can be typed in the Name field.'],
  roleNone: ['(pilih peran)', '(choose a role)'],
  roleUnknown: ['bukan peran paket', 'not a package role'],
  laneRole: ['Peran', 'Role'],
  candidateGroup: ['Peran (camunda:candidateGroups)', 'Role (camunda:candidateGroups)'],
  candidateGroupHint: ['Bila diisi, peran ini yang mengerjakan tugas, bukan peran lane.',
    'When set, this role works on the task instead of the lane\'s role.'],
  laneRoleNone: ['(tidak di lane mana pun)', '(in no lane)'],
  form: ['Formulir (JSON Schema)', 'Form (JSON Schema)'],
  uiForm: ['Tata letak formulir (UI schema)', 'Form layout (UI schema)'],
  formNone: ['(tanpa formulir)', '(no form)'],
  formMissing: ['tidak ada di draf', 'not in the draft'],
  caseStatus: ['Status publik (teks pelacakan)', 'Public status (tracking text)'],
  caseStatusHint: ['Ditampilkan kepada warga di halaman lacak selama tugas ini menunggu.',
    'Shown to residents on the tracking page while this task waits.'],
  dueIn: ['Batas waktu', 'Due time'],
  dueInHint: ['Durasi ISO-8601 (PT72H, P3D), "3 hari kerja", atau nama variabel proses (sla_lapangan).',
    'ISO-8601 duration (PT72H, P3D), "3 hari kerja" (working days), or a process variable (sla_lapangan).'],
  writtenAs: ['Ditulis ke diagram sebagai:', 'Written to the diagram as:'],
  assignee: ['Variabel penerima tugas', 'Assignee variable'],
  assigneeHint: ['Variabel proses yang berisi nama pengguna penerima tugas.',
    'Process variable holding the username the task is assigned to.'],
  bidang: ['Variabel bidang', 'Bidang variable'],
  bidangHint: ['Variabel proses yang berisi bidang yang menangani tugas.',
    'Process variable holding the bidang that handles the task.'],
  referencePrefix: ['Awalan nomor registrasi', 'Registration number prefix'],
  timerType: ['Jenis timer', 'Timer type'],
  timeDuration: ['Durasi', 'Duration'],
  timeDate: ['Tanggal/waktu', 'Date/time'],
  timeCycle: ['Siklus', 'Cycle'],
  timerNone: ['(belum diatur)', '(not set)'],
  timerValue: ['Nilai timer', 'Timer value'],
  timerHint: ['Literal ISO-8601 (PT72H, 2026-12-31T09:00:00, R3/P1D) atau ekspresi Python (sla_lapangan, time_after(sla)).',
    'ISO-8601 literal (PT72H, 2026-12-31T09:00:00, R3/P1D) or a Python expression (sla_lapangan, time_after(sla)).'],
  script: ['Skrip Python', 'Python script'],
  scriptHint: ['Hanya fungsi LIGAT yang didokumentasikan dan builtin aman; import ditolak.',
    'Only LIGAT\'s documented functions and safe builtins; imports are refused.'],
  preScript: ['Skrip sebelum tugas (preScript)', 'Script before the task (preScript)'],
  postScript: ['Skrip sesudah tugas (postScript)', 'Script after the task (postScript)'],
  calledDecision: ['Tabel keputusan (ID keputusan DMN)', 'Decision table (DMN decision id)'],
  decisionRef: ['Tabel keputusan (camunda:decisionRef)', 'Decision table (camunda:decisionRef)'],
  calledDecisionHint: ['ID keputusan di salah satu berkas .dmn paket, mis. dispatch_bidang.',
    'The id of a decision in one of the package\'s .dmn files, e.g. dispatch_bidang.'],
  condition: ['Ekspresi kondisi (Python)', 'Condition expression (Python)'],
  conditionHint: ['Mis. keputusan == "valid". Kosong: alur ini hanya dipakai sebagai alur bawaan.',
    'E.g. keputusan == "valid". Empty: this flow is only used as the default flow.'],
  error: ['Galat', 'Error'],
  warning: ['Peringatan', 'Warning'],
};

/** (Indonesian, English) → the text for `lang`, the other one after it in parentheses for titles. */
export function t(key, lang) {
  const pair = TEXTS[key] || [key, key];
  return lang === 'en' ? pair[1] : pair[0];
}

// bpmnlint's recommended rules, one bilingual text per rule (the rules' own texts are English only).
export const LINT_MESSAGES = {
  'ad-hoc-sub-process': ['Subproses ad-hoc tidak boleh berisi event awal/akhir atau alur masuk.',
    'An ad-hoc subprocess must not contain start/end events or incoming flows.'],
  'conditional-flows': ['Alur keluar bercabang dari elemen ini perlu kondisi (atau satu alur bawaan).',
    'Flows leaving this element need a condition (or one default flow).'],
  'end-event-required': ['Proses perlu event akhir.', 'The process needs an end event.'],
  'event-based-gateway': ['Gateway berbasis event harus diikuti event penangkap.',
    'An event-based gateway must be followed by catching events.'],
  'event-sub-process-typed-start-event': ['Subproses event perlu event awal bertipe (timer, pesan, ...).',
    'An event subprocess needs a typed start event (timer, message, ...).'],
  'fake-join': ['Beberapa alur masuk langsung ke tugas: gunakan gateway untuk menggabungkan.',
    'Several flows enter the task directly: use a gateway to join them.'],
  global: ['Elemen global (pesan, sinyal, galat) tidak dirujuk atau namanya ganda.',
    'A global element (message, signal, error) is unused or its name is duplicated.'],
  'label-required': ['Elemen perlu nama (label).', 'The element needs a name (label).'],
  'link-event': ['Event link tidak berpasangan (nama link penangkap/pelempar tidak cocok).',
    'The link event has no matching partner (link names differ).'],
  'no-bpmndi': ['Elemen tidak digambar di diagram (tidak ada BPMNDI).', 'The element is not drawn in the diagram (no BPMNDI).'],
  'no-complex-gateway': ['Gateway kompleks tidak didukung.', 'Complex gateways are not supported.'],
  'no-disconnected': ['Elemen tidak terhubung dengan alur mana pun.', 'The element is not connected to any flow.'],
  'no-duplicate-sequence-flows': ['Alur urutan ganda antara dua elemen yang sama.',
    'Duplicate sequence flows between the same two elements.'],
  'no-gateway-join-fork': ['Gateway menggabungkan dan sekaligus memecah alur: pisahkan menjadi dua gateway.',
    'The gateway both joins and forks: split it into two gateways.'],
  'no-implicit-split': ['Beberapa alur keluar tanpa gateway: gunakan gateway untuk memecah.',
    'Several outgoing flows without a gateway: use a gateway to split.'],
  'no-implicit-end': ['Elemen tanpa alur keluar: akhiri dengan event akhir.',
    'The element has no outgoing flow: end with an end event.'],
  'no-implicit-start': ['Elemen tanpa alur masuk: mulai dengan event awal.',
    'The element has no incoming flow: start with a start event.'],
  'no-inclusive-gateway': ['Gateway inklusif sebaiknya dihindari.', 'Inclusive gateways are best avoided.'],
  'no-overlapping-elements': ['Elemen bertumpuk dengan elemen lain.', 'The element overlaps another element.'],
  'single-blank-start-event': ['Hanya boleh ada satu event awal kosong.', 'Only one blank start event is allowed.'],
  'single-event-definition': ['Event hanya boleh punya satu definisi event.', 'An event may have only one event definition.'],
  'start-event-required': ['Proses perlu event awal.', 'The process needs a start event.'],
  'sub-process-blank-start-event': ['Subproses perlu event awal kosong.', 'A subprocess needs a blank start event.'],
  'superfluous-gateway': ['Gateway tidak berguna (satu alur masuk, satu alur keluar).',
    'The gateway is superfluous (one flow in, one flow out).'],
  'superfluous-label': ['Label tidak diperlukan di sini.', 'The label is not needed here.'],
  'superfluous-termination': ['Event terminasi tidak diperlukan: event akhir biasa cukup.',
    'The terminate event is superfluous: a plain end event is enough.'],
  'ligat/human-task-in-lane': ['Tugas manusia tidak berada di lane mana pun: lane menentukan peran yang mengerjakannya.',
    'The human task is in no lane: the lane names the role that works on it.'],
};

export function lintMessage(rule, fallback) {
  return LINT_MESSAGES[rule] || [`${rule}: ${fallback}`, `${rule}: ${fallback}`];
}

// Labels of bpmn-js, its palette, context pad and properties panel shown in Bahasa Indonesia.
export const BPMN_JS_ID = {
  'General': 'Umum', 'Name': 'Nama', 'ID': 'ID', 'Documentation': 'Dokumentasi',
  'Element documentation': 'Dokumentasi elemen', 'Process documentation': 'Dokumentasi proses',
  'Process': 'Proses', 'Process name': 'Nama proses', 'Process ID': 'ID proses', 'Executable': 'Dapat dijalankan',
  'Participant': 'Partisipan', 'Multi-instance': 'Multi-instans', 'Message': 'Pesan', 'Signal': 'Sinyal',
  'Error': 'Galat', 'Escalation': 'Eskalasi', 'Compensation': 'Kompensasi', 'Link': 'Link',
  'Activate hand tool': 'Alat geser', 'Activate lasso tool': 'Alat laso',
  'Activate create/remove space tool': 'Alat tambah/hapus ruang', 'Activate global connect tool': 'Alat sambung',
  'Create start event': 'Buat event awal', 'Create intermediate/boundary event': 'Buat event antara/batas',
  'Create end event': 'Buat event akhir', 'Create gateway': 'Buat gateway', 'Create task': 'Buat tugas',
  'Create data object reference': 'Buat objek data', 'Create data store reference': 'Buat penyimpanan data',
  'Create expanded sub-process': 'Buat subproses', 'Create pool/participant': 'Buat pool/partisipan',
  'Create group': 'Buat grup', 'Delete': 'Hapus', 'Change element': 'Ubah elemen', 'Connect using sequence/message flow or association': 'Sambungkan',
  'Connect to other element': 'Sambungkan ke elemen lain', 'Append end event': 'Tambah event akhir',
  'Append gateway': 'Tambah gateway', 'Append task': 'Tambah tugas', 'Append intermediate/boundary event': 'Tambah event antara',
  'Append text annotation': 'Tambah anotasi', 'Add lane above': 'Tambah lane di atas', 'Add lane below': 'Tambah lane di bawah',
  'Divide into two lanes': 'Bagi menjadi dua lane', 'Divide into three lanes': 'Bagi menjadi tiga lane',
  'Search in diagram': 'Cari di diagram', 'Append element': 'Tambah elemen', 'Create element': 'Buat elemen',
  'Timer': 'Timer', 'Type': 'Jenis', 'Value': 'Nilai', '<none>': '<tidak ada>',
  // dmn-js
  'View DRD': 'Lihat DRD', 'Hit policy:': 'Kebijakan hit:', 'When': 'Jika', 'Then': 'Maka', 'And': 'Dan',
  'Annotations': 'Catatan', 'Add input': 'Tambah input', 'Add output': 'Tambah output', 'Input': 'Input',
  'Output': 'Output', 'Add rule': 'Tambah aturan', 'Input label: ': 'Label input: ',
  'Input expression: ': 'Ekspresi input: ', 'Output name': 'Nama output', 'Output label': 'Label output',
  'Strings must be in double quotes': 'Teks harus diapit tanda kutip ganda', 'Equals': 'Sama dengan',
  'Less': 'Kurang dari', 'Greater': 'Lebih dari', 'Between': 'Di antara', 'Exactly': 'Tepat',
};

export function translateModule(lang) {
  function translate(template, replacements) {
    const text = lang === 'id' && BPMN_JS_ID[template] ? BPMN_JS_ID[template] : template;
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
  }
  return { translate: ['value', translate] };
}
