package twin

import (
	"infomat/assets"
	"infomat/content"
)

// Load reads the bundle in dir the way `infomat --content` does (ReadFolder refuses
// symlinks and oversized files, Load validates), or the embedded sample when dir is "".
func Load(dir string) (*content.Bundle, error) {
	if dir == "" {
		return content.Load(assets.DefaultContent())
	}
	folder, err := content.ReadFolder(dir, content.Limits{})
	if err != nil {
		return nil, err
	}
	return content.Load(folder.FS())
}
