// Scan a voucher QR with the phone camera where the browser has BarcodeDetector; typing still works.
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("code");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { input.value = codes[0].rawValue; stop(); input.form.bill.focus(); }
          else { window.requestAnimationFrame(tick); }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { button.hidden = true; });
  });
})();
