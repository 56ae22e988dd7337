// Draws each face box over its thumbnail, scaled from the decoded frame's size (no inline styles: CSP).
document.querySelectorAll(".box[data-box]").forEach(function (box) {
  var b = box.dataset.box.split(",").map(Number);
  var size = box.dataset.size.split(",").map(Number);
  if (b.length !== 4 || size.length !== 2 || !size[0] || !size[1]) { return; }
  box.style.left = (100 * b[0] / size[0]) + "%";
  box.style.top = (100 * b[1] / size[1]) + "%";
  box.style.width = (100 * (b[2] - b[0]) / size[0]) + "%";
  box.style.height = (100 * (b[3] - b[1]) / size[1]) + "%";
});
