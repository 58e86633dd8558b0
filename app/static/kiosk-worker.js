// The kiosk's service worker: lets a paired tablet open its start page, and what that page
// needs, while the server cannot be reached. Answers never pass through here: they wait in
// the page's own queue (kiosk.js) and are sent by the page.
"use strict";

var CACHE = "brugerstemmen-kiosk-v1";
var NETWORK_WAIT_MS = 4000;  // a Wi-Fi that hangs: show the kept copy rather than a blank screen

// Keep the start page and its files from the moment the tablet is set up, so that even the
// first return to the start screen works offline.
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var start = self.registration.scope;
    return fetch(start).then(function (response) {
      if (!response.ok) { return null; }
      return cache.put(start, response.clone()).then(function () { return response.text(); }).then(function (html) {
        var files = (html.match(/(?:src|href)="\/static\/[^"]+"/g) || []).map(function (found) {
          return found.slice(found.indexOf('"') + 1, -1);
        });
        return cache.addAll(files);
      });
    });
  }).catch(function () { /* kept as pages are visited instead */ }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function isStartPage(url) {
  return url.pathname === new URL(self.registration.scope).pathname;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate";
  // Only the empty start page and static files are kept: never a page with someone's answers.
  if (page ? !isStartPage(url) : url.pathname.indexOf("/static/") !== 0) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    var fromNetwork = fetch(request).then(function (response) {
      if (response.ok) {
        cache.put(request, response.clone());
      } else if (page && response.status === 403) {
        cache.delete(request, { ignoreSearch: true });  // unpaired: nothing to show offline
      }
      return response;
    });
    var kept = function () {
      return cache.match(request).then(function (found) {
        return found || (page ? cache.match(request, { ignoreSearch: true }) : undefined);
      });
    };
    // A server error (say, a proxy whose server is down) counts as offline when there is a copy.
    var usable = fromNetwork.then(function (response) {
      return response.status < 500 ? response : kept().then(function (found) { return found || response; });
    }, kept);
    var late = new Promise(function (resolve) { setTimeout(resolve, NETWORK_WAIT_MS); }).then(kept);
    return Promise.race([usable, late.then(function (found) { return found || usable; })])
      .then(function (response) { return response || fromNetwork; });
  }));
});
