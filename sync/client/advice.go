package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"infomat/sync/protocol"
)

// ErrNeedHTTPS is a portal address that is not https:// (plain http only on loopback).
var ErrNeedHTTPS = errors.New("https is required")

// Advice says in Polish, for the technician, what went wrong talking to the portal and how to
// fix it, or "" when err is nothing it knows. The caller prints err too, as the cause.
func Advice(err error) string {
	var (
		pe   *PinError
		se   *StatusError
		unk  x509.UnknownAuthorityError
		host x509.HostnameError
		inv  x509.CertificateInvalidError
		verr *tls.CertificateVerificationError
		rec  tls.RecordHeaderError
		dns  *net.DNSError
		nerr net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNeedHTTPS):
		return "adres portalu musi zaczynać się od https:// — użyj https:// i portu 8443 (np. https://portal.gmina.pl:8443)"
	case errors.As(err, &pe):
		return "portal przedstawił inny klucz niż przypięty — sprawdź adres portalu albo uruchom setup z nowym kodem z panelu (Urządzenia → Nowy token rejestracyjny)"
	case errors.As(err, &host):
		return "certyfikat portalu nie jest wystawiony na ten adres — użyj nazwy z certyfikatu albo uruchom setup z kodem z panelu"
	case errors.As(err, &unk), errors.As(err, &inv), errors.As(err, &verr):
		return "certyfikat nieznany — uruchom setup z kodem z panelu (albo provision z --pin z polecenia w panelu)"
	case errors.As(err, &rec), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "pod tym portem nie ma TLS — użyj https:// i portu 8443 (portu, na którym działa infomat-portal serve)"
	case errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(se.Message+se.Code, "HTTPS"),
		errors.As(err, &se) && se.Status == http.StatusBadRequest && se.Code == "":
		return "portal oczekuje TLS — użyj https:// i portu 8443"
	case errors.As(err, &se) && se.Code == protocol.CodeBadToken:
		return "token nieważny, wygasł albo już użyty — wygeneruj nowy w panelu (Urządzenia → Nowy token rejestracyjny) lub infomat-portal token create"
	case errors.As(err, &se) && se.Code == protocol.CodeRevoked:
		return "portal odwołał to urządzenie — zarejestruj je ponownie: uruchom setup z nowym kodem z panelu"
	case errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden):
		return "portal nie przyjmuje poświadczeń urządzenia — zarejestruj je ponownie: uruchom setup z nowym kodem z panelu"
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return "pod tym adresem nie ma API portalu — sprawdź adres (sam host i port, bez ścieżki /panel/)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "portal nie przyjmuje połączeń pod tym adresem i portem — sprawdź port (domyślnie 8443) i czy usługa działa (systemctl status infomat-portal)"
	case errors.As(err, &dns):
		return "nie znaleziono hosta portalu — sprawdź adres i DNS (getent hosts NAZWA)"
	case errors.Is(err, os.ErrPermission):
		return "brak uprawnień do katalogu danych — uruchom jako root (sudo) albo jako użytkownik usługi"
	case errors.As(err, &nerr) && nerr.Timeout():
		return "portal nie odpowiedział na czas — sprawdź sieć i zaporę (port 8443) albo spróbuj ponownie"
	}
	return ""
}
