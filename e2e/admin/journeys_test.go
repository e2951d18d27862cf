package admin_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/notification"
	"github.com/medusa-go/medusa/modules/user"
)

const adminEmail, adminPassword = "admin@store.test", "admin-password-1"

// The admin signs in with the keyboard alone and invites a colleague; the
// colleague opens the link from the e-mail the server sent, at 375 px
// wide, creates an account, and lands in the dashboard signed in, seeing
// both users. The used link then says it was used.
func TestInviteJourney(t *testing.T) {
	e := start(t)
	e.account(t, adminEmail, adminPassword, "Ada", "Admin")
	admin := newTab(t, e.URL, 1280, 900)

	// Sign in with the keyboard: Tab past the skip link to Email, type,
	// Tab to Password, type, Enter.
	admin.open("/app/users") // protected: sends to the login page
	admin.waitText("Sign in to manage")
	if p := admin.path(); p != "/app/login" {
		t.Fatalf("protected page while signed out went to %s", p)
	}
	admin.shot("login")
	admin.key("\t")
	admin.key("\t")
	if f := admin.focused(); f != "email" {
		t.Fatalf("second Tab focused %q, want the email field", f)
	}
	admin.key(adminEmail)
	admin.key("\t")
	if f := admin.focused(); f != "password" {
		t.Fatalf("Tab focused %q, want the password field", f)
	}
	admin.key(adminPassword + "\r")
	admin.waitText("Showing 1–1 of 1 users")
	if p := admin.path(); p != "/app/users" {
		t.Fatalf("after sign-in: %s, want the page asked for first", p)
	}

	// Invite the colleague.
	admin.click("Invites")
	admin.waitText("Invite a user")
	admin.fill("Email", "colleen@store.test")
	admin.click("Send invite")
	admin.waitText("Invite sent to colleen@store.test.")
	admin.waitText("Pending")
	admin.shot("invites")

	link := localLink(t, e, e.Sent.wait(t, "colleen@store.test", "user-invite", 1))
	if !strings.Contains(link, "/app/invite?token=") {
		t.Fatalf("accept link %q", link)
	}

	colleague := newTab(t, e.URL, 375, 812)
	colleague.open(link)
	colleague.waitText("Accept your invite")
	if p := colleague.path(); p != "/app/invite" {
		t.Fatalf("the token stays in the address bar: %s", p)
	}
	if v := colleague.value("Email"); v != "colleen@store.test" {
		t.Fatalf("email prefilled with %q", v)
	}
	colleague.noHorizontalScroll()
	colleague.shot("invite-accept")
	colleague.fill("First name", "Colleen")
	colleague.fill("Last name", "Colleague")
	colleague.fill("Password", "colleen-password")
	colleague.fill("Repeat password", "colleen-pass")
	colleague.click("Create account")
	colleague.waitText("Passwords do not match")
	colleague.fill("Repeat password", "colleen-password")
	colleague.click("Create account")
	colleague.waitText("Welcome, Colleen! Your account is ready.")
	colleague.waitText("Showing 1–2 of 2 users")
	colleague.waitText(adminEmail)
	colleague.waitText("colleen@store.test")
	colleague.noHorizontalScroll()
	colleague.shot("users-375px")
	// The token is in no history entry: going back does not reach it.
	hist := eval[string](colleague, `location.href`)
	if strings.Contains(hist, "token=") {
		t.Fatalf("token in the address: %s", hist)
	}

	// Signed in for real: a reload keeps the session (an HttpOnly cookie).
	colleague.open("/app/profile")
	colleague.waitText("Manage your profile details.")
	colleague.noHorizontalScroll()
	colleague.waitText("Colleen Colleague")
	cookies := eval[string](colleague, `document.cookie`)
	if strings.Contains(cookies, "connect.sid") {
		t.Fatal("the session cookie is readable from JavaScript")
	}

	// The used link explains itself.
	other := newTab(t, e.URL, 1280, 900)
	other.open(link)
	other.waitText("This invite was already used")
	other.shot("invite-used")

	colleague.open("/app/invites?show=accepted")
	colleague.waitText("Accepted")
	colleague.noHorizontalScroll()

	// The admin sees the invite as accepted.
	admin.open("/app/invites?show=accepted")
	admin.waitText("colleen@store.test")
	admin.waitText("Accepted")
}

// The admin resends an invite, then deletes it: the first link says it was
// replaced, the second that it was withdrawn, and a made-up token that it
// is not valid.
func TestInviteResendAndDelete(t *testing.T) {
	e := start(t)
	e.account(t, adminEmail, adminPassword, "", "")
	admin := newTab(t, e.URL, 1280, 900)
	admin.signIn(adminEmail, adminPassword)
	admin.open("/app/invites")
	// Refused input: said clearly, and what was typed stays.
	admin.fill("Email", "not an address")
	admin.click("Send invite")
	admin.waitText("Enter a valid e-mail address.")
	admin.fill("Email", adminEmail)
	admin.click("Send invite")
	admin.waitText("User account for following email(s) already exist: " + adminEmail)
	if v := admin.value("Email"); v != adminEmail {
		t.Fatalf("the refused address was cleared: %q", v)
	}
	admin.fill("Email", "late@store.test")
	admin.click("Send invite")
	admin.waitText("Invite sent to late@store.test.")
	first := localLink(t, e, e.Sent.wait(t, "late@store.test", "user-invite", 1))

	admin.clickLabelled("Resend invite to late@store.test")
	admin.waitText("Invite resent to late@store.test. The previous link no longer works.")
	second := localLink(t, e, e.Sent.wait(t, "late@store.test", "user-invite", 2))
	if first == second {
		t.Fatal("the resent invite has the same link")
	}

	admin.clickLabelled("Copy invite link for late@store.test")
	admin.waitText("late@store.test") // copied, or shown to copy by hand

	visitor := newTab(t, e.URL, 1280, 900)
	visitor.open(first)
	visitor.waitText("This invite link was replaced")
	visitor.shot("invite-replaced")

	admin.clickLabelled("Delete invite for late@store.test")
	admin.waitText("Delete the invite for late@store.test? Its link will stop working.")
	admin.click("Yes, delete invite")
	admin.waitText("Invite for late@store.test deleted.")
	admin.waitText("No pending invites.")

	visitor.open(second)
	visitor.waitText("This invite was withdrawn")
	visitor.open(e.URL + "/app/invite?token=not-a-real-token")
	visitor.waitText("This invite link is not valid")
	visitor.open(e.URL + "/app/invite")
	visitor.waitText("This invite link is not valid")
}

// localLink is the link of an invite or reset e-mail on this test's
// server (the e-mail names the configured admin URL, on port 9000).
func localLink(t *testing.T, e *env, n notification.Notification) string {
	t.Helper()
	for _, k := range []string{"accept_url", "reset_url"} {
		if s, ok := n.Data[k].(string); ok {
			u, err := url.Parse(s)
			if err != nil || u.Host != "localhost:9000" || !strings.HasPrefix(u.Path, "/app/") {
				t.Fatalf("link %q", s)
			}
			return e.URL + u.Path + "?" + u.RawQuery
		}
	}
	t.Fatalf("notification without a link: %+v", n)
	return ""
}

// A user whose name and an invite whose e-mail are markup are shown as
// text: no element is made from them and no dialog opens.
func TestUserTextIsEscaped(t *testing.T) {
	e := start(t)
	e.account(t, adminEmail, adminPassword, "", "")
	evil := `<img src=x onerror=alert(1)>`
	ctx := context.Background()
	first, last := evil, `<script>alert(2)</script>`
	created, err := e.Users.CreateUsers(ctx, user.CreateUserInput{Email: "mallory@store.test", FirstName: &first, LastName: &last})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.CreateInvites(ctx, user.CreateInviteInput{Email: `"><svg onload=alert(3)>@store.test`}); err != nil {
		t.Fatal(err)
	}
	admin := newTab(t, e.URL, 1280, 900)
	admin.signIn(adminEmail, adminPassword)
	admin.open("/app/users")
	admin.waitText(evil)
	admin.shot("users")
	admin.open("/app/users/" + created[0].ID)
	admin.waitText(evil + " " + last)
	admin.shot("user")
	admin.open("/app/invites")
	admin.waitText(`"><svg onload=alert(3)>@store.test`)
	admin.open("/app/users?q=" + url.QueryEscape(evil))
	admin.waitText("Showing 1–1 of 1 users")
	injected := eval[int](admin, `document.querySelectorAll('img[src="x"], script:not([src]), svg, [onerror], [onload]').length`)
	if injected != 0 || admin.dialogs.Load() != 0 {
		t.Fatalf("markup became elements (%d) or dialogs opened (%d)", injected, admin.dialogs.Load())
	}
}

// A forgotten password: the reset page sends the link by e-mail, the link
// (its token gone from the address bar at once) sets a new password, the
// new password signs in and the old one no longer does.
func TestResetPassword(t *testing.T) {
	e := start(t)
	e.account(t, "forgetful@store.test", "old-password-1", "Fay", "Forgetful")
	b := newTab(t, e.URL, 1280, 900)
	b.open("/app/login")
	b.click("Reset it")
	b.waitText("Reset your password")
	b.fill("Email", "forgetful@store.test")
	b.click("Send reset link")
	b.waitText("If an account exists for forgetful@store.test, we sent it a link")
	b.shot("reset-request")
	// An unknown address gets the same answer and no e-mail.
	b.fill("Email", "nobody@store.test")
	b.click("Send reset link")
	b.waitText("If an account exists for nobody@store.test")

	link := localLink(t, e, e.Sent.wait(t, "forgetful@store.test", "password-reset", 1))
	if !strings.Contains(link, "/app/reset-password?token=") {
		t.Fatalf("reset link %q", link)
	}
	b.open(link)
	b.waitText("Choose a new password")
	b.waitText("forgetful@store.test")
	if p := b.path(); p != "/app/reset-password" {
		t.Fatalf("the token stays in the address bar: %s", p)
	}
	b.shot("reset-password")
	b.fill("New password", "new-password-2")
	b.fill("Repeat new password", "new-password-2")
	b.click("Reset password")
	b.waitText("Your password was reset. Sign in with your new password.")

	b.fill("Email", "forgetful@store.test")
	b.fill("Password", "old-password-1")
	b.click("Sign in")
	b.waitText("Invalid email or password")
	b.fill("Password", "new-password-2")
	b.click("Sign in")
	b.waitText("Showing 1–1 of 1 users")
	b.click("My profile")
	b.waitText("Fay Forgetful")
	b.shot("profile")
	b.click("Sign out")
	b.waitText("You are signed out.")
	// Signed out for real: a protected page sends to the login page.
	b.open("/app/profile")
	b.waitText("Sign in to manage")

	e.Sent.mu.Lock()
	defer e.Sent.mu.Unlock()
	for _, n := range e.Sent.sent {
		if n.To == "nobody@store.test" {
			t.Fatalf("a reset e-mail went to an unknown address: %+v", n)
		}
	}
}

// A broken reset link says so and offers a new one.
func TestResetPasswordBadLink(t *testing.T) {
	e := start(t)
	b := newTab(t, e.URL, 1280, 900)
	b.open("/app/reset-password?token=forged.token.value")
	b.fill("New password", "new-password-2")
	b.fill("Repeat new password", "new-password-2")
	b.click("Reset password")
	b.waitText("This reset link cannot be used")
	b.click("Request a new link")
	b.waitText("Reset your password")
}
