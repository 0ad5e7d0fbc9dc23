//go:build !e2etargets

package main

import (
	"context"
	"log/slog"

	"fyne.io/fyne/v2"

	"infomat/app"
)

// debugTargets does nothing in the product; see targets.go.
func debugTargets(context.Context, fyne.Window, *slog.Logger) {}

// debugSpeech leaves the speaker as it is: the product writes down nothing it says.
func debugSpeech(s app.Speaker, _ *slog.Logger) app.Speaker { return s }
