/* Every portal page: service worker, online/offline banner, the offline queue's
 * timed retry, receipts kept on this phone, live counts on the home page. */
(function () {
  'use strict';
  var Outbox = window.LigatOutbox;
  var banner = document.getElementById('net-banner');
  var status = document.getElementById('outbox-status');
  var delay = 5000;
  var timer = null;

  // The page's texts in its language (JSON blocks .ligat-texts); `fallback` only if a block is missing.
  var texts = {};
  function readTexts() {
    Array.prototype.forEach.call(document.querySelectorAll('script.ligat-texts'), function (block) {
      try {
        var found = JSON.parse(block.textContent);
        Object.keys(found).forEach(function (k) { texts[k] = found[k]; });
      } catch (e) { /* a broken block leaves the fallbacks */ }
    });
  }
  readTexts();
  function t(key, fallback, n) {
    if (!texts[key]) readTexts();  // a block further down the page (the report form's) is read when first needed
    return String(texts[key] || fallback).replace('%(n)s', n === undefined ? '' : n);
  }
  window.ligatText = t;

  function showNetwork() { if (banner) banner.hidden = navigator.onLine; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function receiptItem(receipt) {
    var li = el('li', {'class': 'receipt', 'data-tiket': receipt.tiket});
    li.appendChild(el('strong', {}, receipt.tiket));
    li.appendChild(document.createTextNode(' · ' + t('tracking_code', 'kode lacak') + ' '));
    li.appendChild(el('strong', {'class': 'code'}, receipt.kode));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(el('a', {href: receipt.url || ('/lacak?tiket=' + receipt.tiket + '&kode=' + receipt.kode)}, t('track', 'Lacak')));
    return li;
  }

  function render(justSent) {
    if (!Outbox || !window.indexedDB) return Promise.resolve();
    return Promise.all([Outbox.pending(), Outbox.sentList()]).then(function (lists) {
      var pending = lists[0], sent = lists[1];
      if (status) {
        status.textContent = '';
        var waiting = pending.filter(function (i) { return !i.gagal; });
        if (waiting.length) {
          status.appendChild(el('p', {'class': 'queued', id: 'queued-count'},
            t('queued_count', '%(n)s laporan tersimpan, akan dikirim otomatis saat ada sinyal.', waiting.length)));
        }
        pending.filter(function (i) { return i.gagal; }).forEach(function (item) {
          var p = el('p', {'class': 'failed'}, t('not_sent', 'Laporan tidak dapat dikirim:') + ' ' + item.gagal + ' ');
          var drop = el('button', {type: 'button', 'class': 'link'}, t('discard', 'Hapus'));
          drop.addEventListener('click', function () { Outbox.discard(item.id).then(function () { render(); }); });
          p.appendChild(drop);
          status.appendChild(p);
        });
        if (justSent && justSent.length) {
          var box = el('div', {'class': 'sent', id: 'sent-now'});
          box.appendChild(el('p', {}, t('sent_now', 'Laporan yang tersimpan sudah terkirim. Simpan nomor tiket dan kode lacak:')));
          var ul = el('ul', {'class': 'plain'});
          justSent.forEach(function (r) { ul.appendChild(receiptItem(r)); });
          box.appendChild(ul);
          status.appendChild(box);
        }
      }
      var mine = document.getElementById('my-reports');
      if (mine && sent.length) {
        var list = document.getElementById('my-reports-list');
        list.textContent = '';
        sent.sort(function (a, b) { return (b.at || 0) - (a.at || 0); }).slice(0, 10)
          .forEach(function (r) { list.appendChild(receiptItem(r)); });
        mine.hidden = false;
      }
    }).catch(function () {});
  }

  function tick() {
    if (!Outbox || !window.indexedDB) return;
    Outbox.pending().then(function (items) {
      if (!items.some(function (i) { return !i.gagal; })) return render();
      return Outbox.flush().then(function (sent) {
        return render(sent).then(function () { return Outbox.pending(); });
      }).then(function (left) {
        if (left.some(function (i) { return !i.gagal; })) {
          delay = Math.min(delay * 2, 5 * 60 * 1000);
          schedule(delay);
        } else {
          delay = 5000;
        }
      });
    }).catch(function () { schedule(delay); });
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(tick, ms === undefined ? delay : ms);
  }

  function backgroundSync() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register('ligat-kirim');
    }).catch(function () {});
  }

  window.LigatPage = {schedule: schedule, render: render, backgroundSync: backgroundSync, receiptItem: receiptItem};

  window.addEventListener('online', function () { showNetwork(); delay = 5000; schedule(0); });
  window.addEventListener('offline', showNetwork);
  showNetwork();

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', {scope: '/'}).catch(function () {});
    navigator.serviceWorker.addEventListener('message', function (event) {
      if (event.data && event.data.type === 'terkirim') render(event.data.receipts);
    });
  }

  var counts = document.getElementById('counts');
  if (counts) {
    setInterval(function () {
      if (!navigator.onLine) return;
      fetch('/statistik.json', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (c) {
        document.getElementById('count-diproses').textContent = c.diproses;
        document.getElementById('count-selesai').textContent = c.selesai;
      }).catch(function () {});
    }, 30000);
  }

  render();
  schedule(1000);
})();
