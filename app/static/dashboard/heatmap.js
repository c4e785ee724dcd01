/* The process heatmap: the line's BPMN in the bpmn-js navigated viewer (the bpmn.io watermark stays),
   each waiting task coloured by how many cases wait there, each flow drawn thicker the more cases took it,
   with the numbers as overlays (the same numbers are in the table beside the diagram). */
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  var data = JSON.parse(document.getElementById("heat-data").textContent);
  if (!box || !window.BpmnJS) { return; }

  function level(value, max) {
    if (!value) { return 0; }
    return Math.max(1, Math.ceil(4 * value / max));
  }

  var viewer = new window.BpmnJS({ container: box });
  fetch(box.getAttribute("data-xml"), { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      var maxWait = Math.max.apply(null, [1].concat(data.tugas.map(function (t) { return t.menunggu; })));
      var maxFlow = Math.max.apply(null, [1].concat(data.alur.map(function (f) { return f.kasus; })));
      data.tugas.forEach(function (task) {
        if (!registry.get(task.id)) { return; }
        canvas.addMarker(task.id, "heat-" + level(task.menunggu, maxWait));
        var badge = document.createElement("div");
        badge.className = "heat-badge";
        badge.textContent = task.menunggu + " " + data.label.menunggu;
        overlays.add(task.id, { position: { bottom: -4, left: 0 }, html: badge });
      });
      data.alur.forEach(function (flow) {
        var element = registry.get(flow.id);
        if (!element || !flow.kasus) { return; }
        canvas.addMarker(flow.id, "flow-" + level(flow.kasus, maxFlow));
        var badge = document.createElement("div");
        badge.className = "flow-badge";
        badge.textContent = String(flow.kasus);
        var middle = element.waypoints[Math.floor(element.waypoints.length / 2)];
        overlays.add(flow.id, { position: { top: middle.y - element.y - 10, left: middle.x - element.x - 10 }, html: badge });
      });
      box.setAttribute("data-ready", "1");
    })
    .catch(function () { box.setAttribute("data-ready", "error"); });
})();
