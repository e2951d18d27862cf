// Package config reads medusa-go's project configuration from the
// environment (DATABASE_URL, HOST, PORT, JWT_SECRET, JWT_EXPIRES_IN,
// COOKIE_SECRET, MEDUSA_WORKER_MODE, ADMIN_CORS, AUTH_CORS, STORE_CORS) and enforces production rules: a
// database URL and non-default secrets outside development.
package config
