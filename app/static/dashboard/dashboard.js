/* Dashboard charts (Chart.js) and the reports map (Leaflet with clusters and a density layer).
   Numbers come from the page's JSON block and /dasbor/api/peta; every bar opens the cases behind it. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dasbor-data").textContent);
  var casesUrl = data.kasus_url;

  function openCases(extra) {
    var url = new URL(casesUrl, window.location.href);
    Object.keys(extra).forEach(function (key) { url.searchParams.set(key, extra[key]); });
    window.location.href = url.toString();
  }

  function chart(id, type, labels, datasets, onPick) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return null; }
    return new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        onClick: function (event, elements) {
          if (onPick && elements.length) { onPick(elements[0].index, elements[0].datasetIndex); }
        }
      }
    });
  }

  function trend(grain) {
    var rows = data.volume[grain];
    return [rows.map(function (r) { return r.kunci; }), [
      { label: data.label.masuk, data: rows.map(function (r) { return r.masuk; }), backgroundColor: "#3c8dbc" },
      { label: data.label.selesai, data: rows.map(function (r) { return r.selesai; }), backgroundColor: "#00a65a" }
    ]];
  }

  var grain = "minggu";

  function iso(day) { return day.toISOString().slice(0, 10); }

  function spanOf(key) {
    /* The days of one bar (ISO week "2025-W10" or month "2025-03"), inside the chosen period. */
    var first, last;
    if (key.indexOf("-W") > 0) {
      var year = Number(key.slice(0, 4)), week = Number(key.slice(6));
      var jan4 = new Date(Date.UTC(year, 0, 4));
      first = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 864e5 + (week - 1) * 7 * 864e5);
      last = new Date(first.getTime() + 6 * 864e5);
    } else {
      first = new Date(key + "-01T00:00:00Z");
      last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
    }
    var from = iso(first) < data.dari ? data.dari : iso(first);
    var to = iso(last) > data.sampai ? data.sampai : iso(last);
    return { dari: from, sampai: to };
  }

  var first = trend(grain);
  var trendChart = chart("chart-tren", "bar", first[0], first[1], function (index, dataset) {
    var span = spanOf(data.volume[grain][index].kunci);
    openCases({ ukuran: dataset === 0 ? "masuk" : "selesai", dari: span.dari, sampai: span.sampai });
  });
  document.querySelectorAll("[data-grain]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("[data-grain]").forEach(function (b) { b.classList.remove("active"); });
      button.classList.add("active");
      grain = button.getAttribute("data-grain");
      document.querySelectorAll("[data-grain-table]").forEach(function (table) {
        table.hidden = table.getAttribute("data-grain-table") !== grain;
      });
      var next = trend(grain);
      if (trendChart) {
        trendChart.data.labels = next[0];
        trendChart.data.datasets = next[1];
        trendChart.update();
      }
    });
  });

  var categories = data.volume.kategori.filter(function (r) { return r.kunci; });
  chart("chart-kategori", "bar", categories.map(function (r) { return data.nama_kategori[r.kunci] || r.kunci; }), [
    { label: data.label.masuk, data: categories.map(function (r) { return r.masuk; }), backgroundColor: "#3c8dbc" },
    { label: data.label.selesai, data: categories.map(function (r) { return r.selesai; }), backgroundColor: "#00a65a" }
  ], function (index, dataset) {
    openCases({ ukuran: dataset === 0 ? "masuk" : "selesai", kategori: categories[index].kunci });
  });

  chart("chart-surat", "line", data.surat.map(function (r) { return r.hari; }), [
    { label: data.label.surat, data: data.surat.map(function (r) { return r.jumlah; }), borderColor: "#605ca8",
      backgroundColor: "#605ca8" }
  ], function (index) { openCases({ ukuran: "surat", hari: data.surat[index].hari }); });

  var mapBox = document.getElementById("peta-laporan");
  if (mapBox && window.L) {
    var map = window.L.map(mapBox, { scrollWheelZoom: false }).setView([-2.55, 140.7], 11);
    window.L.tileLayer(mapBox.getAttribute("data-tile-url"), {
      maxZoom: 18, attribution: mapBox.getAttribute("data-tile-attribution")
    }).addTo(map);
    var caseUrl = mapBox.getAttribute("data-case-url").replace(/0$/, "");
    fetch(mapBox.getAttribute("data-api"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var points = body.titik || [];
        mapBox.setAttribute("data-points", String(points.length));
        if (!points.length) { return; }
        var clusters = window.L.markerClusterGroup();
        points.forEach(function (p) {
          var marker = window.L.marker([p.lat, p.lon]);
          var link = document.createElement("a");
          link.href = caseUrl + p.id;
          link.textContent = p.nomor + (p.kategori ? " · " + p.kategori : "");
          marker.bindPopup(link);
          clusters.addLayer(marker);
        });
        var heat = window.L.heatLayer(points.map(function (p) { return [p.lat, p.lon, 0.6]; }), { radius: 25 });
        heat.addTo(map);
        clusters.addTo(map);
        window.L.control.layers(null, { "Kepadatan": heat, "Laporan": clusters }).addTo(map);
        map.fitBounds(clusters.getBounds(), { maxZoom: 14, padding: [20, 20] });
      });
  }
})();
