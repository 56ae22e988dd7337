// The console's only script (no inline script: CSP). Pages work without it; it adds box drawing,
// players that start at the matched time, the matched-segment timeline, enlarged frames and shortcuts.
(function () {
  "use strict";

  function place(box) {
    var b = box.dataset.box.split(",").map(Number);
    var size = box.dataset.size.split(",").map(Number);
    if (b.length !== 4 || size.length !== 2 || !size[0] || !size[1]) { return; }
    box.style.left = (100 * b[0] / size[0]) + "%";
    box.style.top = (100 * b[1] / size[1]) + "%";
    box.style.width = (100 * (b[2] - b[0]) / size[0]) + "%";
    box.style.height = (100 * (b[3] - b[1]) / size[1]) + "%";
  }
  // Boxes (a face, the region the matched keypoints cover) over each frame, scaled from the decoded size.
  document.querySelectorAll(".box[data-box]").forEach(place);

  // Each player starts at the matched time; a voice match stops at the end of the matched speech.
  function startAt(video) {
    var start = Number(video.dataset.start || 0);
    function seek() { if (Math.abs(video.currentTime - start) > 0.05) { video.currentTime = start; } }
    if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, {once: true}); }
  }
  var videos = Array.prototype.slice.call(document.querySelectorAll("video[data-start]"));
  videos.forEach(function (video) {
    startAt(video);
    if (video.hasAttribute("data-voice")) {
      video.addEventListener("timeupdate", function () {
        var end = Number(video.dataset.end || 0);
        if (video.dataset.stopAt && video.currentTime >= Number(video.dataset.stopAt)) {
          video.pause(); delete video.dataset.stopAt;
        } else if (!video.dataset.stopAt && end && !video.dataset.played && video.currentTime >= end) {
          video.pause(); video.dataset.played = "1";
        }
      });
    }
  });

  // The timeline: matched stretches of the clip drawn over its length once the length is known.
  document.querySelectorAll("[data-compare]").forEach(function (panel) {
    var clip = panel.querySelector(".clip-video");
    var work = panel.querySelector(".work-video");
    var line = panel.querySelector(".timeline");
    if (!clip) { return; }
    function draw() {
      if (!line || !isFinite(clip.duration) || !clip.duration) { return; }
      line.dataset.segments.split(",").filter(Boolean).forEach(function (pair) {
        var ends = pair.split("-").map(Number);
        var mark = document.createElement("span");
        mark.className = "segment";
        mark.style.left = (100 * ends[0] / clip.duration) + "%";
        mark.style.width = Math.max(0.8, 100 * (ends[1] - ends[0]) / clip.duration) + "%";
        line.appendChild(mark);
      });
      var head = document.createElement("span");
      head.className = "head";
      line.appendChild(head);
      clip.addEventListener("timeupdate", function () { head.style.left = (100 * clip.currentTime / clip.duration) + "%"; });
    }
    if (clip.readyState >= 1) { draw(); } else { clip.addEventListener("loadedmetadata", draw, {once: true}); }
    panel.querySelectorAll("button.seek").forEach(function (button) {
      button.addEventListener("click", function () {
        var offset = Number(button.dataset.start) - Number(clip.dataset.start || 0);
        clip.currentTime = Number(button.dataset.start);
        if (clip.hasAttribute("data-voice")) { clip.dataset.stopAt = button.dataset.end; }
        if (work) { work.currentTime = Math.max(0, Number(work.dataset.start || 0) + offset); }
        clip.play().catch(function () {});
        if (work) { work.play().catch(function () {}); }
      });
    });
  });

  // Enlarge a frame: the still and its boxes in a dialog (Esc or Close returns focus to the frame).
  var dialog = document.getElementById("zoom");
  if (dialog && typeof dialog.showModal === "function") {
    document.querySelectorAll("a.zoom").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var holder = dialog.querySelector(".zoomed");
        holder.textContent = "";
        var copy = link.cloneNode(true);
        copy.removeAttribute("href");
        copy.className = "shot big";
        copy.querySelectorAll(".box").forEach(place);
        holder.appendChild(copy);
        dialog.showModal();
      });
    });
  }

  // Shortcuts, listed on the check page; never while typing in a field.
  var form = document.getElementById("decide-form");
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "Escape" && typing && target.tagName !== "SELECT") { target.blur(); return; }
    if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    if (form && /^[1-9]$/.test(key)) {
      var codes = form.querySelectorAll("input[name=reason_code]");
      var chosen = codes[Number(key) - 1];
      if (chosen) { chosen.checked = true; chosen.focus(); event.preventDefault(); }
    } else if (form && key === "n") {
      form.querySelector("#reason").focus(); event.preventDefault();
    } else if (form && (key === "a" || key === "r")) {
      var button = form.querySelector(key === "a" ? "#approve-next" : "#reject-next") ||
                   form.querySelector(key === "a" ? "#approve" : "#reject");
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    } else if (key === "p" && videos.length) {
      var paused = videos.every(function (v) { return v.paused; });
      videos.forEach(function (v) { if (paused) { v.play().catch(function () {}); } else { v.pause(); } });
      event.preventDefault();
    } else if (key === "m" && videos.length) {
      videos.forEach(function (v) { v.currentTime = Number(v.dataset.start || 0); });
      event.preventDefault();
    }
  });

  // A verification result opens in view.
  var verified = document.getElementById("verify-title");
  if (verified) { verified.focus(); }
}());
