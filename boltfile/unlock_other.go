//go:build !unix

package boltfile

import "os"

// unlock: elsewhere closing the file is all there is to do.
func unlock(*os.File) {}
