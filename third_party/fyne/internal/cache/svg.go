package cache

import (
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/internal/async"
)

// svgs holds the pictures of SVG images by name and size.
//
// infomat patch (third_party/README.md): the size is part of the key. Keyed by name alone,
// an icon drawn at two sizes (the same icon in two places, or an image laid out first at a
// provisional size) was rasterised again at each, every time a screen was built.
var svgs async.Map[svgKey, *svgInfo]

type svgKey struct {
	name string
	w, h int
}

// GetSvg gets svg image from cache if it exists.
func GetSvg(name string, o fyne.CanvasObject, w int, h int) *image.NRGBA {
	svginfo, ok := svgs.Load(svgKey{overriddenName(name, o), w, h})
	if !ok || svginfo == nil {
		return nil
	}

	svginfo.setAlive()
	return svginfo.pix
}

// SetSvg sets a svg into the cache map.
func SetSvg(name string, o fyne.CanvasObject, pix *image.NRGBA, w int, h int) {
	sinfo := &svgInfo{pix: pix}
	sinfo.setAlive()
	svgs.Store(svgKey{overriddenName(name, o), w, h}, sinfo)
}

type svgInfo struct {
	expiringCache
	pix *image.NRGBA
}

// destroyExpiredSvgs destroys expired svgs cache data.
func destroyExpiredSvgs(now time.Time) {
	svgs.Range(func(key svgKey, sinfo *svgInfo) bool {
		if sinfo.isExpired(now) {
			svgs.Delete(key)
		}
		return true
	})
}

func overriddenName(name string, o fyne.CanvasObject) string {
	if o != nil { // for overridden themes get the cache key right
		if over, ok := overrides.Load(o); ok {
			return over.cacheID + name
		}
	}

	return name
}
