// Pages open to everyone: sign in, the invite accept page, and forgotten /
// reset password.
import { api, ApiError, claims, me, setMe, signIn, signOut, startSession } from "./api.js";
import { busy, field, h, messages, notice } from "./ui.js";
import { dropQuery, link, navigate, setFlash } from "./router.js";

function card(main, title, hint, ...body) {
  main.classList.add("narrow");
  main.append(h("div", { class: "card" }, h("h1", {}, title), hint ? h("p", { class: "lead" }, hint) : null, ...body));
}

function input(props) {
  return h("input", { required: true, ...props });
}

// takeToken reads ?token= once, removes it from the address bar and history
// at once, and keeps it for this tab only (so a reload still works) until
// it has been used.
function takeToken(query, key) {
  const t = query.get("token");
  if (t) {
    sessionStorage.setItem(key, t);
    dropQuery();
    return t;
  }
  return sessionStorage.getItem(key);
}

export async function loginPage({ main }) {
  if (await me().catch(() => null)) return navigate("/users", { replace: true });
  const email = input({ type: "email", name: "email", autocomplete: "username" });
  const password = input({ type: "password", name: "password", autocomplete: "current-password" });
  const msg = messages();
  const form = h("form", { novalidate: true },
    field("Email", email), field("Password", password), msg,
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    if (!email.value.trim() || !email.checkValidity()) return msg.show("error", "Enter a valid e-mail address.");
    if (!password.value) return msg.show("error", "Enter your password.");
    await busy(form, async () => {
      try {
        await signIn(email.value.trim(), password.value);
        const next = sessionStorage.getItem("after-login") || "/users";
        sessionStorage.removeItem("after-login");
        navigate(next.startsWith("/") ? next : "/users");
      } catch (err) {
        msg.show("error", err.status === 401 ? err.message || "Invalid email or password" : err.message);
        password.focus();
      }
    });
  });
  card(main, "Sign in", "Sign in to manage your store's users.", form,
    h("p", { class: "aside" }, "Forgot your password? ", link("/reset-password", "Reset it")));
}

// The messages of a refused invite, by the code GET /admin/invites/accept
// answers.
const inviteProblems = {
  invite_invalid: ["This invite link is not valid", "Check that you copied the whole link from the e-mail, or ask an admin for a new invite."],
  invite_expired: ["This invite has expired", "Invites are valid for a limited time. Ask an admin to resend it."],
  invite_accepted: ["This invite was already used", "An account was created with it. Sign in instead."],
  invite_replaced: ["This invite link was replaced", "A newer invite was sent to you. Use the link in the most recent e-mail."],
  invite_revoked: ["This invite was withdrawn", "An admin deleted it. Ask for a new invite if you still need access."],
};

function showInviteProblem(main, err) {
  const [title, hint] = inviteProblems[err.code] || ["This invite cannot be used", err.message];
  main.replaceChildren();
  card(main, title, null, notice("error", hint), h("p", {}, link("/login", "Go to sign in")));
}

export async function invitePage({ main, query }) {
  const token = takeToken(query, "invite-token");
  if (!token) return showInviteProblem(main, { code: "invite_invalid" });
  let invite;
  try {
    invite = (await api("GET", "/admin/invites/accept", { query: { token } })).invite;
  } catch (err) {
    if (err.code) sessionStorage.removeItem("invite-token");
    return showInviteProblem(main, err);
  }
  const current = await me().catch(() => null);
  if (current) {
    const out = h("button", {
      type: "button", class: "primary", onclick: async () => {
        await signOut().catch(() => {});
        navigate("/invite", { replace: true });
      },
    }, "Sign out and accept the invite");
    return card(main, "You are already signed in", null,
      h("p", {}, "You are signed in as ", h("strong", {}, current.email), ". This invite is for ", h("strong", {}, invite.email), "."),
      h("p", {}, "Sign out first to create the invited account."), out, h("p", { class: "aside" }, link("/users", "Stay signed in and go to the dashboard")));
  }
  const email = input({ type: "email", name: "email", autocomplete: "username", value: invite.email });
  const first = input({ name: "first_name", autocomplete: "given-name" });
  const last = input({ name: "last_name", autocomplete: "family-name" });
  const pw = input({ type: "password", name: "password", autocomplete: "new-password", minlength: 8 });
  const pw2 = input({ type: "password", name: "password_repeat", autocomplete: "new-password" });
  const msg = messages();
  const form = h("form", { novalidate: true },
    field("Email", email), field("First name", first), field("Last name", last),
    field("Password", pw, "At least 8 characters."), field("Repeat password", pw2), msg,
    h("button", { type: "submit", class: "primary" }, "Create account"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const missing = [[email, "Email"], [first, "First name"], [last, "Last name"], [pw, "Password"], [pw2, "Repeat password"]].find(([c]) => !c.value.trim());
    if (missing) {
      missing[0].focus();
      return msg.show("error", `${missing[1]} is required.`);
    }
    if (!email.checkValidity()) return msg.show("error", "Enter a valid e-mail address.");
    if (pw.value.length < 8) return msg.show("error", "The password must have at least 8 characters.");
    if (pw.value !== pw2.value) {
      pw2.focus();
      return msg.show("error", "Passwords do not match");
    }
    await busy(form, async () => {
      try {
        const regToken = await identityToken(email.value.trim(), pw.value);
        await api("POST", "/admin/invites/accept", {
          query: { token }, token: regToken,
          body: { email: email.value.trim(), first_name: first.value.trim(), last_name: last.value.trim() },
        });
        // Unlike Medusa's dashboard, the invitee is signed in at once: a
        // fresh token carries the new user, and becomes the session.
        const { token: userToken } = await api("POST", "/auth/token/refresh", { token: regToken });
        await startSession(userToken);
        sessionStorage.removeItem("invite-token");
        const user = await me();
        setMe(user);
        setFlash("success", `Welcome${user && user.first_name ? ", " + user.first_name : ""}! Your account is ready.`);
        navigate("/users", { replace: true });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && !err.type) {
          // The accept call refuses with a bare 401: ask why.
          try {
            await api("GET", "/admin/invites/accept", { query: { token } });
          } catch (why) {
            if (why.code) return showInviteProblem(main, why);
          }
        }
        msg.show("error", err.message);
      }
    });
  });
  card(main, "Accept your invite", "Create your account to join the store's admin.", form,
    h("p", { class: "aside" }, link("/login", "Back to sign in")));
}

// identityToken registers an emailpass identity; when one exists already
// (an earlier attempt that stopped half-way) it logs in with the same
// password instead, so the invite can still be accepted.
async function identityToken(email, password) {
  try {
    return (await api("POST", "/auth/user/emailpass/register", { body: { email, password } })).token;
  } catch (err) {
    if (err.status !== 401 || !/already exists/i.test(err.message)) throw err;
    let token;
    try {
      token = (await api("POST", "/auth/user/emailpass", { body: { email, password } })).token;
    } catch {
      throw new ApiError(400, { message: "An account with this e-mail already exists with another password. Sign in, or reset your password." });
    }
    const c = claims(token);
    if (c && c.actor_id) throw new ApiError(400, { message: "You already have an account with this e-mail. Sign in instead." });
    return token;
  }
}

export async function resetPage({ main, query }) {
  const token = takeToken(query, "reset-token");
  if (!token) return requestReset(main);
  const c = claims(token);
  const pw = input({ type: "password", name: "password", autocomplete: "new-password", minlength: 8 });
  const pw2 = input({ type: "password", name: "password_repeat", autocomplete: "new-password" });
  const msg = messages();
  const form = h("form", { novalidate: true },
    c && c.entity_id ? h("p", {}, "Account: ", h("strong", {}, c.entity_id)) : null,
    field("New password", pw, "At least 8 characters."), field("Repeat new password", pw2), msg,
    h("button", { type: "submit", class: "primary" }, "Reset password"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    if (pw.value.length < 8) return msg.show("error", "The password must have at least 8 characters.");
    if (pw.value !== pw2.value) return msg.show("error", "Passwords do not match");
    await busy(form, async () => {
      try {
        await api("POST", "/auth/user/emailpass/update", { token, body: { email: c && c.entity_id, password: pw.value } });
        sessionStorage.removeItem("reset-token");
        setFlash("success", "Your password was reset. Sign in with your new password.");
        navigate("/login", { replace: true });
      } catch (err) {
        if (err.status === 401) {
          sessionStorage.removeItem("reset-token");
          main.replaceChildren();
          return card(main, "This reset link cannot be used", null,
            notice("error", "The link is invalid or has expired (links are valid for 15 minutes)."),
            h("p", {}, link("/reset-password", "Request a new link")));
        }
        msg.show("error", err.message);
      }
    });
  });
  card(main, "Choose a new password", null, form);
}

function requestReset(main) {
  const email = input({ type: "email", name: "email", autocomplete: "username" });
  const msg = messages();
  const form = h("form", { novalidate: true }, field("Email", email), msg,
    h("button", { type: "submit", class: "primary" }, "Send reset link"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    if (!email.value.trim() || !email.checkValidity()) return msg.show("error", "Enter a valid e-mail address.");
    await busy(form, async () => {
      try {
        await api("POST", "/auth/user/emailpass/reset-password", { body: { identifier: email.value.trim() } });
        msg.show("success", `If an account exists for ${email.value.trim()}, we sent it a link to reset the password. The link is valid for 15 minutes.`);
      } catch (err) {
        msg.show("error", err.message);
      }
    });
  });
  card(main, "Reset your password", "Enter the e-mail you sign in with; we will send you a link to choose a new password.", form,
    h("p", { class: "aside" }, link("/login", "Back to sign in")));
}
