package httpauth_test

import (
	"testing"

	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = "test-secret-not-for-production"
