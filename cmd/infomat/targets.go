package main

// The end-to-end test taps the real window with xdotool as a resident would, at every text
// size and in every language, so it needs to know where a button with a given label is. A
// kiosk built with -tags e2etargets (the end-to-end test builds it so) writes the current
// screen's tappable targets to the file named by INFOMAT_DEBUG_TARGETS on SIGUSR1
// (targets_debug.go). The product is built without the tag: reading Fyne's renderers needs
// fyne/v2/test, which would pull testing libraries into the kiosk.

// target is one tappable or focusable object on screen, or a label (to read the screen).
type target struct {
	Text string `json:"text"` // every text inside it, joined by spaces
	Kind string `json:"kind"` // its Go type, e.g. "*widget.Button"
	X    int    `json:"x"`    // top-left corner and size in pixels
	Y    int    `json:"y"`
	W    int    `json:"w"`
	H    int    `json:"h"`
}
