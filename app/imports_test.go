package app

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The UI does no I/O (README, package doc): what it shows and does comes in through Deps.
// "I/O" here means the device runtime and everything that reaches disks, serial ports, the
// network, processes or systemd. Fyne itself imports net/http (for URLs), so the rule is in
// three parts:
//
//   - forbiddenDeps: nothing in the UI's whole import graph (go list -deps, test files
//     excluded: the app's tests wire the real kiosk on purpose) may be one of these;
//   - forbiddenImports: no package of this module in that graph may import these itself
//     (parsers such as net/url and net/mail are fine);
//   - forbiddenInApp: the UI's own packages (app/...) do not touch files either (content's
//     safe folder reader is for the runtime and the checker, not the screens).
//
// The UI shares types and error values with the runtime through packages that import only
// the standard library: kiosk/health (status, printer faults), kiosk/idle, kiosk/lockout.
var (
	forbiddenDeps = []string{
		"infomat/kiosk", // the runtime: data directory, devices, systemd, the store
		"infomat/kiosk/access",
		"infomat/kiosk/cardreader",
		"infomat/kiosk/printer",
		"infomat/kiosk/printersim",
		"infomat/kiosk/serialport",
		"infomat/store",
		"infomat/outbox",
		"infomat/sync/", // and everything below
		"go.etcd.io/bbolt",
		"github.com/tarm/serial",
		"github.com/coreos/go-systemd/", // sd_notify, the watchdog
		"os/exec",
		"os/signal",
		"golang.org/x/sys/unix",
	}
	forbiddenImports = []string{"net", "net/http", "os/exec"}
	forbiddenInApp   = []string{"os", "syscall", "io/fs", "path/filepath", "log/slog"}
)

func TestUIImportsNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "infomat/app/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	matches := func(pkg string, list []string) bool {
		return slices.ContainsFunc(list, func(f string) bool {
			return pkg == f || strings.HasSuffix(f, "/") && (strings.HasPrefix(pkg, f) || pkg+"/" == f)
		})
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if matches(pkg, forbiddenDeps) {
			t.Errorf("the UI's import graph contains %s", pkg)
		}
		if pkg != "infomat" && !strings.HasPrefix(pkg, "infomat/") {
			continue
		}
		seen++
		inApp := pkg == "infomat/app" || strings.HasPrefix(pkg, "infomat/app/")
		for _, imp := range strings.Fields(imports) {
			if matches(imp, forbiddenImports) || inApp && matches(imp, forbiddenInApp) {
				t.Errorf("%s, in the UI's import graph, imports %s", pkg, imp)
			}
		}
	}
	if seen < 5 {
		t.Fatalf("go list found only %d packages of this module; is the pattern right?\n%s", seen, out)
	}
}
