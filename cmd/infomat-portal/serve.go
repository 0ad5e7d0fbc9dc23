package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"

	"infomat/content/importer"
	"infomat/sync/portal"
	"infomat/sync/portal/panel"
	"infomat/sync/protocol"
)

// serveCmd runs the API until ctx is done (SIGTERM/SIGINT), then shuts down gracefully.
// ready, when not nil, receives the listening address (tests use it).
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	fl, data := flags("serve", stderr)
	addr := fl.String("addr", ":8443", "listen address")
	cert := fl.String("cert", "", "TLS certificate (PEM, with the chain)")
	key := fl.String("key", "", "TLS private key (PEM)")
	rate := fl.Float64("submit-rate", portal.DefaultSubmitRate, "submissions a minute one device may send in the long run (-1: no limit)")
	burst := fl.Int("submit-burst", portal.DefaultSubmitBurst, "submissions one device may send at once")
	quota := fl.Int64("device-quota", portal.DefaultDeviceQuota, "bytes of one device's submissions not yet exported (-1: no limit)")
	minRate := fl.Int64("min-body-rate", portal.DefaultMinBodyRate, "bytes a second a request body must at least arrive at")
	maxConns := fl.Int("max-conns", defaultMaxConns, "most connections served at once (more wait to be accepted)")
	secureCookies := fl.Bool("secure-cookies", false, "mark the panel's cookies Secure on plain HTTP too (behind a TLS proxy on loopback)")
	reimportEvery := fl.Duration("reimport", 6*time.Hour, "how often the BIP sources moderators imported from are imported again (0: never)")
	publicURL := fl.String("public-url", "", "the address kiosks reach this portal at, for the panel's enrolment command (default: the address the panel is opened at)")
	if _, err := parse(fl, args); err != nil {
		return 2
	}
	useTLS := *cert != "" || *key != ""
	if useTLS && (*cert == "" || *key == "") {
		fmt.Fprintln(stderr, "infomat-portal serve: podaj oba: --cert PLIK.pem i --key PLIK.pem (certyfikat i jego klucz)")
		return 2
	}
	if !useTLS && !isLoopback(*addr) {
		fmt.Fprintf(stderr, "infomat-portal serve: bez TLS nie nasłuchuję na %s — kioski wysyłają tędy wnioski i swoje sekrety, więc bez TLS wolno tylko na adresie pętli zwrotnej (127.0.0.1, ::1, localhost). Podaj --cert PLIK --key PLIK (i --addr :8443) albo postaw przed portalem serwer TLS i słuchaj na 127.0.0.1.\n", *addr)
		return 2
	}
	var tlsCfg *tls.Config
	var certPin string // of the certificate kiosks see, for the panel's enrolment command
	var certSum []byte // SHA-256 of its DER, for enrolment codes
	if useTLS {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "infomat-portal serve: nie ma pliku certyfikatu lub klucza — podaj istniejące pliki PEM w --cert i --key\n  przyczyna: %v\n", err)
			return 2
		}
		if err != nil {
			fail(stderr, "infomat-portal serve: certyfikat TLS", err)
			return 2
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
		if certPin, err = pinOf(pair); err != nil {
			fmt.Fprintln(stderr, "infomat-portal serve: TLS certificate:", err)
			return 2
		}
		sum := sha256.Sum256(pair.Certificate[0])
		certSum = sum[:]
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	st, ok := open(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	if *maxConns < 1 {
		fmt.Fprintln(stderr, "infomat-portal serve: --max-conns musi być co najmniej 1")
		return 2
	}
	// panel.key seals the TOTP secrets and, through keys derived from it, the dues; it is
	// kept beside portal.db, not in it. Instances sharing a PostgreSQL database share it.
	sealKey, err := panel.LoadKey(data.dir)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal serve:", err)
		return 1
	}
	duesKeys, err := portal.NewDuesKeys(sealKey)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal serve:", err)
		return 1
	}
	api := portal.NewServer(st, portal.ServerOptions{Log: log, DuesKeys: duesKeys, Limits: portal.Limits{
		SubmitRate: *rate, SubmitBurst: *burst, DeviceQuota: *quota, MinBodyRate: *minRate,
	}})
	if err := mountTracking(api, st, log); err != nil { // track.go
		fmt.Fprintln(stderr, "infomat-portal serve:", err)
		return 1
	}
	// The municipality's web panel shares the listener under /panel/; everything else is
	// the kiosk API.
	pnl, err := panel.New(st, panel.Options{Log: log, SecureCookies: *secureCookies, SecretKey: sealKey,
		PortalURL: *publicURL, CertPin: certPin, CertFingerprint: certSum})
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal serve:", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, pnl)
	mux.Handle("/", api)
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout: the handler sets each request's body deadline from the body's
		// length at the minimum rate, so a stalled /enroll is cut off in seconds, not minutes.
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(stderr, "infomat-portal serve", err)
		return 1
	}
	// A cap on open connections: past it new ones wait in the kernel's backlog instead of
	// each costing a goroutine, buffers and a file descriptor.
	ln = netutil.LimitListener(ln, *maxConns)
	renew(ctx, st, log)
	// The operator's commands reach a bbolt store through DATA/admin.sock while this process
	// holds it. Without the socket the kiosks are still served; the commands then say the
	// store is locked, as before. A PostgreSQL store is not locked: commands open it beside
	// the running instances.
	admin := &adminServer{}
	if !portal.IsPostgres(data.db) {
		admin = startAdmin(data.dir, st, log)
	}
	defer admin.close()
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	scheme := "https"
	if tlsCfg == nil {
		scheme = "http"
	}
	log.Info("portal listening", "url", scheme+"://"+ln.Addr().String(), "store", st.String())
	// For token create's enrolment codes: where kiosks reach this portal and its certificate.
	info := enrolmentInfo{PortalURL: servedURL(*publicURL, scheme, ln.Addr()), Fingerprint: hex.EncodeToString(certSum)}
	if err := writeEnrolmentInfo(data.dir, info); err != nil {
		log.Warn("token create will need --portal-url and --cert", "err", err)
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	renewDone := make(chan struct{})
	rctx, stopRenew := context.WithCancel(ctx)
	// serve renewed once itself before it listened, so a portal that was down for a while
	// serves no manifest it could have renewed; then every renewEvery.
	go func() {
		defer close(renewDone)
		every(rctx, renewEvery, func(ctx context.Context) { renew(ctx, st, log) })
	}()
	defer func() { stopRenew(); <-renewDone }()
	// Dues past their municipality's retention go within the hour (the lookup refuses them
	// from the moment they expire).
	purgeDone := make(chan struct{})
	pctx, stopPurge := context.WithCancel(ctx)
	purgeDues(ctx, st, log)
	go func() {
		defer close(purgeDone)
		every(pctx, duesPurgeEvery, func(ctx context.Context) { purgeDues(ctx, st, log) })
	}()
	defer func() { stopPurge(); <-purgeDone }()
	if *reimportEvery > 0 {
		reimportDone := make(chan struct{})
		ictx, stopReimport := context.WithCancel(ctx)
		im := importer.New(importer.Options{})
		go func() {
			defer close(reimportDone)
			every(ictx, *reimportEvery, func(ctx context.Context) { reimport(ctx, st, im, log) })
		}()
		defer func() { stopReimport(); <-reimportDone }()
	}
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "infomat-portal serve:", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	api.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown did not finish cleanly", "err", err)
	}
	admin.shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("serve", "err", err)
	}
	log.Info("stopped")
	return 0
}

// pinOf is the pin (protocol.CertPin) of a key pair's leaf certificate: the key a kiosk
// enrolled with the panel's command trusts, with no CA file.
func pinOf(pair tls.Certificate) (string, error) {
	leaf := pair.Leaf
	if leaf == nil {
		if len(pair.Certificate) == 0 {
			return "", errors.New("no certificate")
		}
		var err error
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return "", err
		}
	}
	return protocol.CertPin(leaf), nil
}

// defaultMaxConns leaves room for a few thousand kiosks keeping a connection each, well
// inside the file descriptors Go raises its limit to.
const defaultMaxConns = 4096

// renewEvery is how often serve looks for manifests to renew (they are renewed with half
// their validity left, days ahead).
var renewEvery = time.Hour

// every runs fn every period until ctx is done: the portal's background work (renewing
// manifests, re-importing BIP sources).
func every(ctx context.Context, period time.Duration, fn func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn(ctx)
	}
}

func renew(ctx context.Context, st portal.ContentStore, log *slog.Logger) {
	renewed, err := portal.RenewManifests(ctx, st, time.Now())
	for _, r := range renewed {
		log.Info("manifest renewed", "municipality", r.Municipality, "version", r.Version, "expires", r.Expires)
	}
	if err != nil && ctx.Err() == nil {
		log.Error("renewing manifests failed; kiosks keep what they have, fleet warns before expiry", "err", err)
	}
}

// duesPurgeEvery is how often serve removes dues past their retention.
var duesPurgeEvery = time.Hour

func purgeDues(ctx context.Context, st portal.DuesAdminStore, log *slog.Logger) {
	gone, err := portal.PurgeExpiredDues(ctx, st, time.Now())
	for _, m := range gone {
		log.Info("dues past their retention removed", "municipality", m)
	}
	if err != nil && ctx.Err() == nil {
		log.Error("purging dues failed", "err", err)
	}
}

// reimport imports every kept BIP source into its municipality's draft again
// (portal.Reimport): changed items are updated where no moderator edited them, the rest wait
// in the panel as conflicts. Nothing is published by it.
func reimport(ctx context.Context, st portal.DraftStore, im *importer.Importer, log *slog.Logger) {
	done, err := portal.Reimport(ctx, st, im, time.Now())
	for _, r := range done {
		if r.Err != nil {
			log.Warn("re-import failed", "municipality", r.Municipality, "source", r.Source.URL, "err", r.Err)
			continue
		}
		log.Info("re-imported", "municipality", r.Municipality, "source", r.Source.URL, "items", len(r.Report))
	}
	if err != nil && ctx.Err() == nil {
		log.Error("re-import failed", "err", err)
	}
}

// isLoopback reports whether a listen address only reaches this machine. An empty host
// (":8443") listens on every interface and is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminServer is the admin API on DATA/admin.sock.
type adminServer struct {
	srv  *http.Server
	errc chan error
}

func startAdmin(dir string, st portal.AdminStore, log *slog.Logger) *adminServer {
	ln, err := portal.ListenAdmin(dir)
	if err != nil {
		log.Warn("no admin socket: operator commands need the portal stopped", "err", err)
		return &adminServer{}
	}
	a := &adminServer{
		srv: &http.Server{
			Handler:           portal.NewAdminHandler(st, portal.AdminOptions{Log: log}),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       time.Minute,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		errc: make(chan error, 1),
	}
	go func() { a.errc <- a.srv.Serve(ln) }()
	log.Info("admin socket listening", "path", portal.AdminSocketPath(dir))
	return a
}

// shutdown lets admin requests in flight finish (a publish, an export), closes the listener
// and removes the socket.
func (a *adminServer) shutdown(ctx context.Context) {
	if a.srv == nil {
		return
	}
	if err := a.srv.Shutdown(ctx); err != nil {
		_ = a.srv.Close()
	}
	<-a.errc
	a.srv = nil
}

// close is shutdown without waiting, for the paths that end serve early. It must run before
// the store closes: the socket is removed while this process still holds the lock, so it
// never removes a socket a newer portal made.
func (a *adminServer) close() {
	if a.srv == nil {
		return
	}
	_ = a.srv.Close()
	<-a.errc
	a.srv = nil
}
