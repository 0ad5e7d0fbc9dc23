// Command infomat is the kiosk and the technician's tool.
//
//	infomat [--windowed] [--data DIR] [--content DIR] [--idle 90s]   run the kiosk
//	        [--pprof 127.0.0.1:PORT] [--trace-startup]                profiles, start-up phases
//	infomat content check DIR                                        validate a content folder
//	infomat settings [--data DIR] [set KEY VALUE]                    device settings
//	infomat service [--data DIR] set-pin|add-card|remove-card|cards|audit   service access
//	infomat selftest [--data DIR] [--json]                           check the devices
//	infomat setup [--data DIR] [--label L] [--no-start] CODE          set the kiosk up from an enrolment code
//	infomat provision --portal URL --token T [--pin sha256:HEX | --ca FILE]  enrol with the portal
//	infomat sync --once                                              push and pull once
//	infomat factory-reset [--data DIR] [--yes] [--force]             wipe the device's data
//	infomat version                                                  version, commit, build date
package main

import (
	"fmt"
	"os"

	"infomat/buildinfo"

	// Before Fyne's init reads the locale: see the package's comment.
	_ "clocale"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "content":
			os.Exit(contentCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "settings":
			os.Exit(settingsCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "service":
			os.Exit(serviceCmd(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
		case "selftest":
			os.Exit(selftestCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "detect":
			os.Exit(detectCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "setup":
			os.Exit(setupCmd(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
		case "provision":
			os.Exit(provisionCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "sync":
			os.Exit(syncCmd(os.Args[2:], os.Stdout, os.Stderr))
		case "factory-reset":
			os.Exit(factoryResetCmd(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
		case "version", "--version", "-version":
			fmt.Println(buildinfo.Line("infomat"))
			return
		case "help", "-h", "--help":
			usage()
			return
		}
	}
	os.Exit(runKiosk(os.Args[1:]))
}

func usage() {
	fmt.Fprint(os.Stderr, `Infomat — kiosk informacyjny gminy

  infomat [--windowed] [--demo] [--data KATALOG] [--content KATALOG] [--idle 90s]
          [--pprof 127.0.0.1:PORT] [--trace-startup]
      uruchamia kiosk (pełny ekran; --windowed w oknie, do prac rozwojowych; --demo: wnioski
      działają na przykładowej treści, której klucz prywatny jest publiczny — nie na urzędowym kiosku;
      --pprof: profile Go (net/http/pprof) tylko na adresie pętli zwrotnej, do pomiarów;
      --trace-startup lub INFOMAT_TRACE_STARTUP=1: czas każdej fazy startu w dzienniku)
  infomat content check [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 1GiB] KATALOG
      sprawdza folder z treścią gminy i wypisuje błędy jako plik: pole: powód
      (limity rozmiaru podnosi się flagami, jeśli gmina je podniosła w portalu)
  infomat settings [--data KATALOG] [set KLUCZ WARTOŚĆ]
      pokazuje lub zmienia ustawienia urządzenia (np. idle_timeout 120s, printer_port /dev/ttyUSB0)
  infomat service [--data KATALOG] set-pin|add-card --swipe|add-card ID|remove-card ID|cards|audit
      dostęp serwisowy: PIN, karty serwisowe, dziennik
  infomat detect [--save] [--listen 20s] [PORT…]
      znajduje port drukarki (odpowiada na DLE EOT) i czytnika kart (przyłóż kartę)
  infomat setup [--data KATALOG] [--label "Biblioteka, parter"] [--no-start] [--force] [KOD]
      konfiguruje kiosk jednym poleceniem z kodu rejestracyjnego z portalu (INFOMAT1:…, argument albo
      zeskanowany/wpisany na wejściu): sprawdza certyfikat portalu, rejestruje urządzenie, znajduje drukarkę
      i czytnik, drukuje stronę testową, dodaje kartę serwisową (przeciągnij ją), pyta o PIN, zgłasza
      urządzenie w portalu i uruchamia kiosk; ponowne uruchomienie z tym samym kodem pomija zrobione kroki;
      urządzenie już zarejestrowane rejestruje na nowo tylko z --force (stara tożsamość wycofana w portalu)
  infomat provision --portal URL --token TOKEN [--pin sha256:HEX | --ca PLIK.pem] [--detect] [--label MIEJSCE] [--force] [--data KATALOG]
      rejestruje urządzenie w portalu, zapisuje poświadczenia i synchronizuje się pierwszy raz
      (--pin: odcisk klucza portalu z polecenia w panelu; wtedy nie trzeba pliku CA); na urządzeniu już
      zarejestrowanym najpierw wycofuje starą tożsamość w portalu (gdy portal nieosiągalny: --force)
  infomat sync --once [--data KATALOG]
      wysyła kolejkę wniosków i pobiera treść (gdy kiosk nie działa)
  infomat selftest [--data KATALOG] [--json] [--card-timeout 20s]
      sprawdza drukarkę (z wydrukiem strony testowej), czytnik kart, magazyn danych i treść
  infomat factory-reset [--data KATALOG] [--yes] [--force]
      usuwa wszystkie dane kiosku: magazyn, poświadczenia, kolejkę wniosków (kiosk musi być zatrzymany;
      pyta o „TAK”; niewysłane wnioski zawsze wymagają „TAK”, chyba że --force)
  infomat version | --version
      wersja programu, commit, data budowy, wersja Go

Pod systemd (Type=notify) kiosk zgłasza READY=1 po pierwszej klatce i WATCHDOG=1 z pętli
interfejsu; bez ekranu kończy się kodem 3 po 5 s. INFOMAT_DEBUG_HANG_AFTER=10s celowo
zawiesza interfejs po 10 s — tylko do sprawdzenia watchdoga, nigdy na produkcji.
`)
}
