// Package printer drives ESC/POS thermal receipt printers over a serial line: it turns a
// receipt.Doc (the same model receipt.RenderPNG previews) into ESC/POS bytes (Encode), reads
// the printer's real-time status (DLE EOT, DecodeStatus) and prints a receipt in chunks,
// checking the status between them so that paper running out mid-receipt is reported
// instead of lost (Printer.Print).
//
// The bytes follow what python-escpos (src/escpos/constants.py, escpos.py) and escpos-php
// (src/Mike42/Escpos/Printer.php) send for the same commands:
//
//	ESC @                  1B 40              initialise
//	FS .                   1C 2E              cancel Kanji mode (Chinese clones start in it)
//	ESC t 18               1B 74 12           code page 852 (Polish letters)
//	ESC E n                1B 45 00|01        bold off/on
//	ESC a n                1B 61 00|01|02     left/centre/right
//	GS ! n                 1D 21 00|11        normal / double width and height
//	ESC d n                1B 64 n            feed n lines
//	ESC J n                1B 4A n            feed n dots (the QR code's quiet zone)
//	GS ( k … 1 A 2 0       1D 28 6B 04 00 31 41 32 00   QR model 2
//	GS ( k … 1 C n         1D 28 6B 03 00 31 43 n       QR module size
//	GS ( k … 1 E 1         1D 28 6B 03 00 31 45 31      QR error correction M
//	GS ( k pL pH 1 P 0 d   1D 28 6B pL pH 31 50 30 …    QR data (length+3)
//	GS ( k … 1 Q 0         1D 28 6B 03 00 31 51 30      print the QR code
//	GS v 0 m xL xH yL yH   1D 76 30 00|03 …   raster image, dot for dot or 2×2 (QR fallback)
//	GS V 66 0              1D 56 42 00        feed to the cutter and cut (partial)
//	DLE EOT n              10 04 01|02|04     real-time status
//
// Text is wrapped by the encoder to the profile's columns (half of them for Large text), so
// the printer never wraps on its own, and encoded in CP852. Characters CP852 lacks are folded
// to readable look-alikes first (package cp852: "m²" → "m2", "„" → `"`, "€" → "EUR"), and
// Cyrillic is romanised (cp852.Translit); those with none (CJK, emoji) print as "?".
//
// The serial line itself is not this package's business: Printer consumes the small Port
// interface, which the serial transport (with its XON/XOFF handling) implements.
package printer
