/* Live check of a unified social credit code (GB 32100-2015) while it is typed.
   The server checks again on submit (shared/standards/uscc.py); this only helps the typist.
   Messages come from the page (data-msg-*), so they are translated with the rest of it. */
(function () {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function normalise(text) {
    var folded = text.normalize ? text.normalize("NFKC") : text;
    return folded.replace(/[\s-]/g, "").toUpperCase();
  }

  function checkChar(first17) {
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17.charAt(i)) * WEIGHTS[i];
    return ALPHABET.charAt((31 - (sum % 31)) % 31);  // 31 means 0
  }

  /* {state: "empty"|"short"|"bad-char"|"bad-check"|"ok", ...details} */
  function examine(raw) {
    var code = normalise(raw);
    if (!code) return {state: "empty"};
    for (var i = 0; i < code.length; i++) {
      if (ALPHABET.indexOf(code.charAt(i)) < 0) return {state: "bad-char", position: i + 1, char: code.charAt(i)};
    }
    if (code.length !== 18) return {state: code.length < 18 ? "short" : "long", count: code.length};
    var expected = checkChar(code.slice(0, 17));
    if (expected !== code.charAt(17)) return {state: "bad-check", expected: expected, actual: code.charAt(17)};
    return {state: "ok"};
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  function attach(input) {
    var live = document.getElementById(input.id + "-live");
    if (!live) return;
    function update() {
      var result = examine(input.value);
      var message = "", bad = false;
      if (result.state === "bad-char") { message = fill(input.dataset.msgChar, result); bad = true; }
      else if (result.state === "short" || result.state === "long") {
        message = fill(input.dataset.msgLength, result); bad = result.state === "long";
      }
      else if (result.state === "bad-check") { message = fill(input.dataset.msgCheck, result); bad = true; }
      else if (result.state === "ok") { message = input.dataset.msgOk; }
      live.textContent = message;
      live.className = "live " + (bad ? "error" : result.state === "ok" ? "ok" : "pending");
      input.setAttribute("aria-invalid", bad ? "true" : "false");
    }
    input.addEventListener("input", update);
    if (input.value) update();
  }

  window.qhUscc = {examine: examine, checkChar: checkChar, normalise: normalise};
  document.querySelectorAll("input[data-uscc]").forEach(attach);
})();
