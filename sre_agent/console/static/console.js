// The console's live updates: one EventSource on /ui/events (server-sent events, console/events.py).
// The incidents list updates each row's status and progress in place; an incident page shows its
// run's progress and reloads when its status changes (a paused run now asks for approval, or a run
// ended), so what is on screen is never stale. No framework, no build step.
(function () {
  "use strict";
  var prefix = document.body.getAttribute("data-prefix") || "/ui";
  var list = document.querySelector('[data-live="incidents"]');
  var page = document.querySelector('[data-live="incident"]');
  if (!list && !page || !window.EventSource) { return; }
  var source = new EventSource(prefix + "/events");
  // A form on its way to the server (an approval) owns the next page: a reload now would cancel it and
  // drop the answer's confirmation -- the approval itself is what changes the status.
  var submitting = false;
  document.addEventListener("submit", function () { submitting = true; source.close(); });
  source.addEventListener("incident", function (message) {
    var item = JSON.parse(message.data);
    if (list) {
      var row = document.getElementById("row-" + item.incident_id);
      if (!row) { return; }  // a new incident: it shows on the next visit (or reload)
      var status = row.querySelector('[data-field="status"]');
      status.textContent = item.status;
      status.className = "status " + item.status;
      row.querySelector('[data-field="progress"]').textContent = item.progress || "";
    } else if (page && page.getAttribute("data-incident") === item.incident_id) {
      var progress = document.getElementById("incident-progress");
      if (progress) { progress.textContent = item.progress || ""; }
      var typing = document.activeElement && document.activeElement.tagName === "INPUT";
      if (item.status !== page.getAttribute("data-status") && !typing && !submitting) {
        source.close();
        // keep the query (?answered=approved): the note that the answer reached the run stays on the page
        window.location.replace(window.location.pathname + window.location.search);
      }
    }
  });
})();
