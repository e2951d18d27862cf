// Package admin tests the admin dashboard (framework/dashboard) in a real
// browser: Debian's chromium, driven by chromedp, against the application
// built by app.New on a throwaway Postgres database, with the real event
// bus delivering notifications to a recording provider.
//
// The journeys: an admin signs in with the keyboard and invites a
// colleague, who opens the link from the notification at 375 px wide,
// creates an account and lands in the dashboard signed in; an invite resent
// and then deleted, each old link explaining why it no longer works; a
// user whose name is markup shown as text; a forgotten password reset; and
// the OpenAPI-driven module pages listing, editing and soft-deleting rows.
//
// The tests skip when chromium is not installed, unless CI=true, where they
// fail. With -screenshots they write a PNG of each page into docs/admin/.
// BenchmarkUsersPage10k measures the users page with 10,000 users.
package admin
