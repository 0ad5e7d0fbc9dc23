package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"

	"infomat/sync/portal"
)

// fail prints a command's error for the technician: the fix in Polish when the error is one
// whose fix is known, then the cause.
func fail(stderr io.Writer, what string, err error) {
	if a := advice(err); a != "" {
		fmt.Fprintf(stderr, "%s: %s\n  przyczyna: %v\n", what, a, err)
		return
	}
	fmt.Fprintf(stderr, "%s: %v\n", what, err)
}

// advice says what to do about err, or "".
func advice(err error) string {
	var op *net.OpError
	isListen := errors.As(err, &op) && op.Op == "listen"
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "port zajęty — inny proces już na nim słucha (może działający infomat-portal: systemctl status infomat-portal; kto słucha: ss -ltnp); zatrzymaj go albo podaj inny --addr"
	case isListen && errors.Is(err, fs.ErrPermission):
		return "brak uprawnień do portu poniżej 1024 — użyj portu 8443 (--addr :8443) albo uruchom jako usługę z CAP_NET_BIND_SERVICE"
	case errors.Is(err, portal.ErrLocked):
		return "baza jest otwarta przez inny proces (działający portal) — uruchom polecenie jako root albo jako użytkownik usługi, by przeszło przez admin.sock, albo zatrzymaj portal"
	case errors.Is(err, fs.ErrPermission):
		return "brak uprawnień do katalogu danych — uruchom jako root (sudo) albo jako użytkownik usługi (sudo -u infomat-portal …)"
	case errors.Is(err, portal.ErrCorrupt):
		return "baza jest uszkodzona — sprawdź ją (infomat-portal check) i przywróć z kopii (infomat-portal restore PLIK)"
	}
	return ""
}
