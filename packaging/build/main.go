// Command build makes Infomat's Debian packages with nfpm used as a library:
//
//	cd packaging && go run ./build --version 0.5.0 --out ../dist
//
// builds the binaries (infomat with cgo for Fyne's GL driver; infomat-portal and infomat-sim
// without), each with -trimpath and -ldflags "-X infomat/buildinfo.version=V
// -X infomat/buildinfo.built=T" (the one place that sets them; T is the commit time), and writes
// dist/infomat_V_amd64.deb and dist/infomat-portal_V_amd64.deb. Without --version the
// version comes from the VERSION file at the repository root, else from git describe.
// --bin DIR packages binaries already built in DIR instead of building them (the tests use
// it to build the slow cgo binary once). What goes into each package: packages below and
// packaging/README.md.
//
// packaging/ is its own module (infomat/packaging) so that nfpm and what it pulls in (go-git,
// ssh and more) stay out of the product's go.mod. It imports none of the product's packages:
// it runs go build in the repository root, in the product's module.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// binary is one Go program the packages ship.
type binary struct {
	name string // file name in /usr/bin, also ./cmd/<name>
	cgo  bool
}

var binaries = []binary{
	{"infomat", true},
	{"infomat-portal", false},
	{"infomat-sim", false},
}

func main() {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	version := fl.String("version", "", "package version (default: the VERSION file, else git describe)")
	out := fl.String("out", "dist", "directory for the .deb files")
	bin := fl.String("bin", "", "use the binaries already built in this directory instead of building them")
	_ = fl.Parse(os.Args[1:])
	if fl.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./build [--version V] [--out DIR] [--bin DIR]   (in packaging/)")
		os.Exit(2)
	}
	debs, err := run(*version, *out, *bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging/build:", err)
		os.Exit(1)
	}
	for _, d := range debs {
		fmt.Println(d)
	}
}

// run builds (unless binDir is given) and packages; it returns the .deb paths.
func run(version, outDir, binDir string) ([]string, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if version == "" {
		if version, err = defaultVersion(root); err != nil {
			return nil, err
		}
	}
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if binDir == "" {
		binDir = filepath.Join(outDir, "bin")
		if err := buildBinaries(root, binDir, version); err != nil {
			return nil, err
		}
	}
	var debs []string
	for _, info := range packages(root, binDir, version) {
		p, err := writeDeb(info, outDir)
		if err != nil {
			return nil, err
		}
		debs = append(debs, p)
	}
	return debs, nil
}

// repoRoot is the nearest directory upwards holding the go.mod of module infomat.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module infomat\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the infomat module (no go.mod with module infomat above the working directory)")
		}
		dir = parent
	}
}

// defaultVersion reads VERSION at the root, else asks git describe (v1.2.3-4-gabc → 1.2.3-4-gabc).
func defaultVersion(root string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(root, "VERSION")); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
	}
	cmd := exec.Command("git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("no VERSION file and git describe failed: %w", err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(b)), "v"), nil
}

// checkVersion refuses what dpkg would refuse or mangle: a Debian upstream version starts
// with a digit and has no spaces or underscores.
func checkVersion(v string) error {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return fmt.Errorf("version %q must start with a digit", v)
	}
	if strings.ContainsAny(v, " _/\t\n") {
		return fmt.Errorf("version %q has a space, underscore or slash", v)
	}
	return nil
}

// buildBinaries builds every binary into dir with the version linked in.
func buildBinaries(root, dir, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, b := range binaries {
		if err := buildBinary(root, abs, b, version); err != nil {
			return err
		}
	}
	return nil
}

func buildBinary(root, dir string, b binary, version string) error {
	cgo := "0"
	if b.cgo {
		cgo = "1"
	}
	ldflags := "-s -w -X infomat/buildinfo.version=" + version
	// The kiosk distrusts a clock earlier than its build (dead RTC battery); the commit time
	// keeps the build reproducible.
	if out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%cI").Output(); err == nil {
		if t := strings.TrimSpace(string(out)); t != "" {
			ldflags += " -X infomat/buildinfo.built=" + t
		}
	}
	cmd := exec.Command("go", "build", "-trimpath",
		"-ldflags", ldflags,
		"-o", filepath.Join(dir, b.name), "./cmd/"+b.name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo, "GOOS=linux", "GOARCH=amd64")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/%s: %w", b.name, err)
	}
	return nil
}

const (
	maintainer = "Infomat <infomat@example.invalid>"
	homepage   = "https://example.invalid/infomat"
	license    = "Proprietary"
)

// packages describes both packages. src paths are absolute, so the working directory does
// not matter.
func packages(root, binDir, version string) []*nfpm.Info {
	pk := func(p string) string { return filepath.Join(root, "packaging", p) }
	bin := func(name string) string {
		p, _ := filepath.Abs(filepath.Join(binDir, name))
		return p
	}
	file := func(src, dst string, mode fs.FileMode) *files.Content {
		return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"}}
	}
	conf := func(src, dst string) *files.Content {
		c := file(src, dst, 0o644)
		c.Type = files.TypeConfigNoReplace
		return c
	}

	kiosk := &nfpm.Info{
		Name:       "infomat",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "misc",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		License:    license,
		Description: "Infomat self-service kiosk for municipal offices\n" +
			"A full-screen touch application for public terminals: procedure cards, the\n" +
			"municipality's Public Information Bulletin, search and encrypted submission\n" +
			"forms, with a receipt printer and card reader over serial. Runs in the cage\n" +
			"kiosk compositor on tty1 as the system user infomat.",
		Overridables: nfpm.Overridables{
			// poppler-utils: pdftoppm and pdfinfo show BIP attachments (PDF) as page images.
			// espeak-ng speaks in speech mode; alsa-utils plays it (aplay) and reads the
			// headphone jack (amixer).
			Depends: []string{"libc6", "libgl1", "libx11-6", "libxcursor1", "libxrandr2",
				"libxinerama1", "libxi6", "libxxf86vm1", "adduser", "poppler-utils",
				"espeak-ng", "alsa-utils"},
			// cage runs the kiosk; xwayland because Fyne's GLFW driver speaks X11.
			Recommends: []string{"cage", "xwayland", "fonts-dejavu-core"},
			Contents: files.Contents{
				file(bin("infomat"), "/usr/bin/infomat", 0o755),
				file(bin("infomat-sim"), "/usr/bin/infomat-sim", 0o755),
				file(pk("lib/infomat-session"), "/usr/lib/infomat/infomat-session", 0o755),
				file(pk("systemd/infomat.service"), "/lib/systemd/system/infomat.service", 0o644),
				file(pk("systemd/infomat-restart.service"), "/lib/systemd/system/infomat-restart.service", 0o644),
				file(pk("systemd/infomat-restart.timer"), "/lib/systemd/system/infomat-restart.timer", 0o644),
				file(pk("udev/70-infomat.rules"), "/lib/udev/rules.d/70-infomat.rules", 0o644),
				file(pk("tmpfiles/infomat.conf"), "/usr/lib/tmpfiles.d/infomat.conf", 0o644),
				conf(pk("etc/infomat.conf"), "/etc/infomat/infomat.conf"),
				file(pk("doc/README.Debian"), "/usr/share/doc/infomat/README.Debian", 0o644),
			},
			Scripts: nfpm.Scripts{
				PostInstall: pk("scripts/infomat/postinst"),
				PreRemove:   pk("scripts/infomat/prerm"),
				PostRemove:  pk("scripts/infomat/postrm"),
			},
		},
	}

	portal := &nfpm.Info{
		Name:       "infomat-portal",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "net",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		License:    license,
		Description: "Infomat central portal\n" +
			"The server Infomat kiosks sync with: signed content publishing, the encrypted\n" +
			"submission queue and its export, enrolment tokens and the device fleet.",
		Overridables: nfpm.Overridables{
			Depends: []string{"adduser"},
			Contents: files.Contents{
				file(bin("infomat-portal"), "/usr/bin/infomat-portal", 0o755),
				file(pk("systemd/infomat-portal.service"), "/lib/systemd/system/infomat-portal.service", 0o644),
				file(pk("tmpfiles/infomat-portal.conf"), "/usr/lib/tmpfiles.d/infomat-portal.conf", 0o644),
				conf(pk("etc/portal.conf"), "/etc/infomat-portal/portal.conf"),
				file(pk("doc/README.Debian.portal"), "/usr/share/doc/infomat-portal/README.Debian", 0o644),
			},
			Scripts: nfpm.Scripts{
				PostInstall: pk("scripts/infomat-portal/postinst"),
				PreRemove:   pk("scripts/infomat-portal/prerm"),
				PostRemove:  pk("scripts/infomat-portal/postrm"),
			},
		},
	}
	return []*nfpm.Info{kiosk, portal}
}

// writeDeb writes outDir/<name>_<version>_amd64.deb.
func writeDeb(info *nfpm.Info, outDir string) (string, error) {
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", fmt.Errorf("%s: %w", info.Name, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(outDir, deb.Default.ConventionalFileName(info))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("%s: %w", info.Name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}
