// postbakke's work station: keyboard shortcuts and checks as you type. No external code.
// The page works without this script (plain forms); this only makes it quick.
"use strict";

(function () {
  const $ = (selector) => document.querySelector(selector);

  // --- CPR/CVR checks as you type (the server checks again) -------------------------
  // CPR: the date and the century from the 7th digit (domain.md); never the old
  // modulus-11 check, abandoned in 2007.
  function cprBirthDate(digits) {
    if (!/^\d{10}$/.test(digits)) return null;
    const day = +digits.slice(0, 2), month = +digits.slice(2, 4), yy = +digits.slice(4, 6);
    const seventh = +digits[6];
    let year;
    if (seventh <= 3) year = 1900 + yy;
    else if (seventh === 4 || seventh === 9) year = yy <= 36 ? 2000 + yy : 1900 + yy;
    else year = yy <= 57 ? 2000 + yy : 1800 + yy;
    const born = new Date(Date.UTC(year, month - 1, day));
    if (born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day) return null;
    if (born > new Date()) return null;
    return born;
  }
  function cvrValid(digits) {
    if (!/^[1-9]\d{7}$/.test(digits)) return false;
    const weights = [2, 7, 6, 5, 4, 3, 2, 1];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += weights[i] * +digits[i];
    return sum % 11 === 0;
  }

  let lookupTimer = null;
  function checkNumber(input) {
    const kind = input.dataset.kind;
    const status = document.getElementById(kind + "-status");
    const digits = input.value.replace(/[\s-]/g, "");
    input.classList.remove("ok", "bad");
    if (!digits) { status.textContent = ""; return; }
    const wanted = kind === "cpr" ? 10 : 8;
    if (!/^\d*$/.test(digits)) { status.textContent = "Kun cifre"; input.classList.add("bad"); return; }
    if (digits.length < wanted) { status.textContent = `${digits.length} af ${wanted} cifre`; return; }
    const ok = kind === "cpr" ? cprBirthDate(digits) !== null : cvrValid(digits);
    if (!ok) {
      status.textContent = kind === "cpr" ? "Ugyldigt: fødselsdatoen findes ikke" : "Ugyldigt CVR-nummer (kontrolciffer)";
      input.classList.add("bad");
      return;
    }
    input.classList.add("ok");
    status.textContent = "Slår op …";
    clearTimeout(lookupTimer);
    lookupTimer = setTimeout(() => lookup(input, kind, status), 120);
  }
  function lookup(input, kind, status) {
    const form = input.form;
    const body = new FormData();
    body.append("kind", kind);
    body.append("number", input.value);  // only in the POST body, never in a URL
    body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    fetch("/opslag", { method: "POST", body: body, credentials: "same-origin" })
      .then((r) => r.json())
      .then((answer) => {
        status.textContent = answer.message;
        status.classList.toggle("found", !!answer.found);
      })
      .catch(() => { status.textContent = "Opslaget fejlede; Enter gemmer alligevel"; });
  }
  document.querySelectorAll("input[data-kind]").forEach((input) => {
    input.addEventListener("input", () => checkNumber(input));
  });

  // --- the page images: zoom, rotate, boxes -----------------------------------------
  let zoom = 1, turn = 0;
  function applyView() {
    document.querySelectorAll(".page").forEach((page) => {
      page.style.width = (100 * zoom) + "%";
      page.style.transform = turn ? `rotate(${turn}deg)` : "";
    });
  }
  const on = (id, fn) => { const el = document.getElementById(id); if (el) el.addEventListener("click", fn); };
  on("zoom-in", () => { zoom = Math.min(3, zoom * 1.25); applyView(); });
  on("zoom-out", () => { zoom = Math.max(0.5, zoom / 1.25); applyView(); });
  on("rotate", () => { turn = (turn + 90) % 360; applyView(); });
  const boxes = document.getElementById("show-boxes");
  if (boxes) boxes.addEventListener("change", () => document.body.classList.toggle("hide-boxes", !boxes.checked));

  const help = document.getElementById("help");
  on("help-button", () => help && help.showModal());

  // --- keys ---------------------------------------------------------------------------
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                      target.tagName === "SELECT" || target.isContentEditable);
  }
  function focusInput(id) {
    const el = document.getElementById(id);
    if (el) { el.focus(); el.select && el.select(); }
  }
  function select(button) {
    document.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    if (button) { button.classList.add("selected"); button.focus(); }
  }
  function go(id) {
    const link = document.getElementById(id);
    if (link && link.getAttribute("href")) window.location.assign(link.getAttribute("href"));
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (typing(event.target)) event.target.blur();
      select(null);
      const main = document.getElementById("main");
      if (main) main.focus();
      return;
    }
    if (typing(event.target)) return;  // shortcuts are off while typing in a field
    if (!document.body.classList.contains("station")) {
      if (event.key === "?" && help) { event.preventDefault(); help.showModal(); }
      return;
    }
    const key = event.key;
    let handled = true;
    if (key === "c") focusInput("cpr");
    else if (key === "v") focusInput("cvr");
    else if (key === "b") focusInput("justified-note");
    else if (key === "u") focusInput("postpone-note");
    else if (key === "i") select(document.getElementById("none-button"));
    else if (/^[1-9]$/.test(key)) {
      const button = document.querySelector(`.suggestion button[data-key="${key}"]`);
      if (button) select(button); else handled = false;
    }
    else if (key === "j" || key === "ArrowRight") go("next");
    else if (key === "k" || key === "ArrowLeft") go("prev");
    else if (key === "z") { const form = document.getElementById("undo-form"); if (form) form.submit(); }
    else if (key === "?") { if (help) help.showModal(); }
    else if (key === "+") { zoom = Math.min(3, zoom * 1.25); applyView(); }
    else if (key === "-") { zoom = Math.max(0.5, zoom / 1.25); applyView(); }
    else if (key === "r") { turn = (turn + 90) % 360; applyView(); }
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
