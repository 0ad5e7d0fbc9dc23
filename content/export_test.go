package content

// SetAfterList sets the hook run between listing a directory and opening its entries.
func SetAfterList(f func(dir string)) func() {
	afterList = f
	return func() { afterList = nil }
}
