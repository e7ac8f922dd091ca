// postbakke's work station: keyboard shortcuts and checks as you type. No external code.
// The page works without this script (plain forms); this only makes it quick.
"use strict";

(function () {
  // --- CPR/CVR checks as you type (the server checks again) -------------------------
  // CPR: the date and the century from the 7th digit (domain.md); never the old
  // modulus-11 check, abandoned in 2007.
  function cprYear(digits) {
    const yy = +digits.slice(4, 6), seventh = +digits[6];
    if (seventh <= 3) return 1900 + yy;
    if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
    return yy <= 57 ? 2000 + yy : 1800 + yy;
  }
  function realDate(year, month, day) {
    const born = new Date(Date.UTC(year, month - 1, day));
    return born.getUTCMonth() === month - 1 && born.getUTCDate() === day ? born : null;
  }
  // null when valid, else the reason in Danish
  function cprProblem(digits) {
    const day = +digits.slice(0, 2), month = +digits.slice(2, 4);
    if (month < 1 || month > 12) return "Ugyldigt: måned " + digits.slice(2, 4) + " findes ikke";
    const born = realDate(cprYear(digits), month, day);
    if (!born) {
      const any = [1800, 1900, 2000].some((c) => realDate(c + +digits.slice(4, 6), month, day));
      return any ? "Ugyldigt: 7. ciffer passer ikke til årstallet"
                 : "Ugyldigt: datoen " + digits.slice(0, 2) + "." + digits.slice(2, 4) + " findes ikke";
    }
    if (born > new Date()) return "Ugyldigt: fødselsdatoen ligger i fremtiden (7. ciffer)";
    return null;
  }
  function cvrProblem(digits) {
    if (digits[0] === "0") return "Ugyldigt: et CVR-nummer begynder ikke med 0";
    const weights = [2, 7, 6, 5, 4, 3, 2, 1];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += weights[i] * +digits[i];
    return sum % 11 === 0 ? null : "Ugyldigt CVR-nummer: kontrolcifferet passer ikke";
  }

  const lookUp = document.getElementById("look-up");
  let lookupTimer = null;
  function setStatus(input, text, state) {
    const status = document.getElementById(input.dataset.kind + "-status");
    input.classList.remove("ok", "bad");
    status.classList.remove("found", "bad", "missing");
    if (state) { input.classList.add(state === "bad" ? "bad" : "ok"); status.classList.add(state === "bad" ? "bad" : "found"); }
    status.textContent = text;
    input.dataset.state = state || "";
  }
  function checkNumber(input) {
    const kind = input.dataset.kind;
    const digits = input.value.replace(/[\s.\-/]/g, "");
    input.dataset.found = "";
    if (!digits) { setStatus(input, "", null); return; }
    const wanted = kind === "cpr" ? 10 : 8;
    if (!/^\d*$/.test(digits)) { setStatus(input, "Kun cifre (og - eller mellemrum)", "bad"); return; }
    if (digits.length < wanted) { setStatus(input, `${digits.length} af ${wanted} cifre`, null); return; }
    if (digits.length > wanted) { setStatus(input, `For mange cifre: ${digits.length} af ${wanted}`, "bad"); return; }
    const problem = kind === "cpr" ? cprProblem(digits) : cvrProblem(digits);
    if (problem) { setStatus(input, problem, "bad"); return; }
    setStatus(input, "Slår op …", null);
    input.dataset.state = "checking";
    clearTimeout(lookupTimer);
    lookupTimer = setTimeout(() => lookup(input, kind), 60);
  }
  function lookup(input, kind) {
    const form = input.form;
    const body = new FormData();
    body.append("kind", kind);
    body.append("number", input.value);  // only in the POST body, never in a URL
    body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    const asked = input.value;
    fetch("/opslag", { method: "POST", body: body, credentials: "same-origin" })
      .then((r) => r.json())
      .then((answer) => {
        if (input.value !== asked) return;
        if (!answer.valid) { setStatus(input, answer.message, "bad"); return; }
        setStatus(input, answer.message, "ok");
        input.dataset.found = answer.found ? "yes" : "no";
        const status = document.getElementById(kind + "-status");
        status.classList.toggle("found", !!answer.found);
        status.classList.toggle("missing", !answer.found);
        if (kind === "cpr" && !answer.found && lookUp) {
          lookUp.hidden = false;
          const masked = document.getElementById("look-up-masked");
          if (masked) masked.textContent = answer.masked;
        }
      })
      .catch(() => { setStatus(input, "Opslaget fejlede; Enter gemmer alligevel", "ok"); });
  }
  document.querySelectorAll("input[data-kind]").forEach((input) => {
    input.addEventListener("input", () => checkNumber(input));
    // a CPR the register lacks: t or f answers the look-up from the field itself (a CPR
    // has no letters, so nothing typed is lost)
    input.addEventListener("keydown", (event) => {
      if (input.dataset.kind !== "cpr" || !lookUp || lookUp.hidden) return;
      if (event.key !== "t" && event.key !== "f") return;
      if (input.value && input.dataset.found !== "no") return;
      event.preventDefault();
      select(document.getElementById(event.key === "t" ? "enrolled-button" : "exempt-button"));
    });
    if (input.value) checkNumber(input);
    // Enter does nothing until the number is valid; a CPR the register lacks asks t / f
    input.form.addEventListener("submit", (event) => {
      const state = input.dataset.state;
      if (state !== "ok") {
        event.preventDefault();
        if (!input.value) setStatus(input, "Skriv nummeret først", "bad");
        else if (state === "checking") document.getElementById(input.dataset.kind + "-status").textContent = "Vent: slår op …";
        return;
      }
      if (input.dataset.kind === "cpr" && input.dataset.found === "no" && lookUp) {
        event.preventDefault();
        lookUp.hidden = false;
        input.blur();
        select(document.getElementById("enrolled-button"), false);
      }
    });
  });
  const lookedUp = document.getElementById("form-looked-up");
  if (lookedUp) lookedUp.addEventListener("submit", () => {
    const cpr = document.getElementById("cpr");
    const number = document.getElementById("looked-up-number");
    if (cpr && number && cpr.dataset.state === "ok") number.value = cpr.value;  // POST body only
  });
  // notes: the count of characters left near the limit (the server refuses more)
  document.querySelectorAll("input[name=note][maxlength]").forEach((input) => {
    input.addEventListener("input", () => {
      const left = +input.getAttribute("maxlength") - input.value.length;
      input.title = left < 50 ? `${left} tegn tilbage` : "";
    });
  });

  // --- the page images: zoom, rotate, boxes; kept from letter to letter -------------
  const saved = (() => { try { return JSON.parse(localStorage.getItem("postbakke-view") || "{}"); } catch (e) { return {}; } })();
  let zoom = +saved.zoom || 1, turn = +saved.turn || 0;
  const scroll = document.getElementById("page-scroll");
  function applyView() {
    const avail = scroll ? scroll.clientWidth - 4 : 800;
    document.querySelectorAll(".page").forEach((page) => {
      const img = page.querySelector("img");
      const ratio = img && img.naturalWidth ? img.naturalHeight / img.naturalWidth : 297 / 210;
      const sideways = turn === 90 || turn === 270;
      // the turned page's width is the available width times the zoom: never clipped
      const width = sideways ? avail * zoom / ratio : avail * zoom;
      const height = width * ratio;
      page.style.width = width + "px";
      page.style.height = height + "px";
      if (turn === 90) page.style.transform = `translateX(${height}px) rotate(90deg)`;
      else if (turn === 270) page.style.transform = `translateY(${width}px) rotate(270deg)`;
      else if (turn === 180) page.style.transform = `translate(${width}px, ${height}px) rotate(180deg)`;
      else page.style.transform = "";
      // the space the turned page takes in the column
      page.style.marginBottom = sideways ? `${width - height + 12}px` : "12px";
    });
    try { localStorage.setItem("postbakke-view", JSON.stringify({ zoom, turn, boxes: boxesShown() })); } catch (e) { /* private mode */ }
  }
  function boxesShown() { const b = document.getElementById("show-boxes"); return b ? b.checked : true; }
  document.querySelectorAll(".page img").forEach((img) => img.addEventListener("load", applyView));
  window.addEventListener("resize", applyView);
  const on = (id, fn) => { const el = document.getElementById(id); if (el) el.addEventListener("click", fn); };
  const zoomIn = () => { zoom = Math.min(3, zoom * 1.25); applyView(); };
  const zoomOut = () => { zoom = Math.max(0.5, zoom / 1.25); applyView(); };
  const rotate = () => { turn = (turn + 90) % 360; applyView(); };
  on("zoom-in", zoomIn);
  on("zoom-out", zoomOut);
  on("rotate", rotate);
  const boxes = document.getElementById("show-boxes");
  if (boxes) {
    if (saved.boxes === false) boxes.checked = false;
    document.body.classList.toggle("hide-boxes", !boxes.checked);
    boxes.addEventListener("change", () => { document.body.classList.toggle("hide-boxes", !boxes.checked); applyView(); });
  }
  if (document.querySelector(".page")) applyView();

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
    return !!el;
  }
  function select(button, scroll) {
    document.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    if (button) { button.classList.add("selected"); button.focus({ preventScroll: scroll === false }); }
    return !!button;
  }
  function go(id) {
    const link = document.getElementById(id);
    if (link && link.getAttribute("href")) window.location.assign(link.getAttribute("href"));
  }
  function misread() {
    const label = document.getElementById("cpr-label");
    const correction = document.getElementById("cpr-correction");
    if (correction) correction.value = "1";
    if (label) label.innerHTML = "<kbd>c</kbd> Det rigtige CPR-nummer";
    return focusInput("cpr");
  }
  on("misread-button", misread);
  const confirmOther = document.getElementById("confirm-other");

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (confirmOther) { event.preventDefault(); go("confirm-cancel"); return; }
      if (typing(event.target)) event.target.blur();
      select(null);
      const main = document.getElementById("main");
      if (main) main.focus();
      return;
    }
    if (typing(event.target)) return;  // shortcuts are off while typing in a field
    if (!document.body.classList.contains("station")) {
      if (event.key === "?" && help) { event.preventDefault(); help.showModal(); }
      else if (event.key === "z" && document.getElementById("undo-form") &&
               document.body.classList.contains("station-end")) {
        event.preventDefault(); document.getElementById("undo-form").submit();
      }
      return;
    }
    const key = event.key;
    if (confirmOther) {  // a namesake elsewhere: only s (then Enter) or Esc, nothing else
      if (key === "s") { event.preventDefault(); select(document.getElementById("confirm-button")); }
      else if (key === "Enter" && !event.target.closest("#form-confirm")) event.preventDefault();
      return;
    }
    const lookUpShown = lookUp && !lookUp.hidden;
    let handled = true;
    if (key === "c") focusInput("cpr");
    else if (key === "v") focusInput("cvr");
    else if (key === "b") focusInput("justified-note");
    else if (key === "u") focusInput("postpone-note");
    else if (key === "i") select(document.getElementById("none-button"));
    else if (key === "t" && lookUpShown) select(document.getElementById("enrolled-button"));
    else if (key === "f" && lookUpShown) select(document.getElementById("exempt-button"));
    else if (key === "x" && lookUpShown) misread();
    else if (/^[1-9]$/.test(key)) {
      const button = document.querySelector(`.suggestion button[data-key="${key}"]`);
      if (button) select(button); else handled = false;
    }
    else if (key === "j" || key === "ArrowRight") go("next");
    else if (key === "k" || key === "ArrowLeft") go("prev");
    else if (key === "z") { const form = document.getElementById("undo-form"); if (form) form.submit(); }
    else if (key === "?") { if (help) help.showModal(); }
    else if (key === "+") zoomIn();
    else if (key === "-") zoomOut();
    else if (key === "r") rotate();
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
