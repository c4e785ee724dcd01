/* The report's position on the task page (app/templates/ligat/_task_report.html): a small Leaflet map
 * with one marker; without Leaflet or tiles the coordinates and the link below it remain. */
(function () {
  'use strict';
  var holder = document.getElementById('task-map');
  if (!holder) return;
  if (!window.L) { holder.hidden = true; return; }
  var at = [parseFloat(holder.dataset.lat), parseFloat(holder.dataset.lon)];
  if (!isFinite(at[0]) || !isFinite(at[1])) { holder.hidden = true; return; }
  var map = L.map(holder, {zoomControl: true, scrollWheelZoom: false}).setView(at, 16);
  L.tileLayer(holder.dataset.tileUrl, {maxZoom: 19, attribution: holder.dataset.tileAttribution || ''}).addTo(map);
  L.marker(at).addTo(map);
})();
