// The kiosk's service worker: lets a paired tablet show every page its screens link to (the
// start page, what people here said, what happens to an answer, in each of the centre's
// languages) while the server cannot be reached, so a tap never strands it on a browser error.
// Answers never pass through here: they wait in the page's own queue (kiosk.js).
"use strict";

var CACHE = "brugerstemmen-kiosk-v2";
var NETWORK_WAIT_MS = 4000;  // a Wi-Fi that hangs: show the kept copy rather than a blank screen

function scopePath() { return new URL(self.registration.scope).pathname; }

// The pages kept: the start page and the two read-only pages beside it. Never a page with
// someone's answers (those are POSTs, or the thank-you page, which is shown in place).
function isKeptPage(url) {
  var scope = scopePath();
  return url.pathname === scope || url.pathname === scope + "results" || url.pathname === scope + "privacy";
}

// The start page names, in its data-offline attribute, every page its screens can lead to.
function offlinePages(html) {
  var found = /data-offline="([^"]*)"/.exec(html);
  return found ? found[1].split(" ").filter(Boolean) : [];
}

function staticFiles(html) {
  return (html.match(/(?:src|href)="\/static\/[^"]+"/g) || []).map(function (found) {
    return found.slice(found.indexOf('"') + 1, -1);
  });
}

// Fetches what the cache lacks; a page that fails now is kept when it is next visited.
function keep(cache, urls) {
  return Promise.all(urls.map(function (url) {
    return cache.match(url).then(function (found) {
      if (found) { return null; }
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? cache.put(url, response) : null;
      }).catch(function () { return null; });
    });
  }));
}

// Keep the start page, its files and its linked pages from the moment the tablet is set up, so
// that even the first tap offline works.
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var start = self.registration.scope;
    return fetch(start, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { return null; }
      return cache.put(start, response.clone()).then(function () { return response.text(); }).then(function (html) {
        return cache.addAll(staticFiles(html)).then(function () { return keep(cache, offlinePages(html)); });
      });
    });
  }).catch(function () { /* kept as pages are visited instead */ }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A start page tells its worker which pages it links to now (a language added since, say).
self.addEventListener("message", function (event) {
  var urls = event.data && event.data.keep;
  if (!Array.isArray(urls)) { return; }
  var ours = urls.filter(function (url) {
    var parsed = new URL(url, self.registration.scope);
    return parsed.origin === self.location.origin && isKeptPage(parsed);
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) { return keep(cache, ours); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = isKeptPage(url);
  var navigation = request.mode === "navigate";
  if (!page && !navigation && url.pathname.indexOf("/static/") !== 0) { return; }
  // Not a setup link: pairing a tablet anew must reach the server, or fail plainly.
  if (!page && navigation && (url.pathname.indexOf(scopePath()) !== 0 || url.pathname.indexOf(scopePath() + "pair/") === 0)) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    var fromNetwork = fetch(request).then(function (response) {
      if (response.ok && (page || !navigation)) {
        cache.put(request, response.clone());
      } else if (page && response.status === 403) {
        // Unpaired: nothing to show offline.
        cache.keys().then(function (keys) { keys.forEach(function (key) { cache.delete(key); }); });
      }
      return response;
    });
    // The page asked for; else the same page in another language; else, for any other screen,
    // the start page: a tablet shows its own screens, never the browser's "can't be reached".
    var kept = function () {
      return cache.match(request).then(function (found) {
        return found || cache.match(request, { ignoreSearch: true });
      }).then(function (found) {
        if (found || !navigation) { return found; }
        var language = url.searchParams.get("lang");
        var start = self.registration.scope;
        return (language ? cache.match(start + "?lang=" + encodeURIComponent(language)) : Promise.resolve(undefined))
          .then(function (same) { return same || cache.match(start); });
      });
    };
    // A server error (say, a proxy whose server is down) counts as offline when there is a copy.
    var usable = fromNetwork.then(function (response) {
      return response.status < 500 ? response : kept().then(function (found) { return found || response; });
    }, kept);
    if (!page && navigation) {
      // Any other screen (the thank-you page, say): the start page only when the network fails,
      // never merely because it is slow.
      return usable.then(function (response) { return response || fromNetwork; });
    }
    var late = new Promise(function (resolve) { setTimeout(resolve, NETWORK_WAIT_MS); }).then(kept);
    return Promise.race([usable, late.then(function (found) { return found || usable; })])
      .then(function (response) { return response || fromNetwork; });
  }));
});
