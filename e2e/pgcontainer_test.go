package e2e_test

// Where neither TEST_DATABASE_URL nor the local Postgres binaries exist,
// these tests get Postgres from a Docker container.
import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
