// Shows a field only while another field has a given value (UI schema "ui:showIf").
// Without JavaScript every field stays visible; the server validates either way.
(function () {
  function valueOf(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('[name="' + name + '"]:not([type=radio]):not([type=checkbox])');
    return field ? field.value : '';
  }
  function refresh(form) {
    form.querySelectorAll('[data-show-if]').forEach(function (group) {
      var rule = JSON.parse(group.getAttribute('data-show-if'));
      var visible = Object.keys(rule).every(function (name) { return valueOf(form, name) === rule[name]; });
      group.style.display = visible || group.classList.contains('has-error') ? '' : 'none';
    });
  }
  document.querySelectorAll('form').forEach(function (form) {
    if (!form.querySelector('[data-show-if]')) return;
    form.addEventListener('change', function () { refresh(form); });
    refresh(form);
  });
})();
