package portal_test

import (
	"os"
	"testing"

	"infomat/sync/portal/pgtest"
)

// TestMain stops the private PostgreSQL the tests started when the test command gave none.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
