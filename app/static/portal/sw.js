/* LIGAT service worker (served at /sw.js; __VERSION__ is a hash of the portal's assets).
 * Portal pages: network first, the cached copy without signal. Portal assets: cache first.
 * Pages are kept per language (the page's Content-Language): without signal a visitor gets the copy
 * in the language they last saw, and the language switch (/bahasa/<code>) still works offline.
 * Officers' pages, POSTs and JSON lookups are left alone. Background Sync sends the
 * offline queue (outbox.js) when the browser has it; pages also retry on `online`. */
importScripts('/static/portal/outbox.js');

var CACHE = 'ligat-portal-__VERSION__';
var PAGES = ['/', '/lapor', '/lacak', '/layanan', '/offline'];
var ASSETS = [
  '/static/portal/portal.css', '/static/portal/portal.js', '/static/portal/outbox.js', '/static/portal/report.js',
  '/static/portal/icons/icon-192.png', '/manifest.webmanifest',
  '/static/vendor/leaflet/leaflet.js', '/static/vendor/leaflet/leaflet.css',
  '/static/vendor/leaflet/images/marker-icon.png', '/static/vendor/leaflet/images/marker-icon-2x.png',
  '/static/vendor/leaflet/images/marker-shadow.png'
];

var LANG_KEY = '/__ligat-bahasa';

function pageKey(path, lang) { return path + '?hl=' + lang; }

function langOf(response) { return (response.headers.get('Content-Language') || 'id').slice(0, 2); }

function rememberLang(cache, lang) { return cache.put(LANG_KEY, new Response(lang)); }

function currentLang() {
  return caches.open(CACHE).then(function (cache) { return cache.match(LANG_KEY); })
    .then(function (hit) { return hit ? hit.text() : 'id'; });
}

function keepPage(path, response) {
  var copy = response.clone();
  return caches.open(CACHE).then(function (cache) {
    var lang = langOf(copy);
    return Promise.all([cache.put(pageKey(path, lang), copy), rememberLang(cache, lang)]);
  });
}

// The cached copy of a page in the visitor's language, else in the other one, else the offline page.
function cachedPage(path, lang) {
  return caches.open(CACHE).then(function (cache) {
    var other = lang === 'en' ? 'id' : 'en';
    var tries = [pageKey(path, lang), pageKey(path, other), pageKey('/offline', lang), pageKey('/offline', other)];
    return tries.reduce(function (found, key) {
      return found.then(function (hit) { return hit || cache.match(key); });
    }, Promise.resolve(null));
  });
}

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var pages = PAGES.map(function (path) {
      return fetch(path, {credentials: 'same-origin'}).then(function (response) {
        if (response.ok) return keepPage(path, response);
      });
    });
    return Promise.all(pages.concat([cache.addAll(ASSETS)]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('ligat-portal-') === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isAsset(path) {
  return path.indexOf('/static/portal/') === 0 || path.indexOf('/static/vendor/leaflet/') === 0 ||
    path === '/manifest.webmanifest';
}

function isPage(path) {
  return PAGES.indexOf(path) >= 0 || /^\/layanan\/[a-z0-9_]+$/.test(path) || /^\/laporan\/[A-Za-z0-9-]+$/.test(path) ||
    path === '/lapor/terkirim';
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isAsset(url.pathname)) {
    event.respondWith(caches.match(request, {ignoreSearch: true}).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      });
    }));
    return;
  }
  var switched = /^\/bahasa\/(id|en)$/.exec(url.pathname);
  if (switched) {
    // Offline the switch still answers: the language is remembered and the page shown from the cache.
    event.respondWith(fetch(request).catch(function () {
      var next = url.searchParams.get('next') || '/';
      var path = next.charAt(0) === '/' && next.charAt(1) !== '/' ? new URL(next, self.location.origin).pathname : '/';
      return caches.open(CACHE).then(function (cache) { return rememberLang(cache, switched[1]); })
        .then(function () { return cachedPage(path, switched[1]); });
    }));
    return;
  }
  if (!isPage(url.pathname)) return;
  // Pages with a query (a tracking result, a receipt) are personal: never cached.
  var cacheable = !url.search && (PAGES.indexOf(url.pathname) >= 0 || /^\/layanan\/[a-z0-9_]+$/.test(url.pathname));
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && cacheable) keepPage(url.pathname, response);
    return response;
  }).catch(function () {
    return currentLang().then(function (lang) { return cachedPage(cacheable ? url.pathname : '/offline', lang); });
  }));
});

function sendQueue() {
  return self.LigatOutbox.flush().then(function (sent) {
    if (!sent.length) return;
    return self.clients.matchAll({type: 'window'}).then(function (clients) {
      clients.forEach(function (c) { c.postMessage({type: 'terkirim', receipts: sent}); });
    });
  });
}

self.addEventListener('sync', function (event) {
  if (event.tag === 'ligat-kirim') event.waitUntil(sendQueue());
});

self.addEventListener('message', function (event) {
  if (event.data && event.data.type === 'kirim') event.waitUntil(sendQueue());
});
