// Package sample is the SDK's sample kundhändelsetypskatalog, embedded so
// tests and demos can use it from any directory: Pia's Tacotruck's four
// types (Bolagsverket, Skatteverket, PRV, Stockholms stad), SKV.MOMS with a
// komplettering loop, and KOMMUN.BYGGLOV shared by Stockholms stad and
// Värmdö kommun with a slice each. The files are in this package's
// directory, one type or producer per file, in the format package catalog
// documents. It is made-up material, not any producer's real catalog.
package sample

import (
	"embed"

	"github.com/aterkoppling/minaarenden/catalog"
)

// FS holds the catalog's JSON files at its root.
//
//go:embed *.json
var FS embed.FS

// Catalog loads the sample catalog. Each call returns a fresh catalog the
// caller may change. The embedded files are checked by this package's
// tests, so an error here means a broken build, not bad input.
func Catalog() (*catalog.Catalog, error) {
	return catalog.LoadFS(FS, ".")
}
