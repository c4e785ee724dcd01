/* LIGAT offline queue, shared by the pages and the service worker (importScripts).
 * A report made without signal is kept in IndexedDB ("antrian") under the id made on
 * the phone (the server's idempotency key) and removed only after the server answered
 * with a ticket; receipts are kept in "terkirim" so the person finds them again. */
(function (root) {
  'use strict';
  var DB_NAME = 'ligat-portal';
  var DB_VERSION = 1;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains('antrian')) db.createObjectStore('antrian', {keyPath: 'id'});
        if (!db.objectStoreNames.contains('terkirim')) db.createObjectStore('terkirim', {keyPath: 'tiket'});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function write(store, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, 'readwrite');
        fn(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function readAll(store) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = function () { db.close(); resolve(request.result || []); };
        request.onerror = function () { db.close(); reject(request.error); };
      });
    });
  }

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID().replace(/-/g, '');
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  /* POST one report; resolves {status, body}; rejects when the network fails. */
  function send(item) {
    return fetch('/lapor/token', {credentials: 'same-origin', cache: 'no-store', headers: {Accept: 'application/json'}})
      .then(function (response) {
        if (!response.ok) throw new Error('token ' + response.status);
        return response.json();
      })
      .then(function (token) {
        var form = new FormData();
        Object.keys(item.fields).forEach(function (key) { form.append(key, item.fields[key]); });
        form.set('csrf_token', token.csrf_token);
        form.set('client_id', item.id);
        if (item.queued) form.set('dikirim_dari', 'antrian');
        (item.files || []).forEach(function (file) { form.append(file.field, file.blob, file.name); });
        return fetch('/lapor', {method: 'POST', body: form, credentials: 'same-origin', headers: {Accept: 'application/json'}});
      })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return {status: response.status, body: body};
        });
      });
  }

  function receiptOf(item, body) {
    return {tiket: body.tiket, kode: body.kode, url: body.lacak, id: item.id, at: Date.now(),
            kategori: item.fields.kategori || ''};
  }

  /* Send everything queued; resolves with the receipts of what was sent now. */
  function flush() {
    function run() {
      return readAll('antrian').then(function (items) {
        var sent = [];
        var chain = Promise.resolve(true);
        items.forEach(function (item) {
          chain = chain.then(function (goOn) {
            if (!goOn || item.gagal) return goOn;
            return send(item).then(function (result) {
              if (result.status === 200 || result.status === 201) {
                var receipt = receiptOf(item, result.body);
                sent.push(receipt);
                return write('terkirim', function (s) { s.put(receipt); })
                  .then(function () { return write('antrian', function (s) { s.delete(item.id); }); })
                  .then(function () { return true; });
              }
              if (result.status === 422 || result.status === 413) {
                // Refused for its content: keep it for the person to see, do not resend blindly.
                var errors = result.body && result.body.errors ? result.body.errors : {};
                item.gagal = Object.keys(errors).map(function (k) { return errors[k]; }).join(' ') || 'Laporan ditolak.';
                return write('antrian', function (s) { s.put(item); }).then(function () { return true; });
              }
              item.attempts = (item.attempts || 0) + 1;  // busy, rate-limited, session: later
              return write('antrian', function (s) { s.put(item); }).then(function () { return false; });
            }, function () {
              item.attempts = (item.attempts || 0) + 1;  // no network: stop, try again later
              return write('antrian', function (s) { s.put(item); }).then(function () { return false; });
            });
          });
        });
        return chain.then(function () { return sent; });
      });
    }
    // Page and service worker may both try at once; the server's idempotency key makes that safe,
    // the lock just saves the upload.
    if (root.navigator && root.navigator.locks) return root.navigator.locks.request('ligat-antrian', run);
    return run();
  }

  root.LigatOutbox = {
    newId: newId,
    send: send,
    flush: flush,
    receiptOf: receiptOf,
    queue: function (item) { item.queued = true; return write('antrian', function (s) { s.put(item); }); },
    pending: function () { return readAll('antrian'); },
    discard: function (id) { return write('antrian', function (s) { s.delete(id); }); },
    sentList: function () { return readAll('terkirim'); },
    remember: function (receipt) {
      if (!root.indexedDB) return Promise.resolve();
      return write('terkirim', function (s) { s.put(Object.assign({at: Date.now()}, receipt)); }).catch(function () {});
    }
  };
})(self);
