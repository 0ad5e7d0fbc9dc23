//go:build !e2etargets

package main

import (
	"context"
	"log/slog"

	"fyne.io/fyne/v2"
)

// debugTargets does nothing in the product; see targets.go.
func debugTargets(context.Context, fyne.Window, *slog.Logger) {}
