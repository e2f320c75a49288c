/* Maps drawn with d3-geo + topojson-client from the vendored world atlas (no request leaves
   the server). Each map is an <svg role="img"> whose label points to a table or list with
   the same numbers, so nothing depends on seeing the map. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 960;
  var ANTARCTICA = "010";

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function loadCountries(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("atlas " + response.status);
        return response.json();
      })
      .then(function (atlas) {
        var land = topojson.feature(atlas, atlas.objects.countries);
        land.features = land.features.filter(function (f) { return f.id !== ANTARCTICA; });
        return land;
      });
  }

  function frame(container, height) {
    var svg = el("svg", {
      viewBox: "0 0 " + WIDTH + " " + height,
      role: "img",
      "aria-label": container.dataset.label || "",
      class: "map__svg",
      focusable: "false",
    });
    return svg;
  }

  function failed(container) {
    var fallback = container.querySelector(".map__fallback");
    if (fallback) fallback.textContent = container.dataset.errorText || fallback.textContent;
  }

  // -- a Chinese place and its partners -------------------------------------------------
  function placeMap(container) {
    var data = readJson("place-map-data");
    if (!data) return;
    loadCountries(container.dataset.atlasUrl).then(function (land) {
      var height = 520;
      var coords = data.partners.map(function (p) { return [p.lon, p.lat]; });
      coords.push([data.centre.lon, data.centre.lat]);
      var projection = d3.geoNaturalEarth1()
        .fitExtent([[40, 40], [WIDTH - 40, height - 40]], { type: "MultiPoint", coordinates: coords });
      var path = d3.geoPath(projection);
      var svg = frame(container, height);
      svg.appendChild(el("rect", { x: 0, y: 0, width: WIDTH, height: height, class: "map__sea" }));
      var g = el("g", { class: "map__land" });
      land.features.forEach(function (f) { g.appendChild(el("path", { d: path(f) })); });
      svg.appendChild(g);

      var dots = el("g", { class: "map__partners" });
      data.partners.forEach(function (p) {
        var xy = projection([p.lon, p.lat]);
        var dot = el("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: 4.5 });
        dot.appendChild(el("title", {}, p.name + ", " + p.country));
        dots.appendChild(dot);
      });
      svg.appendChild(dots);

      var c = projection([data.centre.lon, data.centre.lat]);
      svg.appendChild(el("rect", {
        x: (c[0] - 7).toFixed(1), y: (c[1] - 7).toFixed(1), width: 14, height: 14, class: "map__centre",
      }));
      var label = el("text", { x: (c[0] - 12).toFixed(1), y: (c[1] + 5).toFixed(1), class: "map__label", "text-anchor": "end" }, data.centre.name);
      svg.appendChild(label);
      container.replaceChildren(svg);
    }).catch(function () { failed(container); });
  }

  // -- choropleth of partnerships by country --------------------------------------------
  function binOf(value, bins) {
    var index = 0;
    for (var i = 0; i < bins.length; i++) if (value >= bins[i]) index = i + 1;
    return index; // 0 = none
  }

  function countryMap(container) {
    var data = readJson("country-map-data");
    if (!data) return;
    var byId = {};
    data.countries.forEach(function (c) { byId[c.id] = c; });
    loadCountries(container.dataset.atlasUrl).then(function (land) {
      var height = 470;
      var projection = d3.geoNaturalEarth1().fitExtent([[8, 8], [WIDTH - 8, height - 8]], land);
      var path = d3.geoPath(projection);
      var svg = frame(container, height);
      svg.appendChild(el("path", { d: path({ type: "Sphere" }), class: "map__sphere" }));
      var g = el("g", { class: "map__choropleth" });
      land.features.forEach(function (f) {
        var row = byId[f.id];
        var value = row ? row.value : 0;
        var shape = el("path", { d: path(f), class: "bin-" + binOf(value, data.bins) });
        var name = (row && row.name) || (f.properties && f.properties.name) || "";
        shape.appendChild(el("title", {}, name + ": " + value));
        g.appendChild(shape);
      });
      svg.appendChild(g);
      container.replaceChildren(svg);
    }).catch(function () { failed(container); });
  }

  var place = document.getElementById("place-map");
  if (place) placeMap(place);
  var world = document.getElementById("country-map");
  if (world) countryMap(world);
})();
