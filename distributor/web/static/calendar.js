// The calendar's drag to reschedule: drop a post on an hour (day view) or a day (week view).
// It fills the page's one hidden form and posts it to the same reschedule route the "Move" forms use,
// so a drop and a typed time are the same request. Without JavaScript the "Move" forms do it all.
(function () {
  "use strict";
  var form = document.getElementById("drag-move");
  if (!form) return;
  var dragged = null;
  document.querySelectorAll(".cal-post[draggable=true]").forEach(function (post) {
    post.addEventListener("dragstart", function (event) {
      dragged = post;
      event.dataTransfer.setData("text/plain", post.dataset.post);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  function target(element) {
    return element.closest("[data-at]") || element.closest(".cal-weekday[data-date]");
  }
  document.querySelectorAll("[data-at], .cal-weekday[data-date]").forEach(function (zone) {
    zone.addEventListener("dragover", function (event) {
      if (dragged && target(event.target) === zone) { event.preventDefault(); zone.classList.add("drop"); }
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("drop"); });
    zone.addEventListener("drop", function (event) {
      if (!dragged || target(event.target) !== zone) return;
      event.preventDefault();
      var time = dragged.dataset.time;  // "HH:MM" as shown
      var at = zone.dataset.at ? zone.dataset.at + ":" + time.slice(3) : zone.dataset.date + "T" + time;
      form.action = "/posts/" + dragged.dataset.post + "/reschedule";
      form.elements.at.value = at;
      form.submit();
    });
  });
})();
