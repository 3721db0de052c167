// The place of a signalement on a map (grc/templates/grc/position.html): where JavaScript
// runs and the syndicate configured a tile server, a click on the map fills the latitude and
// longitude fields, and coordinates typed in them move the marker. Without it the fields are
// typed by hand, or left empty: the address suffices.
(function () {
  "use strict";

  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function setUp(box) {
    var lat = document.getElementById(box.dataset.lat);
    var lon = document.getElementById(box.dataset.lon);
    if (!window.L || !lat || !lon) return;
    var view = box.dataset.view.split(",").map(Number);
    var holder = document.createElement("div");
    holder.className = "map";
    holder.setAttribute("role", "region");
    holder.setAttribute("aria-label", box.dataset.label || "Carte");
    box.insertBefore(holder, box.querySelector(".field"));
    var map = L.map(holder, { zoomControl: false }).setView([view[0], view[1]], view[2]);
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 })
      .addTo(map);
    var marker = null;

    function place(latlng, moveView) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng, { alt: "Endroit indiqué", keyboard: false }).addTo(map);
      if (moveView) map.setView(latlng, Math.max(map.getZoom(), 16));
    }

    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      place(event.latlng, false);
    });
    function typed() {
      var a = number(lat), b = number(lon);
      if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place([a, b], true);
      }
    }
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);
    typed();
    box.classList.add("has-map");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("fieldset[data-map]").forEach(setUp);
  });
})();
