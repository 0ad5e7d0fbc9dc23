package main

import (
	"runtime"
	"testing"

	"github.com/go-gl/gl/v2.1/gl"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// The kiosk's window hints give a framebuffer with colour only: asked of OpenGL itself, in a
// window made under Xvfb with software GL as the kiosk's is. GLFW's defaults are checked
// first, so the query is known to see a depth buffer when there is one.
func TestE2EFramebufferHasNoDepthBuffer(t *testing.T) {
	requireE2E(t)
	t.Setenv("DISPLAY", startXvfb(t))
	t.Setenv("LIBGL_ALWAYS_SOFTWARE", "1")
	// GLFW and the GL context belong to one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := glfw.Init(); err != nil {
		t.Fatalf("GLFW: %v", err)
	}
	defer glfw.Terminate()

	bits := func(hints func()) (depth, stencil int32) {
		t.Helper()
		glfw.DefaultWindowHints()
		glfw.WindowHint(glfw.Visible, glfw.False)
		glfw.WindowHint(glfw.ContextVersionMajor, 2) // as Fyne asks
		glfw.WindowHint(glfw.ContextVersionMinor, 1)
		hints()
		w, err := glfw.CreateWindow(64, 64, "framebuffer", nil, nil)
		if err != nil {
			t.Fatalf("window: %v", err)
		}
		defer w.Destroy()
		w.MakeContextCurrent()
		defer glfw.DetachCurrentContext()
		if err := gl.Init(); err != nil {
			t.Fatalf("GL: %v", err)
		}
		gl.GetIntegerv(gl.DEPTH_BITS, &depth)
		gl.GetIntegerv(gl.STENCIL_BITS, &stencil)
		return depth, stencil
	}

	if depth, stencil := bits(func() {}); depth == 0 || stencil == 0 {
		t.Fatalf("GLFW's default framebuffer reports depth %d, stencil %d bits: the query cannot tell them apart", depth, stencil)
	}
	if depth, stencil := bits(noDepthBuffer); depth != 0 || stencil != 0 {
		t.Errorf("kiosk framebuffer has depth %d, stencil %d bits, want none", depth, stencil)
	}
}
