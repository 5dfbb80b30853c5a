// Live progress of a bulk award: polls the page's JSON endpoint and moves the bar; when the
// job ends the page is loaded again, so the server renders the final counts. Without
// JavaScript the page refreshes itself (a meta refresh inside <noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box || box.dataset.finished === "true") return;
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-done]");

  function poll() {
    fetch(box.dataset.jobProgress, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (job) {
        bar.max = Math.max(job.total, 1);
        bar.value = job.total ? job.done : (job.finished ? 1 : 0);
        bar.textContent = job.done + " of " + job.total;
        done.textContent = job.done;
        box.querySelectorAll("[data-count]").forEach(function (cell) {
          cell.textContent = job[cell.dataset.count];
        });
        if (job.finished) window.location.reload();
        else window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 300);
})();
