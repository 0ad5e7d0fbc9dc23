package main

import "github.com/go-gl/glfw/v3.3/glfw"

// noDepthBuffer asks GLFW for a window whose framebuffer has colour only. GLFW's defaults
// add a 24-bit depth and an 8-bit stencil buffer, which Fyne never tests against (it
// disables the depth test and clips with the scissor) but clears on every frame: at
// 1080×1920 that is 8.3 MB of memory, written each frame. Under llvmpipe it is the kiosk's
// own RAM (about 8 MB less PSS, docs/performance.md, "Fourth round"); on an integrated GPU it
// is shared memory too. The hints are preferences, so a driver without such a framebuffer
// configuration gives the closest one it has.
//
// GLFW keeps hints until it is initialised again: call it on the main thread after
// NewWindow (which initialises GLFW) and before Show (which creates the window).
func noDepthBuffer() {
	glfw.WindowHint(glfw.DepthBits, 0)
	glfw.WindowHint(glfw.StencilBits, 0)
}
