//go:build js && wasm

// Command agewasm is the panel's decryption, run in the clerk's browser: filippo.io/age
// compiled to WebAssembly, so a submission is opened with the municipality's age identity
// where the clerk sits and the portal never receives the key or the plaintext. It is built
// into ../static/age.wasm by scripts/build-agewasm.sh; static/inbox.js calls it, and
// static/keygen.js makes a municipality's submission key pair with it, in the administrator's
// browser, so the portal only ever receives the public half.
//
// It sets one global, infomatAge, with:
//
//	recipient(identity string) -> {recipient} | {error}
//	decrypt(identity string, ciphertext Uint8Array) -> {plain: string} | {error}
//	generate() -> {identity, recipient} | {error: "random"}
//
// error is a code, never age's message: that may quote the bytes it could not parse.
//
//	"identity"  the text holds no age identity (AGE-SECRET-KEY-1…)
//	"nomatch"   the submission was not encrypted to this identity
//	"broken"    the ciphertext is damaged or not age
package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"syscall/js"

	"filippo.io/age"
)

func result(key, value string) any { return js.ValueOf(map[string]any{key: value}) }

func identities(text string) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(strings.NewReader(text))
	if err != nil || len(ids) == 0 {
		return nil, errors.New("identity")
	}
	return ids, nil
}

func recipient(_ js.Value, args []js.Value) any {
	if len(args) < 1 {
		return result("error", "identity")
	}
	ids, err := identities(args[0].String())
	if err != nil {
		return result("error", "identity")
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			return result("recipient", x.Recipient().String())
		}
	}
	return result("recipient", "")
}

func decrypt(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return result("error", "broken")
	}
	ids, err := identities(args[0].String())
	if err != nil {
		return result("error", "identity")
	}
	ct := make([]byte, args[1].Get("length").Int())
	js.CopyBytesToGo(ct, args[1])
	r, err := age.Decrypt(bytes.NewReader(ct), ids...)
	var nm *age.NoIdentityMatchError
	switch {
	case errors.As(err, &nm):
		return result("error", "nomatch")
	case err != nil:
		return result("error", "broken")
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return result("error", "broken")
	}
	return result("plain", string(plain))
}

// generate makes a new X25519 key pair from crypto/rand (in js/wasm the browser's
// crypto.getRandomValues).
func generate(js.Value, []js.Value) any {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return result("error", "random")
	}
	return js.ValueOf(map[string]any{"identity": id.String(), "recipient": id.Recipient().String()})
}

func main() {
	js.Global().Set("infomatAge", js.ValueOf(map[string]any{
		"recipient": js.FuncOf(recipient),
		"decrypt":   js.FuncOf(decrypt),
		"generate":  js.FuncOf(generate),
	}))
	select {} // the functions live as long as the page
}
