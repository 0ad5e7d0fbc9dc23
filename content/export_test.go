package content

import "io/fs"

// SetAfterList sets the hook run between listing a directory and opening its entries.
func SetAfterList(f func(dir string)) func() {
	afterList = f
	return func() { afterList = nil }
}

// SampleIdentity is what IsSampleKey and IsSample know of the sample, and IdentityOf the
// same read from any bundle's municipality file.
func SampleIdentity() (name, prefix, key string) {
	id := sampleIdentity()
	return id.name, id.prefix, id.key
}

func IdentityOf(fsys fs.FS) (ok bool) { return identityOf(fsys) != nil }
