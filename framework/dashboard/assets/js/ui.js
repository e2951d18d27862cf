// DOM helpers. Text is always set as text (textContent, Text nodes, or
// attributes), never parsed as HTML: whatever a user typed is shown as typed.

let uid = 0;

// h creates an element: h("button", {type: "submit", onclick: fn}, "Save").
// Strings among children become text nodes.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = String(v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

// field wraps a control with a visible label (and an optional hint, tied
// with aria-describedby).
export function field(label, control, hint) {
  if (!control.id) control.id = "f" + ++uid;
  const parts = [h("label", { for: control.id }, label), control];
  if (hint) {
    const hid = control.id + "-hint";
    control.setAttribute("aria-describedby", hid);
    parts.push(h("p", { class: "hint", id: hid }, hint));
  }
  return h("div", { class: "field" }, parts);
}

// notice is a message region: errors are alerts (read out at once),
// anything else a polite status.
export function notice(kind, ...text) {
  return h("div", { class: "notice " + kind, role: kind === "error" ? "alert" : "status" }, ...text);
}

// messages is a live region that forms write their errors and results into.
export function messages() {
  const el = h("div", { class: "messages", "aria-live": "polite" });
  el.show = (kind, ...text) => el.replaceChildren(notice(kind, ...text));
  el.clear = () => el.replaceChildren();
  return el;
}

// busy disables a form's controls while fn runs.
export async function busy(form, fn) {
  const controls = [...form.querySelectorAll("button, input, select, textarea")];
  const was = controls.map((c) => c.disabled);
  controls.forEach((c) => (c.disabled = true));
  form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    controls.forEach((c, i) => (c.disabled = was[i]));
    form.removeAttribute("aria-busy");
  }
}

const dateFmt = new Intl.DateTimeFormat(undefined, { day: "2-digit", month: "short", year: "numeric" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

export function fmtDate(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : dateFmt.format(d);
}

export function fmtDateTime(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : dateTimeFmt.format(d);
}

export function fullName(u) {
  return [u.first_name, u.last_name].filter(Boolean).join(" ");
}

// pager renders "Showing a–b of n" and previous/next buttons. shown is the
// number of rows on the page. An estimated count (the list's
// count_estimated: more rows matched than the server counts, or a search
// it did not count) is shown as "about n", and the next page is offered
// while the page is full.
export function pager({ offset, limit, count, estimated, shown, noun, go }) {
  const from = shown === 0 ? 0 : offset + 1;
  const to = offset + shown;
  const total = estimated ? `about ${Math.max(count, to).toLocaleString("en-US")}` : `${count}`;
  const last = estimated ? shown < limit : offset + limit >= count;
  return h("nav", { class: "pager", "aria-label": "Pages" },
    h("p", { role: "status" }, `Showing ${from}–${to} of ${total} ${noun}`),
    h("div", { class: "buttons" },
      h("button", { type: "button", disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, "Previous page"),
      h("button", { type: "button", disabled: last, onclick: () => go(offset + limit) }, "Next page")));
}

// confirmBox is an inline confirmation (no window.confirm): a question and
// two buttons; onYes runs on confirmation.
export function confirmBox(question, yesLabel, onYes, onNo) {
  const box = h("div", { class: "confirm", role: "alertdialog", "aria-label": question },
    h("p", {}, question),
    h("div", { class: "buttons" },
      h("button", { type: "button", class: "danger", onclick: () => onYes(box) }, yesLabel),
      h("button", { type: "button", onclick: () => { box.remove(); onNo && onNo(); } }, "Cancel")));
  queueMicrotask(() => box.querySelector("button").focus());
  return box;
}
