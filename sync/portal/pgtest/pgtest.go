// Package pgtest gives tests a real PostgreSQL: a fresh database on the cluster the test
// command started (scripts/test.sh exports its URL as INFOMAT_TEST_POSTGRES), or, without one,
// on a private cluster this process starts itself; and private clusters a test may stop,
// kill and restart (the chaos tests).
//
// A private cluster is Debian's PostgreSQL (package postgresql, /usr/lib/postgresql/N/bin)
// initialised in a temporary directory and listening only on a Unix socket there. PostgreSQL refuses
// to run as root, so as root the server runs as the unprivileged "postgres" user the
// package creates (or "nobody").
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the URL of a running server whose user may create
// databases.
const EnvURL = "INFOMAT_TEST_POSTGRES"

// Bin is the directory of the newest installed PostgreSQL's programs (initdb, pg_ctl,
// pg_dump…), or an error saying how to install them.
func Bin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL is not installed (initdb not found): apt-get install postgresql, or run scripts/test.sh, which installs it")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Cluster is a private PostgreSQL server in a temporary directory.
type Cluster struct {
	Dir  string // holds data/, the server's log and its Unix socket
	bin  string
	cred *syscall.Credential // whom the server runs as (nil: this process's user)
	mu   sync.Mutex
	cmd  *exec.Cmd // the running postmaster, nil when stopped
}

// StartCluster initialises and starts a private cluster in a new temporary directory. The
// superuser is "infomat" with trust authentication on loopback. Stop it with Stop (and
// remove Dir).
func StartCluster() (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "infomat-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, err
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", "infomat", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	c.as(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := c.Start(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// unprivileged is the user a root process runs the server as.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("no unprivileged user (postgres or nobody) to run PostgreSQL as")
}

func (c *Cluster) as(cmd *exec.Cmd) {
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	cmd.Dir = c.Dir
}

// Start starts the (stopped) server and waits until it accepts connections. The test
// cluster trades durability for speed where only a machine's crash would tell (fsync and
// full-page writes off: a killed server's writes are still in the kernel's cache); commits
// stay synchronous, so a killed server loses nothing it acknowledged.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return errors.New("postgres already running")
	}
	logf, err := os.OpenFile(filepath.Join(c.Dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.Dir, "data"),
		// A Unix socket in Dir, not a TCP port: a port picked free and then started on can
		// be taken meanwhile by another process of a busy test run, also across a restart.
		"-c", "listen_addresses=", "-c", "unix_socket_directories="+c.Dir,
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB")
	c.as(cmd)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			go func() { <-exited }()
			return nil
		}
		select {
		case werr := <-exited:
			c.cmd = nil
			log, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %v\n%s", werr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections in 30 s: %w", err)
		}
	}
}

// Kill stops the server abruptly (SIGKILL of the postmaster, then its children): what a
// crash does. Restart it with Start; PostgreSQL recovers from its WAL.
func (c *Cluster) Kill() { c.stop(syscall.SIGKILL) }

// Restart is a fast shutdown (SIGINT: connections are cut) and start.
func (c *Cluster) Restart() error {
	c.stop(syscall.SIGINT)
	return c.Start()
}

func (c *Cluster) stop(sig syscall.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	pid := c.cmd.Process.Pid
	_ = c.cmd.Process.Signal(sig)
	if sig == syscall.SIGKILL {
		// The backends notice their postmaster is gone and exit; make sure, so the port and
		// the shared memory are free for the next start.
		out, _ := exec.Command("pgrep", "-P", strconv.Itoa(pid)).Output()
		for _, f := range strings.Fields(string(out)) {
			if p, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
	}
	for i := 0; i < 600 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	// The pid file of a killed postmaster is removed by the next start's check.
	c.cmd = nil
}

// Stop shuts the server down and removes its directory.
func (c *Cluster) Stop() {
	c.stop(syscall.SIGINT)
	os.RemoveAll(c.Dir)
}

// URL is the connection URL of database db.
func (c *Cluster) URL(db string) string { return c.url(db) }

func (c *Cluster) url(db string) string {
	return "postgres://infomat@/" + db + "?host=" + url.QueryEscape(c.Dir) + "&sslmode=disable"
}

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
)

// server is the URL of the maintenance database of the server tests create databases on.
func server() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	sharedOnce.Do(func() { shared, sharedErr = StartCluster() })
	if sharedErr != nil {
		return "", sharedErr
	}
	return shared.URL("postgres"), nil
}

// Main runs a package's tests and stops the private cluster they started, if any:
// func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// DB creates an empty database for t and returns its URL; it is dropped when t ends. A
// missing PostgreSQL fails the test: the test command installs it.
func DB(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatal(err)
	}
	u, err := CreateDB(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := DropDB(context.Background(), base, u); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return u
}

// CreateDB creates a database with a random name on the server of base (a URL whose user
// may create databases) and returns its URL.
func CreateDB(ctx context.Context, base string) (string, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect to test PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create test database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDB drops the database of URL db (made by CreateDB), cutting its connections.
func DropDB(ctx context.Context, base, db string) error {
	u, err := url.Parse(db)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()+" WITH (FORCE)")
	return err
}
