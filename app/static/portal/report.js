/* The report form: GPS + Leaflet map (optional: coordinates and a written address work
 * without tiles), similar reports nearby, photo previews and shrinking, and sending
 * through the offline queue when there is no signal. Without script the form still
 * posts normally. */
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form) return;
  var Outbox = window.LigatOutbox;
  var lat = document.getElementById('f_lintang');
  var lon = document.getElementById('f_bujur');
  var gpsStatus = document.getElementById('gps-status');
  var t = window.ligatText || function (key, fallback, n) { return String(fallback).replace('%(n)s', n); };
  var result = document.getElementById('form-result');
  var clientId = document.getElementById('f_client_id');
  var maxPhotos = parseInt(form.dataset.maxPhotos || '5', 10);
  var map = null, marker = null;

  if (!clientId.value && Outbox) clientId.value = Outbox.newId();

  /* ---- map ---- */
  function initMap() {
    var holder = document.getElementById('peta');
    if (!window.L) { holder.hidden = true; return; }
    var center = (form.dataset.center || '-2.5337,140.7181').split(',').map(Number);
    map = L.map(holder, {zoomControl: true}).setView(center, 13);
    var tiles = L.tileLayer(form.dataset.tileUrl, {maxZoom: 19, attribution: form.dataset.tileAttribution || ''});
    var warned = false;
    tiles.on('tileerror', function () {
      if (warned) return;
      warned = true;
      document.getElementById('map-note').hidden = false;
    });
    tiles.addTo(map);
    map.on('click', function (e) { setCoords(e.latlng.lat, e.latlng.lng, false); });
    if (lat.value && lon.value) setCoords(parseFloat(lat.value), parseFloat(lon.value), true);
  }

  function setCoords(latitude, longitude, recenter) {
    if (!isFinite(latitude) || !isFinite(longitude)) return;
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (map) {
      if (!marker) {
        marker = L.marker([latitude, longitude], {draggable: true}).addTo(map);
        marker.on('dragend', function () {
          var p = marker.getLatLng();
          setCoords(p.lat, p.lng, false);
        });
      } else {
        marker.setLatLng([latitude, longitude]);
      }
      if (recenter) map.setView([latitude, longitude], 17);
    }
    lookupSimilar();
  }

  document.getElementById('use-gps').addEventListener('click', function () {
    if (!navigator.geolocation) {
      gpsStatus.textContent = t('gps_unsupported', 'HP ini tidak mendukung GPS di peramban. Isi alamat atau patokan.');
      return;
    }
    gpsStatus.textContent = t('gps_searching', 'Mencari lokasi…');
    navigator.geolocation.getCurrentPosition(function (pos) {
      setCoords(pos.coords.latitude, pos.coords.longitude, true);
      gpsStatus.textContent = t('gps_found', 'Lokasi ditemukan (akurasi ±%(n)s m). Geser penanda bila kurang tepat.',
        Math.round(pos.coords.accuracy));
      gpsStatus.dataset.found = '1';
    }, function (err) {
      gpsStatus.textContent = err.code === 1
        ? t('gps_denied', 'Izin lokasi ditolak. Tulis alamat atau patokan, atau ketuk peta.')
        : t('gps_failed', 'Lokasi belum ditemukan. Coba di tempat terbuka, atau tulis alamatnya.');
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  });

  [lat, lon].forEach(function (input) {
    input.addEventListener('change', function () {
      var a = parseFloat(lat.value.replace(',', '.')), b = parseFloat(lon.value.replace(',', '.'));
      if (isFinite(a) && isFinite(b)) setCoords(a, b, true);
    });
  });

  /* ---- similar reports nearby ---- */
  var similarTimer = null;
  function lookupSimilar() {
    clearTimeout(similarTimer);
    similarTimer = setTimeout(function () {
      var category = form.querySelector('input[name=kategori]:checked');
      var box = document.getElementById('serupa');
      if (!category || !lat.value || !lon.value || !navigator.onLine) return;
      var url = form.dataset.similarUrl + '?kategori=' + encodeURIComponent(category.value) +
        '&lintang=' + encodeURIComponent(lat.value) + '&bujur=' + encodeURIComponent(lon.value);
      fetch(url, {headers: {Accept: 'application/json'}}).then(function (r) { return r.json(); }).then(function (data) {
        var list = document.getElementById('serupa-list');
        list.textContent = '';
        (data.laporan || []).forEach(function (item) {
          var li = document.createElement('li');
          var a = document.createElement('a');
          a.href = item.url;
          a.textContent = item.tiket;
          li.appendChild(a);
          li.appendChild(document.createTextNode(' · ' + item.status + ' · ' + item.jarak_m + ' m · ' + item.tanggal));
          var p = document.createElement('div');
          p.className = 'muted';
          p.textContent = item.uraian;
          li.appendChild(p);
          list.appendChild(li);
        });
        box.hidden = !(data.laporan || []).length;
      }).catch(function () {});
    }, 300);
  }
  form.querySelectorAll('input[name=kategori]').forEach(function (r) { r.addEventListener('change', lookupSimilar); });

  /* ---- contact / anonymous ---- */
  var anon = document.getElementById('f_anonim');
  function toggleContact() { document.getElementById('contact').hidden = anon.checked; }
  anon.addEventListener('change', toggleContact);
  toggleContact();

  /* ---- photos ---- */
  var photoInput = document.getElementById('f_foto');
  var videoInput = document.getElementById('f_video');
  function previews() {
    var box = document.getElementById('previews');
    box.textContent = '';
    Array.prototype.slice.call(photoInput.files || []).forEach(function (file) {
      var img = document.createElement('img');
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      box.appendChild(img);
    });
    if (videoInput.files && videoInput.files[0]) {
      var p = document.createElement('p');
      p.textContent = '🎥 ' + videoInput.files[0].name;
      box.appendChild(p);
    }
  }
  photoInput.addEventListener('change', previews);
  videoInput.addEventListener('change', previews);

  /* Big phone photos are shrunk before sending (weak signal); the server still cleans every file. */
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: 'from-image'}).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1500000) return file;
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', {type: 'image/jpeg'}) : file);
        }, 'image/jpeg', 0.85);
      });
    }).catch(function () { return file; });
  }

  /* ---- errors ---- */
  function clearErrors() {
    form.querySelectorAll('[data-error-for]').forEach(function (p) { p.hidden = true; p.textContent = ''; });
    form.querySelectorAll('.has-error').forEach(function (g) { g.classList.remove('has-error'); });
  }
  function showErrors(errors) {
    var first = null;
    Object.keys(errors).forEach(function (name) {
      if (name === 'bujur' && errors.bujur === errors.lintang) return;  // one message for both coordinates
      var p = form.querySelector('[data-error-for="' + name + '"]');
      if (!p) { p = document.createElement('p'); p.className = 'field-error'; result.appendChild(p); }
      p.textContent = errors[name];
      p.hidden = false;
      var group = form.querySelector('[data-field="' + name + '"]');
      if (group) group.classList.add('has-error');
      first = first || p;
    });
    if (first) first.scrollIntoView({block: 'center'});
  }
  function localErrors() {
    var errors = {};
    if (!form.querySelector('input[name=kategori]:checked')) errors.kategori = 'Wajib diisi. (Required.)';
    var text = document.getElementById('f_deskripsi').value.trim();
    if (!text) errors.deskripsi = 'Wajib diisi. (Required.)';
    else if (text.length < 10) errors.deskripsi = 'Minimal 10 karakter. (At least 10 characters.)';
    var place = document.getElementById('f_lokasi').value.trim();
    if (!place) errors.lokasi = 'Wajib diisi. (Required.)';
    else if (place.length < 5) errors.lokasi = 'Minimal 5 karakter. (At least 5 characters.)';
    if (!document.getElementById('f_kode_wilayah').value) errors.kode_wilayah = 'Wajib diisi. (Required.)';
    var photos = (photoInput.files || []).length;
    if (photos > maxPhotos) errors.foto = t('max_photos', 'Paling banyak %(n)s foto.', maxPhotos);
    if (photos && videoInput.files && videoInput.files.length) errors.foto = t('photo_or_video', 'Kirim foto atau satu video, tidak keduanya.');
    return errors;
  }

  /* ---- sending ---- */
  function collect() {
    var fields = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === 'string' && key !== 'csrf_token') fields[key] = value;
    });
    var files = Array.prototype.slice.call(photoInput.files || []).slice(0, maxPhotos);
    return Promise.all(files.map(shrink)).then(function (photos) {
      var list = photos.map(function (f) { return {field: 'foto', name: f.name || 'foto.jpg', type: f.type, blob: f}; });
      if (videoInput.files && videoInput.files[0]) {
        var v = videoInput.files[0];
        list.push({field: 'video', name: v.name, type: v.type, blob: v});
      }
      return {id: clientId.value, fields: fields, files: list, createdAt: Date.now()};
    });
  }

  function resetForNext() {
    form.reset();
    clientId.value = Outbox.newId();
    document.getElementById('previews').textContent = '';
    toggleContact();
  }

  function queued(item, reason) {
    return Outbox.queue(item).then(function () {
      resetForNext();
      result.textContent = '';
      var p = document.createElement('p');
      p.className = 'alert queued';
      p.id = 'queued-notice';
      p.textContent = t('kept_on_phone', 'Laporan tersimpan di HP ini dan akan dikirim otomatis saat ada sinyal.') +
        (reason ? ' ' + reason : '');
      result.appendChild(p);
      p.scrollIntoView({block: 'center'});
      if (window.LigatPage) {
        window.LigatPage.render();
        window.LigatPage.backgroundSync();
        window.LigatPage.schedule(navigator.onLine ? 5000 : 30000);
      }
    });
  }

  var sending = false;
  form.addEventListener('submit', function (event) {
    if (!Outbox || !window.indexedDB || !window.fetch) return;  // old browser: plain form post
    event.preventDefault();
    if (sending) return;
    clearErrors();
    result.textContent = '';
    var errors = localErrors();
    if (Object.keys(errors).length) { showErrors(errors); return; }
    sending = true;
    var button = document.getElementById('submit-report');
    button.disabled = true;
    button.textContent = t('sending', 'Mengirim…');
    collect().then(function (item) {
      if (!navigator.onLine) return queued(item);
      return Outbox.send(item).then(function (res) {
        if (res.status === 200 || res.status === 201) {
          return Outbox.remember(Outbox.receiptOf(item, res.body)).then(function () {
            window.location.href = res.body.url;
          });
        }
        if (res.status === 422 || res.status === 413) { showErrors((res.body && res.body.errors) || {}); return; }
        return queued(item, res.body && res.body.error ? '(' + res.body.error + ')' : '');
      }, function () { return queued(item); });
    }).catch(function (err) {
      result.textContent = t('not_saved', 'Laporan belum tersimpan:') + ' ' + err;
    }).then(function () {
      sending = false;
      button.disabled = false;
      button.textContent = t('send', 'Kirim Laporan');
    });
  });

  initMap();
})();
